import { Option, type Command } from 'commander'
import type { BinEntry, RestoreOutcome, TroveClient } from '../../client/index.ts'
import { formatBytes, parseWhen, relativeTime, table } from '../format.ts'
import { confirm } from '../prompt.ts'
import { common, EXIT, examples, out, partialExit, printJson, run, usageError, usageExits, type ClientContext, type CommonOptions } from '../context.ts'
import { printTask, taskExit, watchTask } from './tasks.ts'

interface FilterOptions extends CommonOptions {
  name?: string
  removedAfter?: string
  removedBefore?: string
  removedBy?: string
  origin?: string
}

/** The bin's filter options, shared by `bin ls` and `bin restore --all-matching`. */
function filterOptions(cmd: Command): Command {
  return cmd
    .option('--removed-after <when>', 'removed at or after: a date (2026-05-01, ISO time) or an age (7d, 12h, 30m)')
    .option('--removed-before <when>', 'removed before: a date or an age')
    .option('--removed-by <user>', 'removed by this user')
    .option('--origin <folder>', 'removed from this folder: a remote path, or a folder id (for a folder that is gone)')
}

async function filterQuery(client: TroveClient, spaceId: string, o: FilterOptions) {
  let originalParentId: string | undefined
  if (o.origin !== undefined) originalParentId = /^\d+$/.test(o.origin) ? o.origin : (await client.paths(spaceId).resolve(o.origin)).id
  return {
    ...(o.name ? { name: o.name } : {}),
    ...(o.removedAfter ? { removedAfter: when(o.removedAfter, '--removed-after') } : {}),
    ...(o.removedBefore ? { removedBefore: when(o.removedBefore, '--removed-before') } : {}),
    ...(o.removedBy ? { removedBy: o.removedBy } : {}),
    ...(originalParentId ? { originalParentId } : {}),
  }
}

function when(v: string, flag: string): string {
  try {
    return parseWhen(v)
  } catch (e) {
    throw usageError(`${flag}: ${(e as Error).message}`)
  }
}

function entryRows(items: BinEntry[]): string {
  return table(
    [{ header: 'ID', right: true }, { header: 'NAME' }, { header: 'SIZE', right: true }, { header: 'REMOVED' }, { header: 'BY' }, { header: 'FROM' }, { header: 'PURGED' }],
    items.map((e) => [
      e.id,
      e.kind === 'folder' ? `${e.name}/` : e.name,
      formatBytes(e.sizeBytes),
      relativeTime(e.removedAt),
      e.removedBy,
      e.originalPath.slice(0, e.originalPath.lastIndexOf('/') + 1) || '/',
      e.held ? 'held' : relativeTime(e.expiresAt),
    ]),
  )
}

function outcomeNote(o: RestoreOutcome): string {
  if (o.status === 'failed') return `${o.error?.message ?? 'failed'} (${o.error?.code})`
  const notes = [o.renamed && 'renamed', o.parentRecreated && 'parent folders recreated', o.restoredToRoot && 'put at the root', o.overwrittenNodeId && `replaced node ${o.overwrittenNodeId} (now in the bin)`]
  return notes.filter(Boolean).join(', ')
}

/** `trove bin ls|restore|rm|empty`. */
export function registerBinCommands(program: Command, ctx: ClientContext): void {
  const bin = program.command('bin').description('The recycle bin: list, restore, delete permanently, empty')
  usageExits(bin)
  examples(bin, ['trove bin ls', 'trove bin restore 12 --on-conflict rename', 'trove bin empty --yes --wait'])

  const ls = bin
    .command('ls')
    .description('List what is in the bin')
    .addOption(new Option('--sort <key>', 'sort key').choices(['name', 'modified', 'size', 'removed', 'remaining']).default('removed'))
    .addOption(new Option('--order <order>', 'sort order').choices(['asc', 'desc']))
    .option('--name <text>', 'names containing this text (case-insensitive)')
    .option('--limit <n>', 'entries per page (1–1000)', '50')
    .option('--page <n>', 'page number (1-based)')
    .option('--cursor <cursor>', 'continue after a previous page (printed at the bottom)')
    .option('--all', 'list every matching entry (all pages)')
  filterOptions(ls)
  common(ls)
  usageExits(ls)
  examples(ls, ['trove bin ls --sort size --order desc', 'trove bin ls --name report --removed-after 7d', 'trove bin ls --removed-by alice --origin /docs --all --json'])
  ls.action(
    run(ctx, async (opts: FilterOptions & { sort: string; order?: 'asc' | 'desc'; limit: string; page?: string; cursor?: string; all?: boolean }) => {
      const client = await ctx.client()
      const spaceId = await ctx.spaceId(opts)
      const limit = Number(opts.limit)
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw usageError('--limit must be a whole number from 1 to 1000')
      const query = { ...(await filterQuery(client, spaceId, opts)), sort: opts.sort as never, ...(opts.order ? { order: opts.order } : {}), limit }
      if (opts.all) {
        const items: BinEntry[] = []
        for await (const e of client.paginate('/trove/v1/spaces/{spaceId}/trash', { path: { spaceId }, query })) items.push(e)
        if (opts.json) return printJson({ items, total: items.length, nextCursor: null })
        out(items.length ? entryRows(items) : 'The bin is empty (or nothing matches).')
        return
      }
      const page = await client.unwrap(
        client.api.GET('/trove/v1/spaces/{spaceId}/trash', {
          params: { path: { spaceId }, query: { ...query, ...(opts.page ? { page: Number(opts.page) } : {}), ...(opts.cursor ? { cursor: opts.cursor } : {}) } },
        }),
      )
      if (opts.json) return printJson(page)
      if (!page.items.length) return out(page.total ? 'No entries on this page.' : 'The bin is empty (or nothing matches).')
      out(entryRows(page.items))
      if (page.nextCursor) out(`\n${page.items.length} of ${page.total} shown. Next: --cursor ${page.nextCursor}${opts.page ? ` (or --page ${Number(opts.page) + 1})` : ''}, or --all.`)
      else out(`\n${page.total} entr${page.total === 1 ? 'y' : 'ies'}.`)
    }),
  )

  const restore = bin
    .command('restore')
    .description('Restore entries to where they were (by id, or every entry matching a name filter)')
    .argument('[id...]', 'entry ids (from `trove bin ls`)')
    .option('--all-matching <filter>', 'every entry whose name contains FILTER (`*` = all), narrowed by the filter options below')
    .addOption(new Option('--on-conflict <policy>', 'when the name is taken again: rename (default: `name (1).ext`), overwrite, fail').choices(['rename', 'overwrite', 'fail']))
    .addOption(new Option('--missing-parent <policy>', 'when the original folder is gone: recreate (default), root, fail').choices(['recreate', 'root', 'fail']))
    .option('--dry-run', 'show what would happen; change nothing')
  filterOptions(restore)
  common(restore)
  usageExits(restore)
  examples(restore, ['trove bin restore 12 13', 'trove bin restore 12 --on-conflict fail --missing-parent root', "trove bin restore --all-matching '*' --removed-by bob --removed-after 1d --dry-run", 'trove bin restore --all-matching .jpg --json'])
  restore.action(
    run(ctx, async (ids: string[], opts: FilterOptions & { allMatching?: string; onConflict?: 'rename' | 'overwrite' | 'fail'; missingParent?: 'recreate' | 'root' | 'fail'; dryRun?: boolean }) => {
      if (!ids.length && opts.allMatching === undefined) throw usageError('Nothing to restore.', 'Give entry ids (`trove bin ls`), or --all-matching FILTER.')
      if (ids.length && opts.allMatching !== undefined) throw usageError('Give entry ids or --all-matching, not both.')
      const client = await ctx.client()
      const spaceId = await ctx.spaceId(opts)
      if (opts.allMatching !== undefined) {
        const name = opts.allMatching === '*' ? undefined : opts.allMatching
        for await (const e of client.paginate('/trove/v1/spaces/{spaceId}/trash', { path: { spaceId }, query: { ...(await filterQuery(client, spaceId, { ...opts, name })), limit: 1000 } })) ids.push(e.id)
        if (!ids.length) {
          if (opts.json) printJson({ dryRun: !!opts.dryRun, outcomes: [] })
          else out('Nothing in the bin matches.')
          return
        }
      }
      const outcomes: RestoreOutcome[] = []
      for (let i = 0; i < ids.length; i += 1000) {
        const r = await client.unwrap(
          client.api.POST('/trove/v1/spaces/{spaceId}/trash/restore', {
            params: { path: { spaceId } },
            body: { entryIds: ids.slice(i, i + 1000), onConflict: opts.onConflict, onMissingParent: opts.missingParent, dryRun: !!opts.dryRun },
          }),
        )
        outcomes.push(...r.outcomes)
      }
      const ok = outcomes.filter((o) => o.status === 'restored').length
      const failed = outcomes.length - ok
      if (opts.json) printJson({ dryRun: !!opts.dryRun, outcomes })
      else {
        out(
          table(
            [{ header: 'ENTRY', right: true }, { header: 'RESULT' }, { header: 'PATH' }, { header: 'NOTE' }],
            outcomes.map((o) => [o.entryId, o.status === 'failed' ? (opts.dryRun ? 'would fail' : 'failed') : opts.dryRun ? 'would restore' : 'restored', o.path ?? '', outcomeNote(o)]),
          ),
        )
        out(opts.dryRun ? `\nDry run: ${ok} would be restored, ${failed} would fail. Nothing changed.` : `\n${ok} restored, ${failed} failed.`)
        const codes = new Set(outcomes.map((o) => o.error?.code))
        if (codes.has('node.name_conflict') || codes.has('trash.restore_conflict')) out('Names taken again: --on-conflict rename keeps both, overwrite moves the current file to the bin.')
        if (codes.has('trash.parent_missing')) out('Original folder gone: --missing-parent recreate or root.')
      }
      return partialExit(ok, failed)
    }),
  )

  const rm = bin
    .command('rm')
    .description('Delete entries permanently (asks first)')
    .argument('<id...>', 'entry ids')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--wait', 'wait until the bytes are freed')
  common(rm)
  usageExits(rm)
  examples(rm, ['trove bin rm 12 13', 'trove bin rm 12 --yes --wait --json'])
  rm.action(
    run(ctx, async (ids: string[], opts: CommonOptions & { yes?: boolean; wait?: boolean }) => {
      const client = await ctx.client()
      const spaceId = await ctx.spaceId(opts)
      await confirm(`Permanently delete ${ids.length} bin entr${ids.length === 1 ? 'y' : 'ies'} (${ids.join(', ')})? This cannot be undone.`, opts.yes)
      const r = await client.unwrap(client.api.POST('/trove/v1/spaces/{spaceId}/trash/delete', { params: { path: { spaceId } }, body: { entryIds: ids } }))
      if (!opts.json) {
        if (r.accepted.length) out(`Deleting ${r.accepted.length} entr${r.accepted.length === 1 ? 'y' : 'ies'} permanently${r.taskId ? ` (task ${r.taskId})` : ''}.`)
        for (const x of r.rejected) out(`not deleted ${x.entryId}: ${x.message} (${x.code})`)
      }
      const task = opts.wait && r.taskId ? await watchTask(client, r.taskId, !!opts.json) : null
      if (opts.json) printJson({ ...r, ...(task ? { task } : {}) })
      else if (task) printTask(task)
      const code = partialExit(r.accepted.length, r.rejected.length)
      return code === EXIT.ok && task ? taskExit(task) : code
    }),
  )

  const empty = bin
    .command('empty')
    .description('Empty the bin: entries vanish at once, a background task frees their bytes')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--wait', 'follow the task until it finishes (live progress)')
  common(empty)
  usageExits(empty)
  examples(empty, ['trove bin empty', 'trove bin empty --yes --wait', 'trove bin empty --yes --json && trove tasks ID --watch'])
  empty.action(
    run(ctx, async (opts: CommonOptions & { yes?: boolean; wait?: boolean }) => {
      const client = await ctx.client()
      const spaceId = await ctx.spaceId(opts)
      await confirm(`Empty the bin of space ${spaceId}? Everything in it is deleted permanently.`, opts.yes)
      const r = await client.unwrap(client.api.POST('/trove/v1/spaces/{spaceId}/trash/empty', { params: { path: { spaceId } } }))
      if (!opts.json) out(`Emptying the bin: ${r.entries} entr${r.entries === 1 ? 'y' : 'ies'} (task ${r.taskId}).${opts.wait ? '' : ` Follow it with \`trove tasks ${r.taskId} --watch\`.`}`)
      const task = opts.wait ? await watchTask(client, r.taskId, !!opts.json) : null
      if (opts.json) printJson({ ...r, ...(task ? { task } : {}) })
      else if (task) printTask(task)
      return task ? taskExit(task) : EXIT.ok
    }),
  )
}
