import type { Command } from 'commander'
import fsp from 'node:fs/promises'
import type { Node, TreeDownloadEvent } from '../../client/index.ts'
import { formatBytes, formatDuration } from '../format.ts'
import { splitLast } from './organize.ts'
import { progressMode, TransferProgress } from '../progress.ts'
import { common, examples, out, partialExit, printJson, run, usageError, usageExits, type ClientContext, type CommonOptions } from '../context.ts'

/** `trove download REMOTE... LOCAL_DIR`. */
export function registerDownloadCommand(program: Command, ctx: ClientContext): void {
  const cmd = program
    .command('download')
    .description('Download remote files and folders into a local directory (partial files resume with Range)')
    .usage('[options] <remote...> <local-dir>')
    .argument('<paths...>', 'remote paths (a folder `photos` becomes LOCAL_DIR/photos), then the local directory (created if missing)')
    .option('-j, --parallel <n>', 'files downloaded at once', '4')
  common(cmd)
  usageExits(cmd)
  examples(cmd, ['trove download /photos ~/backup            # run again to resume', 'trove download /docs/a.pdf /docs/b.pdf .', 'trove download / ./everything --json'])
  cmd.action(
    run(ctx, async (paths: string[], opts: CommonOptions & { parallel: string }) => {
      const [remotes, localDir] = splitLast(paths, 'remote path', 'local directory')
      const parallel = Number(opts.parallel)
      if (!Number.isInteger(parallel) || parallel < 1 || parallel > 64) throw usageError('--parallel must be a whole number from 1 to 64')
      const st = await fsp.stat(localDir).catch(() => null)
      if (st && !st.isDirectory()) throw usageError(`${localDir} is not a directory.`)
      const client = await ctx.client()
      const spaceId = await ctx.spaceId(opts)
      const resolver = client.paths(spaceId)
      const nodes: Node[] = []
      for (const r of remotes) nodes.push(await resolver.resolve(r))
      await fsp.mkdir(localDir, { recursive: true })

      const progress = new TransferProgress(progressMode(!!opts.json))
      const started = Date.now()
      const onEvent = (e: TreeDownloadEvent) => {
        if (e.type === 'planned') progress.planned(e.files, e.bytes)
        else if (e.type === 'file-start') progress.start(e.relPath, e.sizeBytes)
        else if (e.type === 'file-progress') progress.progress(e.relPath, e.receivedBytes)
        else if (e.type === 'file-done') {
          const line =
            e.status === 'failed'
              ? `failed     ${e.relPath}: ${e.error?.message}`
              : e.status === 'skipped'
                ? `skipped    ${e.relPath} (identical file already there)`
                : `${e.status === 'resumed' ? 'resumed   ' : 'downloaded'} ${e.relPath}  ${formatBytes(e.bytes)}`
          progress.done(e.relPath, e.sizeBytes, line)
        }
      }
      const ac = new AbortController()
      const stop = () => ac.abort(new Error('interrupted'))
      process.once('SIGINT', stop)
      let r
      try {
        r = await client.downloadTree({ spaceId, nodes, localDir, concurrency: parallel, onEvent, signal: ac.signal })
      } finally {
        progress.stop()
        process.off('SIGINT', stop)
      }
      const seconds = (Date.now() - started) / 1000
      if (opts.json) printJson({ localDir, ...r, seconds })
      else {
        out(`${r.downloaded} downloaded, ${r.resumed} resumed, ${r.skipped} already there, ${r.failed.length} failed; ${formatBytes(r.bytesTransferred)} in ${formatDuration(seconds)}`)
        if (r.failed.length) out('Run the same command again to retry; complete files are skipped and partial ones resume.')
      }
      return partialExit(r.downloaded + r.resumed + r.skipped, r.failed.length)
    }),
  )
}
