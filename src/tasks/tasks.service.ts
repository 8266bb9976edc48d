import type { Store } from '../db/store.ts'
import type { Clock } from '../shared/clock.ts'
import { DomainError, invalid } from '../shared/errors.ts'
import { parseDecimalId } from '../shared/ids.ts'
import { canAccessSpace } from '../access/authorize.ts'
import type { Actor } from '../access/grants.ts'
import type { Task, TaskState } from './task.ts'

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
    if (task.state !== 'Running') throw new DomainError('task.not_cancellable', `Task ${taskId} has already finished (${task.state})`, { state: task.state })
    await this.deps.store.repos.tasks.requestCancel(task.id)
    return (await this.deps.store.repos.tasks.find(task.id))!
  }

  private async visibleTo(actor: Actor, task: Task): Promise<boolean> {
    if (task.libraryId !== actor.libraryId) return false
    if (task.spaceId === null) return actor.grants.includes('admin')
    return canAccessSpace(actor, { id: String(task.spaceId), libraryId: task.libraryId })
  }
}
