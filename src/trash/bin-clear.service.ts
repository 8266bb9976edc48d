import type { Store } from '../db/store.ts'
import type { Clock } from '../shared/clock.ts'
import { DomainError } from '../shared/errors.ts'
import type { Actor } from '../access/grants.ts'
import type { SpacesService } from '../spaces/spaces.service.ts'
import type { TaskRunnerHandle } from '../tasks/task-runner.ts'
import { finalState, type TaskFailure } from '../tasks/task.ts'
import { PURGE_TASK_KIND } from './trash-ops.ts'

export interface ClearResult {
  taskId: number
  /** Entries that left the bin and are being freed. */
  entries: number
  /** Entries the bin had to keep (on hold): failed items of the task. */
  kept: number
}

/**
 * Empties a bin the way `TrashService.emptyTrash` does (every unheld entry vanishes at once, a durable purge task frees
 * them), but reports what it could not delete: held entries count in the task's total and as its failed items, so the
 * task ends `PartialSucceed` (or `Failed` when nothing could go) instead of claiming an empty bin.
 */
export class BinClearService {
  constructor(private readonly deps: { store: Store; clock: Clock; spaces: SpacesService; tasks: TaskRunnerHandle }) {}

  async clear(actor: Actor, spaceId: string): Promise<ClearResult> {
    const space = await this.deps.spaces.load(actor, spaceId, 'delete_recycled')
    if (space.hold) throw new DomainError('trash.entry_held', 'The recycle bin of this space is on hold; release it before emptying')
    const spaceNum = Number(space.id)
    const now = this.deps.clock.now()
    const result = await this.deps.store.transaction(async (r) => {
      await r.spaces.lockForWrite([spaceNum])
      const taskId = (await r.tasks.insert({ libraryId: space.libraryId, spaceId: spaceNum, kind: PURGE_TASK_KIND, payload: { reason: 'empty' }, createdBy: actor.userId, now }))!
      const entries = await r.trash.markAllPurging(spaceNum, taskId)
      // Inside this transaction, what is still `trashed` after the flip is exactly what the bin must keep.
      const kept = await r.trash.count(spaceNum, {})
      await r.tasks.setTotal(taskId, entries + kept)
      await r.spaces.adjust(spaceNum, { trashEntries: -entries })
      if (kept) {
        const shown = await r.trash.page(spaceNum, { sort: 'removed', order: 'desc', limit: Math.min(kept, 100), filter: {} })
        const failures: TaskFailure[] = Array.from({ length: kept }, (_, i) => ({
          item: shown[i] ? String(shown[i].id) : '',
          code: 'trash.entry_held',
          message: shown[i] ? `Entry ${shown[i].id} (${shown[i].originalPath}) is on hold` : 'Entry is on hold',
        }))
        await r.tasks.addProgress(taskId, 0, failures)
      }
      if (entries === 0) await r.tasks.finish(taskId, finalState({ done: 0, failed: kept }), now)
      await r.audit.record({ libraryId: space.libraryId, spaceId: spaceNum, actor: actor.userId, action: 'empty', entryId: null, nodeId: null, name: null, details: { entries, kept, taskId }, at: now })
      return { taskId, entries, kept }
    })
    if (result.entries) this.deps.tasks.wake()
    return result
  }
}
