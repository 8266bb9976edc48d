/**
 * KooDrive batch jobs (CreateJob, GetJobList, GetJobDetail, CancelJob:
 * https://support.huaweicloud.com/api-koodrive/CreateJob.html and siblings) over the core.
 *
 * - Moving to the bin, restoring, copying and moving are O(1) per item in Trove: they run within the request, item by
 *   item, and the job is recorded finished (`TasksService.record`) with one result per item.
 * - Permanent deletion and clearing the bin free their content in the background: those jobs stay pending/processing
 *   until the core's purge tasks finish, and can be cancelled meanwhile.
 * A job id is a Trove task id, so `/trove/v1/tasks/{id}` shows the same job.
 */
import { isDomainError, type ErrorCode } from '../../shared/errors.ts'
import { PURGE_TASK_KIND } from '../../trash/trash.service.ts'
import type { Ctx, Task } from './deps.ts'
import { binReason, KooError, kooCodeOf, message, reasonFor, type KooCode, type Reason } from './errors.ts'
import { nodeId } from './to-core.ts'
import { compact, ok } from './from-core.ts'

export type Action = 'trash' | 'delete' | 'restore' | 'copy' | 'move'
export const MAX_JOB_ITEMS = 1000

const KIND: Record<Action, string> = { trash: 'batch.trash', delete: 'batch.delete', restore: 'batch.restore', copy: 'batch.copy', move: 'batch.move' }
const ACTION_OF_KIND = Object.fromEntries(Object.entries(KIND).map(([a, k]) => [k, a as Action])) as Record<string, Action>
/** taskType / actionType of CreateJob. */
const TYPES: Record<Action | 'clear', [number, number | null]> = { copy: [1, 101], trash: [2, 201], delete: [2, 202], move: [3, 301], restore: [4, null], clear: [7, 701] }
const NAMES: Record<Action | 'clear', string> = { copy: 'copy', trash: 'delete', delete: 'permanentDelete', move: 'move', restore: 'restore', clear: 'clearRecycleBin' }

/** One file of a batch: how it went, kept in the task's payload. */
export interface Item {
  fileId: string
  ok: boolean
  newFileId?: string
  /** For permanent deletes: the entry and the purge task that frees it. */
  entryId?: string
  child?: number
  code?: ErrorCode
  reason?: Reason
  /** A KooDrive-only refusal (e.g. an upload id that never became a file). */
  koo?: KooCode
  message?: string
}

interface BatchPayload {
  action: Action
  srcContainerId: string
  items: Item[]
  children: number[]
}

export interface JobRequest {
  action: Action
  spaceId: string
  fileIds: string[]
  /** Copy and move: the destination folder's node id (already checked to be a visible folder; `root` resolved). */
  target?: string
}

function failure(fileId: string, e: unknown, reason?: Reason): Item {
  if (e instanceof KooError) return { fileId, ok: false, koo: e.kooCode, message: e.message }
  if (isDomainError(e)) return { fileId, ok: false, code: e.code, reason, message: e.message }
  throw e
}

const fail = (fileId: string, code: ErrorCode, message: string, reason?: Reason): Item => ({ fileId, ok: false, code, reason, message })

/** Runs a batch and records it; returns the job (task) id. */
export async function runJob(x: Ctx, req: JobRequest): Promise<number> {
  const { spaceId } = req
  const items: Item[] = []
  const children: number[] = []
  const resolved: { fileId: string; id: string }[] = []
  for (const fileId of req.fileIds) {
    try {
      resolved.push({ fileId, id: await nodeId(x, spaceId, fileId) })
    } catch (e) {
      items.push(failure(fileId, e))
    }
  }
  if (req.action === 'delete' || req.action === 'restore') {
    await binBatch(x, req.action, spaceId, resolved, items, children)
  } else {
    for (const { fileId, id } of resolved) items.push(await one(x, req, fileId, id))
  }
  const order = new Map(req.fileIds.map((f, i) => [f, i]))
  items.sort((a, b) => order.get(a.fileId)! - order.get(b.fileId)!)
  const payload: BatchPayload = { action: req.action, srcContainerId: spaceId, items, children }
  const task = await x.c.tasks.record(x.actor, {
    spaceId,
    kind: KIND[req.action],
    payload: payload as unknown as Record<string, unknown>,
    done: items.filter((i) => i.ok).length,
    failures: items.filter((i) => !i.ok).map((i) => ({ item: i.fileId, code: i.code ?? 'validation.failed', message: i.message ?? '' })),
  })
  return task.id
}

/** Trash, copy or move of one file. */
async function one(x: Ctx, req: JobRequest, fileId: string, id: string): Promise<Item> {
  const spaceId = req.spaceId
  const actor = x.actor
  try {
    const found = await x.c.nodes.inspect(actor, spaceId, id)
    if (!found) return fail(fileId, 'node.not_found', `File ${fileId} does not exist`)
    if (!found.visible) return fail(fileId, 'node.in_trash', `File ${fileId} is in the recycle bin`, 'in_trash')
    if (req.action === 'trash') {
      await x.c.trash.moveToTrash(actor, spaceId, id)
      return { fileId, ok: true }
    }
    if (req.action === 'copy') {
      const copy = await x.c.nodes.copy(actor, spaceId, id, { parentId: req.target!, onConflict: 'rename' })
      return { fileId, ok: true, newFileId: String(copy.id) }
    }
    if (String(found.node.parentId) === req.target) {
      return fail(fileId, 'validation.failed', `File ${fileId} is already in the target folder`, 'already_in_target')
    }
    await x.c.nodes.update(actor, spaceId, id, { parentId: req.target!, onConflict: 'fail' })
    return { fileId, ok: true, newFileId: id }
  } catch (e) {
    return failure(fileId, e, await reasonFor(x, spaceId, { file: id, target: req.target }, e))
  }
}

/**
 * Permanent delete (live files are purged at once; entries of the bin are purged together) and restore (entries only,
 * back under their original folder; a taken name fails with 13000405, a parent in the bin with 13000404).
 */
async function binBatch(x: Ctx, action: 'delete' | 'restore', spaceId: string, resolved: { fileId: string; id: string }[], items: Item[], children: number[]) {
  const byEntry = new Map<string, { fileId: string; parentId: number | null }>()
  for (const { fileId, id } of resolved) {
    try {
      const found = await x.c.nodes.inspect(x.actor, spaceId, id)
      if (!found) items.push(fail(fileId, 'node.not_found', `File ${fileId} does not exist`))
      else if (found.visible && action === 'restore') items.push(fail(fileId, 'trash.entry_not_found', `File ${fileId} is not in the recycle bin`, 'not_in_trash'))
      else if (found.visible) {
        const out = await x.c.trash.moveToTrash(x.actor, spaceId, id, { permanent: true })
        if (out.purgeTaskId) children.push(out.purgeTaskId)
        items.push({ fileId, ok: true, entryId: String(out.entry.id), child: out.purgeTaskId ?? undefined })
      } else if (found.node.recycleEntryId === null) {
        items.push(fail(fileId, 'trash.entry_not_found', `File ${fileId} is inside a removed folder: only that folder is an item of the recycle bin`, 'not_in_trash'))
      } else byEntry.set(String(found.node.recycleEntryId), { fileId, parentId: found.node.parentId })
    } catch (e) {
      items.push(failure(fileId, e))
    }
  }
  if (!byEntry.size) return
  const entryIds = [...byEntry.keys()]
  if (action === 'delete') {
    try {
      const out = await x.c.trash.deleteEntries(x.actor, spaceId, entryIds)
      if (out.taskId) children.push(out.taskId)
      for (const e of out.accepted) items.push({ fileId: byEntry.get(e)!.fileId, ok: true, entryId: e, child: out.taskId ?? undefined })
      for (const r of out.rejected) items.push(fail(byEntry.get(r.entryId)!.fileId, r.code as ErrorCode, r.message))
    } catch (e) {
      for (const { fileId } of byEntry.values()) items.push(failure(fileId, e))
    }
    return
  }
  try {
    const outcomes = await x.c.trash.restore(x.actor, spaceId, entryIds, { onConflict: 'fail', onMissingParent: 'fail' })
    for (const o of outcomes) {
      const { fileId, parentId } = byEntry.get(o.entryId)!
      if (o.status === 'restored') items.push({ fileId, ok: true, newFileId: o.nodeId })
      else {
        const reason = o.error!.code === 'trash.parent_missing' && parentId !== null ? await binReason(x, spaceId, String(parentId), 'parent') : undefined
        items.push(fail(fileId, o.error!.code as ErrorCode, o.error!.message, reason))
      }
    }
  } catch (e) {
    for (const { fileId } of byEntry.values()) items.push(failure(fileId, e))
  }
}

/** Clears the bin (taskType 7, and POST /files/recycle): the job is the core's purge task. */
export async function clearJob(x: Ctx, spaceId: string): Promise<number> {
  return (await x.c.trash.emptyTrash(x.actor, spaceId)).taskId
}

export type Status = 0 | 1 | 2 | 3
type ItemState = 'success' | 'failed' | 'processing' | 'cancelled'

export interface JobView {
  task: Task
  action: Action | 'clear'
  status: Status
  resultCode: 1 | 2 | 3 | null
  progress: number
  contentNum: number
  endedAt: number | null
  items: (Item & { state: ItemState })[]
  children: number[]
}

function statusOf(t: Task): Status {
  if (t.state === 'Running') return t.startedAt === null ? 0 : 1
  return t.state === 'Cancelled' ? 3 : 2
}

function resultOf(okCount: number, failed: number): 1 | 2 | 3 {
  if (failed === 0) return 1
  return okCount === 0 ? 3 : 2
}

/** The KooDrive view of a task, or null when it is not a KooDrive job (retention purges, other transports' tasks). */
export async function jobView(x: Ctx, task: Task): Promise<JobView | null> {
  if (task.kind === PURGE_TASK_KIND) {
    const status = statusOf(task)
    return {
      task,
      action: task.payload.reason === 'empty' ? 'clear' : 'delete',
      status,
      resultCode: status >= 2 ? resultOf(task.done, task.failed) : null,
      progress: status >= 2 ? 100 : task.total ? Math.floor((100 * (task.done + task.failed)) / task.total) : 0,
      contentNum: task.total,
      endedAt: task.finishedAt,
      items: [],
      children: [],
    }
  }
  const action = ACTION_OF_KIND[task.kind]
  if (!action) return null
  const p = task.payload as unknown as BatchPayload
  const kids = new Map<number, Task>()
  for (const id of p.children ?? []) {
    const t = await x.c.tasks.get(x.actor, String(id)).catch(() => null)
    if (t) kids.set(id, t)
  }
  const items = (p.items ?? []).map((i) => {
    const kid = i.child === undefined ? undefined : kids.get(i.child)
    let state: ItemState = i.ok ? 'success' : 'failed'
    if (i.ok && kid) {
      if (kid.state === 'Running') state = 'processing'
      else if (kid.state === 'Cancelled') state = 'cancelled'
      else if (kid.state === 'Failed' || kid.failures.some((f) => f.item === i.entryId)) state = 'failed'
    }
    return { ...i, state }
  })
  const running = [...kids.values()].filter((t) => t.state === 'Running')
  const status: Status = running.length ? (running.some((t) => t.startedAt !== null) ? 1 : 0) : [...kids.values()].some((t) => t.state === 'Cancelled') ? 3 : 2
  const good = items.filter((i) => i.state === 'success').length
  const settled = items.filter((i) => i.state !== 'processing').length
  const ends = [task.finishedAt, ...[...kids.values()].map((t) => t.finishedAt)].filter((v): v is number => v !== null)
  return {
    task,
    action,
    status,
    resultCode: status >= 2 ? resultOf(good, items.length - good) : null,
    progress: status >= 2 || !items.length ? 100 : Math.floor((100 * settled) / items.length),
    contentNum: items.length,
    endedAt: status >= 2 ? Math.max(...ends) : null,
    items,
    children: p.children ?? [],
  }
}

/** JobInfo of GetJobList / GetJobDetail. */
export function jobInfo(v: JobView): Record<string, unknown> {
  const [taskType, actionType] = TYPES[v.action]
  const t = v.task
  return {
    taskId: String(t.id),
    taskName: NAMES[v.action],
    userId: t.createdBy,
    taskType,
    actionType,
    status: v.status,
    taskStatus: v.status,
    taskResultCode: v.resultCode,
    resultCode: v.resultCode,
    progress: v.progress,
    contentNum: v.contentNum,
    containerId: t.spaceId === null ? '' : String(t.spaceId),
    tenantId: t.libraryId,
    downloadUrl: '',
    createTime: compact(t.createdAt),
    beginTime: compact(t.startedAt ?? (t.kind === PURGE_TASK_KIND ? null : t.createdAt)),
    startTime: compact(t.startedAt ?? (t.kind === PURGE_TASK_KIND ? null : t.createdAt)),
    endTime: compact(v.endedAt),
  }
}

/** taskInfos of GetJobDetail: one per file, with the KooDrive code of a failure. */
export function taskInfos(x: Ctx, v: JobView): Record<string, unknown>[] {
  return v.items.map((i) => {
    const code = i.ok ? null : (i.koo ?? kooCodeOf(i.code ?? '', i.reason))
    return {
      fileId: i.fileId,
      status: i.state,
      newFileId: i.newFileId ?? '',
      srcContainerId: v.task.spaceId === null ? '' : String(v.task.spaceId),
      code: code ?? '0',
      msg: code ? message(code, x.lang) : ok(x.lang).msg,
    }
  })
}

/** GetJobList: the caller's jobs, newest first, filtered, by offset. Tasks a batch job waits on are shown within it. */
export async function listJobs(x: Ctx, q: { type?: number; status?: number; offset: number; limit: number }): Promise<JobView[]> {
  const out: JobView[] = []
  const inside = new Set<number>()
  let skipped = 0
  let before: string | undefined
  for (let pages = 0; pages < 40; pages++) {
    const batch = await x.c.tasks.list(x.actor, { limit: 500, beforeId: before })
    for (const t of batch) {
      if (inside.has(t.id) || t.createdBy !== x.actor.userId) continue
      for (const id of ((t.payload as { children?: number[] }).children ?? [])) inside.add(id)
      const v = await jobView(x, t)
      if (!v) continue
      if (q.type !== undefined && TYPES[v.action][0] !== q.type) continue
      if (q.status !== undefined && v.status !== q.status) continue
      if (skipped < q.offset) {
        skipped++
        continue
      }
      out.push(v)
      if (out.length >= q.limit) return out
    }
    if (batch.length < 500) break
    before = String(batch.at(-1)!.id)
  }
  return out
}

/** CancelJob: a clear/delete job still pending or running stops (not-yet-freed entries go back to the bin). */
export async function cancelJob(x: Ctx, jobId: string): Promise<void> {
  const task = await x.c.tasks.get(x.actor, jobId)
  const v = await jobView(x, task)
  if (!v) throw new KooError('13000309', `Job ${jobId} does not exist`)
  const targets = task.kind === PURGE_TASK_KIND ? [task.id] : v.children
  let cancelled = 0
  for (const id of targets) {
    try {
      await x.c.tasks.cancel(x.actor, String(id))
      cancelled++
    } catch (e) {
      if (!isDomainError(e) || (e.code !== 'task.not_cancellable' && e.code !== 'task.not_found')) throw e
    }
  }
  if (!cancelled) throw new KooError('13000403', `Job ${jobId} has already finished`)
  x.c.runner.wake()
}
