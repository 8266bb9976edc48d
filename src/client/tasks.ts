import type { Task } from './types.ts'
import type { TroveClient } from './index.ts'

export interface WaitForTaskOptions {
  /** Called with each state polled, including the last one. */
  onProgress?: (task: Task) => void
  /** Poll interval in ms (default 250). */
  intervalMs?: number
  /** Give up (throw) after this long; default never. */
  timeoutMs?: number
  signal?: AbortSignal
}

const TERMINAL = new Set(['Succeed', 'PartialSucceed', 'Failed', 'Cancelled'])

export async function waitForTask(client: TroveClient, taskId: string, o: WaitForTaskOptions = {}): Promise<Task> {
  const deadline = o.timeoutMs === undefined ? Infinity : Date.now() + o.timeoutMs
  for (;;) {
    const task = await client.unwrap(client.api.GET('/trove/v1/tasks/{taskId}', { params: { path: { taskId } }, signal: o.signal }))
    o.onProgress?.(task)
    if (TERMINAL.has(task.state)) return task
    if (Date.now() > deadline) throw new Error(`Task ${taskId} is still ${task.state} after ${o.timeoutMs} ms (${task.done}/${task.total} done)`)
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, o.intervalMs ?? 250)
      o.signal?.addEventListener('abort', () => (clearTimeout(t), reject(o.signal!.reason)), { once: true })
    })
  }
}
