import { Option, type Command } from 'commander'
import { normalizeRemotePath, type Node } from '../../client/index.ts'
import { confirm } from '../prompt.ts'
import { common, conflictError, examples, out, partialExit, printJson, reportError, run, usageError, usageExits, type ClientContext, type CommonOptions } from '../context.ts'

type Conflict = 'fail' | 'rename' | 'overwrite'
const conflictOption = (choices: Conflict[], what: string) => new Option('--on-conflict <policy>', `when the name is taken: ${choices.join(', ')} (${what})`).choices(choices)
const remotePath = (parts: string[]) => '/' + parts.join('/')

/** Commander allows only a last variadic argument, so `SOURCE... DEST` arrives as one list. */
export function splitLast(args: string[], first: string, last: string): [string[], string] {
  if (args.length < 2) throw usageError(`Give at least one ${first} and a ${last}.`, 'See --help for examples.')
  return [args.slice(0, -1), args[args.length - 1]]
}

/** `trove mkdir`, `trove mv`, `trove cp`, `trove rm`. */
export function registerOrganizeCommands(program: Command, ctx: ClientContext): void {
  const mkdir = program.command('mkdir').description('Create folders').argument('<path...>', 'remote folder paths').option('-p, --parents', 'create missing parents; no error if the folder exists')
  common(mkdir)
  usageExits(mkdir)
  examples(mkdir, ['trove mkdir /photos', 'trove mkdir -p /photos/2026/summer /docs/taxes'])
  mkdir.action(
    run(ctx, async (paths: string[], opts: CommonOptions & { parents?: boolean }) => {
      const client = await ctx.client()
      const spaceId = await ctx.spaceId(opts)
      const resolver = client.paths(spaceId)
      const created: Node[] = []
      for (const p of paths) {
        const parts = normalizeRemotePath(p)
        if (!parts.length) throw usageError('The space root already exists.')
        let folder = await resolver.root()
        for (let i = 0; i < parts.length; i++) {
          const last = i === parts.length - 1
          const existing = (await resolver.children(folder.id)).get(parts[i])
          if (existing && (existing.kind !== 'folder' || (last && !opts.parents))) {
            throw conflictError(`${remotePath(parts.slice(0, i + 1))} already exists${existing.kind === 'file' ? ' (a file)' : ''}`, existing.kind === 'file' ? 'Remove or rename the file first.' : 'Use -p to accept an existing folder.')
          }
          if (existing) {
            folder = existing
            continue
          }
          if (!last && !opts.parents) throw usageError(`${remotePath(parts.slice(0, i + 1))} does not exist.`, 'Use -p to create missing parents.')
          folder = await client.unwrap(client.api.POST('/trove/v1/spaces/{spaceId}/folders', { params: { path: { spaceId } }, body: { parentId: folder.id, name: parts[i] } }))
          resolver.remember(folder)
          created.push(folder)
          if (!opts.json) out(`created ${remotePath(parts.slice(0, i + 1))}/`)
        }
      }
      if (opts.json) printJson({ created })
    }),
  )

  for (const verb of ['mv', 'cp'] as const) {
    const cmd = program
      .command(verb)
      .description(verb === 'mv' ? 'Move or rename files and folders' : 'Copy files and folders')
      .usage('[options] <source...> <dest>')
      .argument('<paths...>', 'remote sources, then the destination: an existing folder to put them in, or (one source) the new path')
      .addOption(verb === 'mv' ? conflictOption(['fail', 'rename', 'overwrite'], 'default fail; overwrite moves the old file to the bin') : conflictOption(['fail', 'rename'], 'default rename'))
    common(cmd)
    usageExits(cmd)
    examples(
      cmd,
      verb === 'mv'
        ? ['trove mv /draft.txt /final.txt', 'trove mv /a.jpg /b.jpg /photos', 'trove mv /notes.txt /docs --on-conflict rename']
        : ['trove cp /report.pdf /archive', 'trove cp /photos /backup/photos-2026'],
    )
    cmd.action(
      run(ctx, async (paths: string[], opts: CommonOptions & { onConflict?: Conflict }) => {
        const [sources, dest] = splitLast(paths, 'source', 'destination')
        const client = await ctx.client()
        const spaceId = await ctx.spaceId(opts)
        const resolver = client.paths(spaceId)
        const target = await resolver.tryResolve(dest)
        let parentId: string
        let name: string | undefined
        let destFolder: string
        if (target?.kind === 'folder') {
          parentId = target.id
          destFolder = remotePath(normalizeRemotePath(dest))
        } else {
          if (sources.length > 1) throw usageError(`${dest} is not an existing folder.`, `With several sources, the destination must be a folder (trove mkdir ${dest}).`)
          if (target) throw conflictError(`${dest} already exists`, 'Give a folder to put the source in, or a new name.')
          const parts = normalizeRemotePath(dest)
          destFolder = remotePath(parts.slice(0, -1))
          parentId = (await resolver.resolve(destFolder)).id
          name = parts[parts.length - 1]
        }
        const done: (Node & { path: string })[] = []
        const failed: { path: string; error: string }[] = []
        for (const src of sources) {
          try {
            const node = await resolver.resolve(src)
            const moved =
              verb === 'mv'
                ? await client.unwrap(
                    client.api.PATCH('/trove/v1/spaces/{spaceId}/nodes/{nodeId}', { params: { path: { spaceId, nodeId: node.id } }, body: { parentId, ...(name ? { name } : {}), onConflict: opts.onConflict } }),
                  )
                : await client.unwrap(
                    client.api.POST('/trove/v1/spaces/{spaceId}/nodes/{nodeId}/copy', {
                      params: { path: { spaceId, nodeId: node.id } },
                      body: { parentId, ...(name ? { name } : {}), onConflict: opts.onConflict as 'fail' | 'rename' | undefined },
                    }),
                  )
            const at = `${destFolder === '/' ? '' : destFolder}/${moved.name}`
            done.push({ ...moved, path: at })
            if (!opts.json) out(`${verb === 'mv' ? 'moved' : 'copied'} ${src} → ${at}`)
          } catch (e) {
            failed.push({ path: src, error: e instanceof Error ? e.message : String(e) })
            if (!opts.json) reportError(e, false)
          }
        }
        if (opts.json) printJson({ [verb === 'mv' ? 'moved' : 'copied']: done, failed })
        return partialExit(done.length, failed.length)
      }),
    )
  }

  const rm = program
    .command('rm')
    .description('Move files and folders to the bin (or delete them permanently)')
    .argument('<path...>', 'remote paths')
    .option('--permanent', 'delete permanently instead of moving to the bin (asks first)')
    .option('-y, --yes', 'do not ask for confirmation')
  common(rm)
  usageExits(rm)
  examples(rm, ['trove rm /old.txt /drafts            # to the bin; `trove bin restore` brings them back', 'trove rm --permanent --yes /tmp-export'])
  rm.action(
    run(ctx, async (paths: string[], opts: CommonOptions & { permanent?: boolean; yes?: boolean }) => {
      const client = await ctx.client()
      const spaceId = await ctx.spaceId(opts)
      const resolver = client.paths(spaceId)
      const targets: { path: string; node: Node }[] = []
      const failed: { path: string; error: string }[] = []
      for (const p of paths) {
        try {
          const node = await resolver.resolve(p)
          if (node.parentId === null) throw usageError('The space root cannot be removed.')
          targets.push({ path: p, node })
        } catch (e) {
          failed.push({ path: p, error: e instanceof Error ? e.message : String(e) })
          if (!opts.json) reportError(e, false)
        }
      }
      if (opts.permanent && targets.length) await confirm(`Permanently delete ${targets.length} item(s) (${targets.map((t) => t.path).join(', ')})? This cannot be undone.`, opts.yes)
      const removed: { path: string; entryId: string; purgeTaskId: string | null }[] = []
      for (const t of targets) {
        try {
          const r = await client.unwrap(
            client.api.DELETE('/trove/v1/spaces/{spaceId}/nodes/{nodeId}', { params: { path: { spaceId, nodeId: t.node.id }, query: opts.permanent ? { permanent: true } : {} } }),
          )
          removed.push({ path: t.path, entryId: r.entry.id, purgeTaskId: r.purgeTaskId })
          if (!opts.json) {
            out(r.purgeTaskId ? `deleting ${t.path} permanently (task ${r.purgeTaskId})` : `moved ${t.path} to the bin (entry ${r.entry.id}; \`trove bin restore ${r.entry.id}\` brings it back)`)
          }
        } catch (e) {
          failed.push({ path: t.path, error: e instanceof Error ? e.message : String(e) })
          if (!opts.json) reportError(e, false)
        }
      }
      if (opts.json) printJson({ removed, failed })
      return partialExit(removed.length, failed.length)
    }),
  )
}
