import { Option, type Command } from 'commander'
import type { Task, TroveClient } from '../../client/index.ts'
import { bar, relativeTime, table } from '../format.ts'
import { progressMode, StatusLine } from '../progress.ts'
import { common, EXIT, examples, out, printJson, run, usageExits, type ClientContext, type CommonOptions } from '../context.ts'

export const taskLine = (t: Task) =>
  `task ${t.id} (${t.kind}) ${t.state}: ${t.done}/${t.total} done${t.failed ? `, ${t.failed} failed` : ''} ${bar(t.total ? (t.done + t.failed) / t.total : t.state === 'Running' ? 0 : 1)}`

/** Exit code of a finished task: 0 Succeed, 3 PartialSucceed, 1 Failed or Cancelled; 0 while it still runs. */
export function taskExit(t: Task): number {
  if (t.state === 'Succeed' || t.state === 'Running') return EXIT.ok
  return t.state === 'PartialSucceed' ? EXIT.partial : EXIT.failure
}

/** Follows a task to its end, redrawing one status line on a terminal (plain lines otherwise, nothing with --json). */
export async function watchTask(client: TroveClient, taskId: string, json: boolean): Promise<Task> {
  const line = new StatusLine(progressMode(json))
  try {
    return await client.waitForTask(taskId, { intervalMs: 200, onProgress: (t) => line.update(taskLine(t)) })
  } finally {
    line.end()
  }
}

export function printTask(t: Task): void {
  out(taskLine(t))
  out(`  created ${relativeTime(t.createdAt)} by ${t.createdBy}${t.startedAt ? `, started ${relativeTime(t.startedAt)}` : ''}${t.finishedAt ? `, finished ${relativeTime(t.finishedAt)}` : ''}`)
  for (const f of t.failures.slice(0, 20)) out(`  failed ${f.item}: ${f.message} (${f.code})`)
  if (t.failures.length > 20) out(`  … and ${t.failures.length - 20} more failures (--json lists them all)`)
}

/** `trove tasks [ID] [--watch]`. */
export function registerTasksCommand(program: Command, ctx: ClientContext): void {
  const cmd = program
    .command('tasks')
    .description('List background tasks (bin emptying, purges, batches), or show and follow one')
    .argument('[id]', 'task id')
    .option('-w, --watch', 'follow the task until it finishes (exit 0 succeeded, 3 partly, 1 failed or cancelled)')
    .addOption(new Option('--state <state>', 'list only tasks in this state').choices(['Running', 'Succeed', 'PartialSucceed', 'Failed', 'Cancelled']))
    .option('--limit <n>', 'how many to list (newest first)', '20')
  common(cmd)
  usageExits(cmd)
  examples(cmd, ['trove tasks', 'trove tasks --state Running', 'trove tasks 12 --watch', 'trove tasks 12 --json'])
  cmd.action(
    run(ctx, async (id: string | undefined, opts: CommonOptions & { watch?: boolean; state?: Task['state']; limit: string }) => {
      const client = await ctx.client()
      if (id) {
        const t = opts.watch ? await watchTask(client, id, !!opts.json) : await client.unwrap(client.api.GET('/trove/v1/tasks/{taskId}', { params: { path: { taskId: id } } }))
        if (opts.json) printJson(t)
        else printTask(t)
        return opts.watch ? taskExit(t) : EXIT.ok
      }
      const spaceId = opts.space ?? ctx.env.TROVE_SPACE
      const { items } = await client.unwrap(client.api.GET('/trove/v1/tasks', { params: { query: { limit: Number(opts.limit) || 20, state: opts.state as never, ...(spaceId ? { spaceId } : {}) } } }))
      if (opts.json) return printJson({ items })
      if (!items.length) return out('No tasks.')
      out(
        table(
          [{ header: 'ID', right: true }, { header: 'KIND' }, { header: 'STATE' }, { header: 'DONE', right: true }, { header: 'FAILED', right: true }, { header: 'CREATED' }, { header: 'FINISHED' }],
          items.map((t) => [t.id, t.kind, t.state, `${t.done}/${t.total}`, String(t.failed), relativeTime(t.createdAt), t.finishedAt ? relativeTime(t.finishedAt) : '-']),
        ),
      )
    }),
  )
}
