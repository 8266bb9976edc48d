import type { Store } from '../db/store.ts'
import type { Clock } from '../shared/clock.ts'
import { DomainError, invalid, isDomainError } from '../shared/errors.ts'
import type { Actor } from '../access/grants.ts'
import type { SpacesService } from '../spaces/spaces.service.ts'
import type { NodesService } from '../nodes/nodes.service.ts'
import type { NodeKind } from '../db/schema.ts'
import type { TasksService } from '../tasks/tasks.service.ts'
import type { Task, TaskState } from '../tasks/task.ts'
import { finalState } from '../tasks/task.ts'
import type { TaskRunnerHandle } from '../tasks/task-runner.ts'
import { MAX_BATCH, type RestoreOptions, type RestoreOutcome, type TrashService } from './trash.service.ts'

export const TRASH_BATCH_TASK_KIND = 'trash.batch-trash'
export const RESTORE_BATCH_TASK_KIND = 'trash.batch-restore'

export interface TrashPathItem {
  /** Path inside the space, `a/b/c` (a leading `/` is allowed). */
  path: string
  permanent?: boolean
}

export interface TrashPathResult {
  path: string
  ok: boolean
  kind?: NodeKind
  entryId?: string
  /** Set when the item went straight to purging (permanent, or the bin is disabled). */
  purgeTaskId?: string | null
  error?: { code: string; message: string }
}

interface TrashPayload {
  actor: Actor
  spaceId: string
  items: TrashPathItem[]
}

interface RestorePayload {
  actor: Actor
  spaceId: string
  entryIds: string[]
  options: RestoreOptions
}

/**
 * Batches of trash (by path) and restore, run in the request or as a durable task whose per-item results are kept
 * with it. The task runs with the rights of the actor who asked, as recorded in its payload. A task that is replayed
 * after a crash redoes its items: those already done then report `node.not_found` / `trash.entry_not_found`.
 */
export class TrashBatchService {
  constructor(
    private readonly deps: { store: Store; clock: Clock; spaces: SpacesService; nodes: NodesService; trash: TrashService; tasks: TasksService; runner: TaskRunnerHandle },
  ) {}

  /** Moves each path to the bin (or purges it), each in its own transaction; one result per item, in order. */
  async trashPaths(actor: Actor, spaceId: string, items: TrashPathItem[], onEach?: (r: TrashPathResult) => Promise<void>): Promise<TrashPathResult[]> {
    checkCount(items.length)
    await this.deps.spaces.load(actor, spaceId)
    const results: TrashPathResult[] = []
    for (const item of items) {
      let result: TrashPathResult
      try {
        const node = await this.deps.nodes.resolvePath(actor, spaceId, item.path)
        if (!node) throw new DomainError('node.not_found', `Nothing at ${item.path}`, { path: item.path })
        const out = await this.deps.trash.moveToTrash(actor, spaceId, String(node.id), { permanent: !!item.permanent })
        result = { path: item.path, ok: true, kind: node.kind, entryId: String(out.entry.id), purgeTaskId: out.purgeTaskId === null ? null : String(out.purgeTaskId) }
      } catch (e) {
        if (!isDomainError(e)) throw e
        result = { path: item.path, ok: false, error: { code: e.code, message: e.message } }
      }
      results.push(result)
      await onEach?.(result)
    }
    return results
  }

  async enqueueTrashPaths(actor: Actor, spaceId: string, items: TrashPathItem[]): Promise<number> {
    checkCount(items.length)
    const space = await this.deps.spaces.load(actor, spaceId)
    return this.enqueue(actor, space.libraryId, Number(space.id), TRASH_BATCH_TASK_KIND, { actor, spaceId, items } satisfies TrashPayload, items.length)
  }

  async enqueueRestore(actor: Actor, spaceId: string, entryIds: string[], options: RestoreOptions = {}): Promise<number> {
    checkCount(entryIds.length)
    const space = await this.deps.spaces.load(actor, spaceId, 'restore_recycled')
    return this.enqueue(actor, space.libraryId, Number(space.id), RESTORE_BATCH_TASK_KIND, { actor, spaceId, entryIds, options: { ...options, dryRun: false } } satisfies RestorePayload, entryIds.length)
  }

  /** Task handler of TRASH_BATCH_TASK_KIND. */
  async runTrashTask(taskId: number, payload: Record<string, unknown>): Promise<TaskState> {
    const p = payload as unknown as TrashPayload
    const results = await this.trashPaths(p.actor, p.spaceId, p.items, async (r) => {
      await this.deps.store.repos.tasks.addProgress(taskId, r.ok ? 1 : 0, r.ok ? [] : [{ item: r.path, code: r.error!.code, message: r.error!.message }])
    })
    return this.finish(taskId, results)
  }

  /** Task handler of RESTORE_BATCH_TASK_KIND. */
  async runRestoreTask(taskId: number, payload: Record<string, unknown>): Promise<TaskState> {
    const p = payload as unknown as RestorePayload
    const outcomes: RestoreOutcome[] = await this.deps.trash.restore(p.actor, p.spaceId, p.entryIds, p.options)
    const failed = outcomes.filter((o) => o.status === 'failed')
    await this.deps.store.repos.tasks.addProgress(
      taskId,
      outcomes.length - failed.length,
      failed.map((o) => ({ item: o.entryId, code: o.error!.code, message: o.error!.message })),
    )
    return this.finish(taskId, outcomes)
  }

  /** A task the actor may see, with its per-item results once it has finished (null for tasks that keep none). */
  async result(actor: Actor, taskId: string): Promise<{ task: Task; results: unknown[] | null }> {
    const task = await this.deps.tasks.get(actor, taskId)
    return { task, results: await this.deps.store.repos.taskResults.get(task.id) }
  }

  private async enqueue(actor: Actor, libraryId: string, spaceNum: number, kind: string, payload: TrashPayload | RestorePayload, total: number): Promise<number> {
    const id = (await this.deps.store.repos.tasks.insert({ libraryId, spaceId: spaceNum, kind, payload: payload as unknown as Record<string, unknown>, total, createdBy: actor.userId, now: this.deps.clock.now() }))!
    this.deps.runner.wake()
    return id
  }

  private async finish(taskId: number, results: unknown[]): Promise<TaskState> {
    await this.deps.store.repos.taskResults.put(taskId, results)
    const task = await this.deps.store.repos.tasks.find(taskId)
    return task ? finalState(task) : 'Failed'
  }
}

function checkCount(n: number): void {
  if (n < 1) throw invalid('Name at least one item')
  if (n > MAX_BATCH) throw new DomainError('trash.too_many', `At most ${MAX_BATCH} items per request`)
}
