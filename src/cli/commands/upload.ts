import { Option, type Command } from 'commander'
import fsp from 'node:fs/promises'
import type { TreeUploadEvent } from '../../client/index.ts'
import { formatBytes, formatDuration } from '../format.ts'
import { splitLast } from './organize.ts'
import { progressMode, TransferProgress } from '../progress.ts'
import { common, examples, out, partialExit, printJson, run, usageError, usageExits, type ClientContext, type CommonOptions } from '../context.ts'

interface UploadOptions extends CommonOptions {
  parallel: string
  onConflict?: 'fail' | 'skip' | 'overwrite' | 'rename'
}

/** `trove upload LOCAL... REMOTE_DIR`. */
export function registerUploadCommand(program: Command, ctx: ClientContext): void {
  const cmd = program
    .command('upload')
    .description('Upload local files and directories into a remote folder (parallel, resumable: run it again after an interruption)')
    .usage('[options] <local...> <remote-dir>')
    .argument('<paths...>', 'local files and directories (a directory `photos` becomes REMOTE_DIR/photos), then the remote folder (it must exist: trove mkdir -p)')
    .option('-j, --parallel <n>', 'files uploaded at once', '4')
    .addOption(
      new Option('--on-conflict <policy>', 'when a different file of the same name exists: fail (default), skip, overwrite (old one to the bin), rename').choices(['fail', 'skip', 'overwrite', 'rename']),
    )
  common(cmd)
  usageExits(cmd)
  examples(cmd, [
    'trove upload ./photos /                 # creates /photos/… ; run again to resume',
    'trove upload report.pdf notes.txt /docs -j 8',
    'trove upload ./site /www --on-conflict overwrite --json',
  ])
  cmd.action(
    run(ctx, async (paths: string[], opts: UploadOptions) => {
      const [locals, remoteDir] = splitLast(paths, 'local file or directory', 'remote folder')
      const parallel = Number(opts.parallel)
      if (!Number.isInteger(parallel) || parallel < 1 || parallel > 64) throw usageError('--parallel must be a whole number from 1 to 64')
      for (const l of locals) await fsp.stat(l)
      const client = await ctx.client()
      const spaceId = await ctx.spaceId(opts)
      const resolver = client.paths(spaceId)
      const dest = await resolver.resolve(remoteDir)
      if (dest.kind !== 'folder') throw usageError(`${remoteDir} is a file; the destination must be a folder.`)

      const progress = new TransferProgress(progressMode(!!opts.json))
      const started = Date.now()
      const onEvent = (e: TreeUploadEvent) => {
        if (e.type === 'planned') progress.planned(e.files, e.bytes)
        else if (e.type === 'file-start') progress.start(e.relPath, e.sizeBytes)
        else if (e.type === 'file-progress') progress.progress(e.relPath, e.sentBytes)
        else if (e.type === 'file-done') {
          const what = e.status === 'failed' ? `failed   ${e.relPath}: ${e.error?.message}` : e.status === 'skipped' ? `skipped  ${e.relPath} (${e.reason})` : `uploaded ${e.relPath}  ${formatBytes(e.sizeBytes)}`
          progress.done(e.relPath, e.sizeBytes, what, !e.relPath.endsWith('/'))
        }
      }
      const ac = new AbortController()
      const stop = () => ac.abort(new Error('interrupted'))
      process.once('SIGINT', stop)
      let r
      try {
        r = await client.uploadTree({ spaceId, parentId: dest.id, sources: locals, concurrency: parallel, onConflict: opts.onConflict, onEvent, signal: ac.signal, resolver })
      } finally {
        progress.stop()
        process.off('SIGINT', stop)
      }
      const seconds = (Date.now() - started) / 1000
      if (opts.json) printJson({ destination: dest.path ?? remoteDir, ...r, seconds })
      else {
        out(
          `${r.uploaded} uploaded (${formatBytes(r.bytesUploaded)}), ${r.skipped} already there, ${r.failed.length} failed` +
            `${r.foldersCreated ? `, ${r.foldersCreated} folder${r.foldersCreated === 1 ? '' : 's'} created` : ''} in ${formatDuration(seconds)}` +
            (r.bytesUploaded && seconds > 0 ? ` (${formatBytes(r.bytesUploaded / seconds)}/s)` : ''),
        )
        if (r.failed.length) out('Run the same command again to retry what failed; files already uploaded are skipped.')
      }
      return partialExit(r.uploaded + r.skipped, r.failed.length)
    }),
  )
}
