import type { Store } from '../db/store.ts'
import type { Clock } from '../shared/clock.ts'
import { DomainError, invalid } from '../shared/errors.ts'
import { parseDecimalId } from '../shared/ids.ts'
import { authorize, canAccessSpace } from '../access/authorize.ts'
import { PURGE_TASK_KIND } from '../trash/trash-ops.ts'
import type { Actor } from '../access/grants.ts'
import { finalState, type Task, type TaskFailure, type TaskState } from './task.ts'

/** Tasks as users see them: progress of long work, and cancellation. */
export class TasksService {
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  async get(actor: Actor, taskId: string): Promise<Task> {
    const id = parseDecimalId(taskId)
    const task = id === null ? undefined : await this.deps.store.repos.tasks.find(id)
    if (!task || !(await this.visibleTo(actor, task))) throw new DomainError('task.not_found', `Task ${taskId} does not exist`, { id: taskId })
    return task
  }

  async list(actor: Actor, opts: { spaceId?: string; limit?: number; beforeId?: string; state?: TaskState } = {}): Promise<Task[]> {
    const limit = opts.limit ?? 50
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw invalid('limit must be an integer from 1 to 500')
    let spaceIds: number[] | null = actor.spaceIds ? actor.spaceIds.map(Number) : null
    if (opts.spaceId !== undefined) {
      const id = parseDecimalId(opts.spaceId)
      if (id === null || (spaceIds && !spaceIds.includes(id))) return []
      spaceIds = [id]
    }
    return this.deps.store.repos.tasks.list(actor.libraryId, { spaceIds, limit, beforeId: opts.beforeId ? Number(parseDecimalId(opts.beforeId)) : undefined, state: opts.state })
  }

  /**
   * Cancels a task. One that has not started yet is cancelled at once (its entries go back to the bin);
   * a running one stops at the next entry boundary, never half-way through an entry.
   */
  async cancel(actor: Actor, taskId: string): Promise<Task> {
    const task = await this.get(actor, taskId)
    // Cancelling a purge puts its entries back in the bin, undoing a permanent delete: it needs `delete_recycled`.
    if (task.kind === PURGE_TASK_KIND && task.spaceId !== null) authorize(actor, { id: String(task.spaceId), libraryId: task.libraryId }, 'delete_recycled')
    if (task.state !== 'Running') throw new DomainError('task.not_cancellable', `Task ${taskId} has already finished (${task.state})`, { state: task.state })
    await this.deps.store.repos.tasks.requestCancel(task.id)
    return (await this.deps.store.repos.tasks.find(task.id))!
  }

  /**
   * Records work a transport already did within a request, item by item (e.g. a batch of moves), as a finished task:
   * it can then be listed and looked up like background work. Its state follows the counts (Succeed, PartialSucceed,
   * Failed); `payload` keeps the transport's per-item details. Never claimed by a worker.
   */
  async record(actor: Actor, input: { spaceId: string; kind: string; payload?: Record<string, unknown>; done: number; failures: TaskFailure[] }): Promise<Task> {
    const spaceNum = parseDecimalId(input.spaceId)
    const space = spaceNum === null ? undefined : await this.deps.store.repos.spaces.find(spaceNum)
    if (!space || !canAccessSpace(actor, space)) throw new DomainError('space.not_found', `Space ${input.spaceId} does not exist`, { id: input.spaceId })
    if (!input.kind) throw invalid('A recorded task needs a kind')
    if (!Number.isInteger(input.done) || input.done < 0) throw invalid('done must be a non-negative integer')
    const now = this.deps.clock.now()
    const failed = input.failures.length
    const id = await this.deps.store.transaction(async (r) => {
      const taskId = (await r.tasks.insert({ libraryId: space.libraryId, spaceId: spaceNum, kind: input.kind, payload: input.payload, total: input.done + failed, createdBy: actor.userId, now }))!
      await r.tasks.addProgress(taskId, input.done, input.failures)
      await r.tasks.finish(taskId, finalState({ done: input.done, failed }), now)
      return taskId
    })
    return (await this.deps.store.repos.tasks.find(id))!
  }

  private async visibleTo(actor: Actor, task: Task): Promise<boolean> {
    if (task.libraryId !== actor.libraryId) return false
    if (task.spaceId === null) return actor.grants.includes('admin')
    return canAccessSpace(actor, { id: String(task.spaceId), libraryId: task.libraryId })
  }
}
