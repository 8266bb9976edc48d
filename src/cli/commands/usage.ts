import type { Command } from 'commander'
import { bar, formatBytes } from '../format.ts'
import { common, examples, out, printJson, run, usageExits, type ClientContext, type CommonOptions } from '../context.ts'

/** `trove usage`: live and in-bin bytes against the quota. */
export function registerUsageCommand(program: Command, ctx: ClientContext): void {
  const cmd = program.command('usage').description('Show how much of the space is used: live files and the bin, against the quota')
  common(cmd)
  usageExits(cmd)
  examples(cmd, ['trove usage', 'trove usage --space 3 --json'])
  cmd.action(
    run(ctx, async (opts: CommonOptions) => {
      const client = await ctx.client()
      const spaceId = await ctx.spaceId(opts)
      const u = await client.unwrap(client.api.GET('/trove/v1/spaces/{spaceId}/usage', { params: { path: { spaceId } } }))
      if (opts.json) return printJson({ spaceId, ...u })
      const pct = (n: number) => (u.quotaBytes ? ` (${((100 * n) / u.quotaBytes).toFixed(1)}%)` : '')
      out(`space ${spaceId}`)
      out(`  live files  ${formatBytes(u.liveBytes).padStart(10)}${pct(u.liveBytes)}`)
      out(`  in the bin  ${formatBytes(u.trashBytes).padStart(10)}${pct(u.trashBytes)}  ${u.trashEntries} entr${u.trashEntries === 1 ? 'y' : 'ies'}, counted until purged`)
      out(`  used        ${formatBytes(u.usedBytes).padStart(10)}${pct(u.usedBytes)}`)
      if (u.quotaBytes === null) out('  quota       none')
      else {
        out(`  quota       ${formatBytes(u.quotaBytes).padStart(10)}  ${bar(u.usedBytes / u.quotaBytes, 30)}`)
        out(`  available   ${formatBytes(u.availableBytes ?? 0).padStart(10)}`)
        if (u.trashBytes && (u.availableBytes ?? 0) < u.trashBytes) out('  Emptying the bin (`trove bin empty`) would free ' + formatBytes(u.trashBytes) + '.')
      }
    }),
  )
}
