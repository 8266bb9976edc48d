import { Type } from 'typebox'
import { DomainError, type ErrorCode } from '../../../shared/errors.ts'
import { coreFileId, inRecycleBin, loadDrive, noContent, ok, pdsId, type Drive, type PdsOp, type PdsResult } from '../context.ts'
import { presentBinItem, presentTask } from '../from-core.ts'
import { Id, idOf, Marker, parse } from '../validate.ts'

/**
 * The recycle bin (seed page "Use the recycle bin feature"; ListRecyclebin, TrashFile, RestoreFile, DeleteFile,
 * ClearRecyclebin, GetAsyncTask). A bin item's `file_id` is the id the file had before, and keeps after a restore.
 * https://www.alibabacloud.com/help/en/pds/drive-and-photo-service-dev/user-guide/recycle-bin
 */

/** Above this many items (the node and everything below it), a permanent delete answers 202 with its task. */
export const SYNC_DELETE_MAX_ITEMS = 100

const ListRecyclebin = Type.Object({
  drive_id: Id,
  marker: Marker,
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  fields: Type.Optional(Type.String()),
  thumbnail_processes: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { maxProperties: 5 })),
})

/** 200 `{items, next_marker}`: newest trashed first; each item the File of what was trashed, with `trashed_at`. */
const listRecyclebin: PdsOp = async (ctx, raw) => {
  const b = parse(ListRecyclebin, raw)
  const drive = await loadDrive(ctx, idOf(b.drive_id))
  const page = await ctx.c.trash.list(ctx.actor, drive.driveId, { sort: 'removed', order: 'desc', limit: b.limit ?? 50, cursor: b.marker || undefined })
  const ids = page.items.map((e) => e.rootNodeId)
  const nodes = ids.length ? await ctx.c.nodeFinder.findMany(ctx.actor, drive.driveId, ids) : new Map()
  const descriptions = ids.length ? await ctx.c.nodeDescriptions.get(ctx.actor, drive.driveId, ids) : new Map<number, string>()
  const now = ctx.c.clock.now()
  return ok({
    items: page.items.map((e) => presentBinItem(drive, e, nodes.get(e.rootNodeId), now, descriptions.get(e.rootNodeId))),
    next_marker: page.nextCursor ?? '',
  })
}

const FileRef = Type.Object({ drive_id: Id, file_id: Id })

function taskAnswer(drive: Drive, fileId: string, taskId: number): PdsResult {
  return ok({ domain_id: drive.domainId, drive_id: drive.driveId, file_id: fileId, async_task_id: String(taskId) }, 202)
}

/**
 * 204: moving to the bin is one O(1) transaction whatever the folder holds, so it is never a task, and search stops
 * showing the folder's contents at once (PDS's FAQ 1 lag does not exist here). 202 with the purge task only when the
 * drive's bin is switched off (the item is then deleted permanently). Something already in the bin:
 * ForbiddenFileInTheRecycleBin.
 */
const trashFile: PdsOp = async (ctx, raw) => {
  const b = parse(FileRef, raw)
  const drive = await loadDrive(ctx, idOf(b.drive_id))
  const fileId = idOf(b.file_id)
  const loc = await ctx.c.nodeFinder.locate(ctx.actor, drive.driveId, await coreFileId(ctx, drive, fileId))
  if (loc.status === 'in_bin') throw inRecycleBin(fileId, loc.binRootId !== loc.node.id)
  if (loc.status !== 'visible') throw gone(fileId)
  const { purgeTaskId } = await ctx.c.trash.moveToTrash(ctx.actor, drive.driveId, String(loc.node.id))
  return purgeTaskId ? taskAnswer(drive, pdsId(drive, loc.node.id), purgeTaskId) : noContent()
}

/**
 * 204: the item returns under its original parent (by id, wherever that folder now is). A name taken meanwhile gets
 * ` (1)`; a parent that is gone is recreated from the path the item had. Restoring something that is not in the bin
 * is a no-op (204); something inside a trashed folder cannot be restored alone (ForbiddenFileInTheRecycleBin).
 */
const restoreFile: PdsOp = async (ctx, raw) => {
  const b = parse(FileRef, raw)
  const drive = await loadDrive(ctx, idOf(b.drive_id))
  const fileId = idOf(b.file_id)
  const loc = await ctx.c.nodeFinder.locate(ctx.actor, drive.driveId, await coreFileId(ctx, drive, fileId))
  if (loc.status === 'visible') return noContent()
  if (loc.status !== 'in_bin' || loc.entryId === null) throw gone(fileId)
  if (loc.binRootId !== loc.node.id) throw inRecycleBin(fileId, true)
  const [outcome] = await ctx.c.trash.restore(ctx.actor, drive.driveId, [String(loc.entryId)], { onConflict: 'rename', onMissingParent: 'recreate' })
  if (outcome.status === 'failed') throw new DomainError(outcome.error!.code as ErrorCode, outcome.error!.message, { id: fileId })
  return noContent()
}

/**
 * Permanent delete, of a live item or of one in the bin. The item is gone at once; a durable task frees its bytes and
 * quota. 204 for up to SYNC_DELETE_MAX_ITEMS items, otherwise 202 with that task's id.
 */
const deleteFile: PdsOp = async (ctx, raw) => {
  const b = parse(FileRef, raw)
  const drive = await loadDrive(ctx, idOf(b.drive_id))
  const fileId = idOf(b.file_id)
  const loc = await ctx.c.nodeFinder.locate(ctx.actor, drive.driveId, await coreFileId(ctx, drive, fileId))
  let taskId: number | null
  if (loc.status === 'visible') {
    taskId = (await ctx.c.trash.moveToTrash(ctx.actor, drive.driveId, String(loc.node.id), { permanent: true })).purgeTaskId
  } else if (loc.status === 'in_bin' && loc.entryId !== null && loc.binRootId === loc.node.id) {
    const res = await ctx.c.trash.deleteEntries(ctx.actor, drive.driveId, [String(loc.entryId)])
    const [rejected] = res.rejected
    if (rejected) throw new DomainError(rejected.code as ErrorCode, rejected.message, { id: fileId })
    taskId = res.taskId
  } else if (loc.status === 'in_bin') {
    throw inRecycleBin(fileId, true)
  } else {
    throw gone(fileId)
  }
  const items = loc.node.kind === 'folder' ? loc.node.itemCount + 1 : 1
  return taskId !== null && items > SYNC_DELETE_MAX_ITEMS ? taskAnswer(drive, pdsId(drive, loc.node.id), taskId) : noContent()
}

const ClearRecyclebin = Type.Object({ drive_id: Id })

/**
 * Always 202 `{domain_id, drive_id, async_task_id}`: every item leaves the bin at once, a task frees them. Items on
 * hold (a Trove legal hold, set through the native API) stay: they are the task's failed items, so it ends
 * PartialSucceed (Failed when nothing could go).
 */
const clearRecyclebin: PdsOp = async (ctx, raw) => {
  const b = parse(ClearRecyclebin, raw)
  const drive = await loadDrive(ctx, idOf(b.drive_id))
  const { taskId } = await ctx.c.binClear.clear(ctx.actor, drive.driveId)
  return ok({ domain_id: drive.domainId, drive_id: drive.driveId, async_task_id: String(taskId) }, 202)
}

const GetAsyncTask = Type.Object({ async_task_id: Id })

const getAsyncTask: PdsOp = async (ctx, raw) => {
  const b = parse(GetAsyncTask, raw)
  return ok(presentTask(await ctx.c.tasks.get(ctx.actor, idOf(b.async_task_id))))
}

function gone(fileId: string): DomainError {
  return new DomainError('node.not_found', `File ${fileId} does not exist`, { id: fileId })
}

export const recyclebinOps: Record<string, PdsOp> = {
  '/recyclebin/list': listRecyclebin,
  '/recyclebin/trash': trashFile,
  '/recyclebin/restore': restoreFile,
  '/recyclebin/clear': clearRecyclebin,
  '/file/delete': deleteFile,
  '/async_task/get': getAsyncTask,
}

