import { randomBytes } from 'node:crypto'
import type { Store } from '../db/store.ts'
import type { Clock } from '../shared/clock.ts'
import { isDomainError } from '../shared/errors.ts'
import type { TaskState } from './task.ts'

/** What a handler gets: a way to keep its lease (and learn it was lost). */
export interface TaskContext {
  taskId: number
  heartbeat(): Promise<void>
}

export type TaskHandler = (task: { id: number; payload: Record<string, unknown> }, ctx: TaskContext) => Promise<TaskState>

/** What services need from the runner: a nudge after they enqueue work. */
export interface TaskRunnerHandle {
  wake(): void
}

export interface TaskRunnerOptions {
  leaseMs: number
  pollMs: number
  maxAttempts: number
}

export const DEFAULT_RUNNER_OPTIONS: TaskRunnerOptions = { leaseMs: 30_000, pollMs: 500, maxAttempts: 5 }

class LeaseLostError extends Error {}

/**
 * Claims durable tasks and runs their handlers. A task whose worker died is claimable again once its lease expires,
 * so accepted work always finishes. Handlers must be idempotent per batch.
 */
export class TaskRunner implements TaskRunnerHandle {
  readonly workerId = `w-${process.pid}-${randomBytes(4).toString('hex')}`
  private handlers = new Map<string, TaskHandler>()
  private running = false
  private loop: Promise<void> | null = null
  private timer: NodeJS.Timeout | null = null
  private wakeUp: (() => void) | null = null
  private readonly opts: TaskRunnerOptions

  constructor(
    private readonly deps: { store: Store; clock: Clock; log?: (msg: string, extra?: Record<string, unknown>) => void },
    opts: Partial<TaskRunnerOptions> = {},
  ) {
    this.opts = { ...DEFAULT_RUNNER_OPTIONS, ...opts }
  }

  register(kind: string, handler: TaskHandler): void {
    this.handlers.set(kind, handler)
  }

  wake(): void {
    this.wakeUp?.()
  }

  /** Task kinds this runner can resume (fsck reports tasks of any other kind as unresumable). */
  kinds(): string[] {
    return [...this.handlers.keys()]
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.loop = (async () => {
      while (this.running) {
        const worked = await this.runOnce().catch((e) => {
          this.deps.log?.('task runner error', { err: String(e) })
          return false
        })
        if (!worked && this.running) {
          await new Promise<void>((resolve) => {
            this.wakeUp = resolve
            this.timer = setTimeout(resolve, this.opts.pollMs)
          })
          this.wakeUp = null
          if (this.timer) clearTimeout(this.timer)
        }
      }
    })()
  }

  async stop(): Promise<void> {
    this.running = false
    this.wake()
    await this.loop
  }

  /** Runs claimable tasks until none is left (tests and the CLI use it instead of the background loop). */
  async drain(): Promise<number> {
    let n = 0
    while (await this.runOnce()) n++
    return n
  }

  /** Claims and runs one task; false when nothing was claimable. */
  async runOnce(): Promise<boolean> {
    const { store, clock } = this.deps
    const [claimed] = await store.repos.tasks.claim(this.workerId, clock.now(), this.opts.leaseMs, 1)
    if (!claimed) return false
    const task = await store.repos.tasks.find(claimed.id)
    const handler = this.handlers.get(claimed.kind)
    if (!task) return true
    if (!handler) {
      await store.repos.tasks.addProgress(task.id, 0, [{ item: String(task.id), code: 'task.unknown_kind', message: `No handler for ${task.kind}` }])
      await store.repos.tasks.finish(task.id, 'Failed', clock.now())
      return true
    }
    const ctx: TaskContext = {
      taskId: task.id,
      heartbeat: async () => {
        if (!(await store.repos.tasks.renewLease(task.id, this.workerId, clock.now() + this.opts.leaseMs))) throw new LeaseLostError(`lease on task ${task.id} lost`)
      },
    }
    try {
      const state = await handler({ id: task.id, payload: task.payload }, ctx)
      await store.repos.tasks.finish(task.id, state, clock.now())
    } catch (e) {
      if (e instanceof LeaseLostError) return true
      this.deps.log?.('task failed', { taskId: task.id, attempt: claimed.attempts, err: String(e) })
      if (claimed.attempts >= this.opts.maxAttempts || isDomainError(e)) {
        const code = isDomainError(e) ? e.code : 'task.error'
        await store.repos.tasks.addProgress(task.id, 0, [{ item: String(task.id), code, message: (e as Error).message }])
        await store.repos.tasks.finish(task.id, 'Failed', clock.now())
      } else {
        // Exponential backoff: 1 s, 2 s, 4 s … so a transient fault (disk, busy database) gets time to clear.
        await store.repos.tasks.retryLater(task.id, clock.now() + 1000 * 2 ** (claimed.attempts - 1))
      }
    }
    return true
  }
}
