import type { DriveNode } from '../../nodes/node.ts'
import type { Container } from '../../app/container.ts'
import type { Task } from '../../tasks/task.ts'
import type { RecycleEntry } from '../../trash/recycle-entry.ts'
import { pdsCodeOf } from './errors.ts'
import { pdsId, type Drive } from './context.ts'
import { categoryOf, extensionOf } from './to-core.ts'

/** A space as the spaces service returns it. */
type Space = Awaited<ReturnType<Container['spaces']['get']>>

/** PDS times: ISO-8601 UTC with milliseconds, `2019-08-20T06:51:27.292Z`. */
export const iso = (ms: number): string => new Date(ms).toISOString()

/**
 * A core node as a PDS File (`File.ts` of the 2022-03-01 SDK). `file_id` is the node id (stable through rename, move,
 * trash and restore), the root folder is `root`. `content_hash` is the content's SHA-256 (uppercase hex) with
 * `content_hash_name: "sha256"`: Trove addresses content by SHA-256 and never computed the SHA-1 PDS uses.
 */
export function presentFile(drive: Drive, n: DriveNode, extra: { description?: string; trashedAt?: number; autoDeleteLeftSec?: number } = {}): Record<string, unknown> {
  const isRoot = n.id === drive.rootId
  const file: Record<string, unknown> = {
    domain_id: drive.domainId,
    drive_id: drive.driveId,
    file_id: pdsId(drive, n.id),
    parent_file_id: isRoot ? '' : pdsId(drive, n.parentId),
    name: isRoot ? 'root' : n.name,
    type: n.kind,
    status: 'available',
    created_at: iso(n.createdAt),
    updated_at: iso(n.modifiedAt),
    description: extra.description ?? '',
    hidden: false,
    starred: false,
  }
  if (n.kind === 'file') {
    const ext = extensionOf(n.name)
    Object.assign(file, {
      size: n.sizeBytes,
      content_type: n.contentType ?? 'application/octet-stream',
      mime_type: n.contentType ?? 'application/octet-stream',
      file_extension: ext,
      mime_extension: ext,
      category: categoryOf(ext),
      ...(n.blobSha256 ? { content_hash: n.blobSha256.toUpperCase(), content_hash_name: 'sha256' } : {}),
    })
  }
  if (extra.trashedAt !== undefined) file.trashed_at = iso(extra.trashedAt)
  if (extra.autoDeleteLeftSec !== undefined) file.auto_delete_left_sec = extra.autoDeleteLeftSec
  return file
}

/** A recycle-bin item: the File of the entry's root node as it was trashed, plus `trashed_at`. */
export function presentBinItem(drive: Drive, e: RecycleEntry, node: DriveNode | undefined, now: number, description?: string): Record<string, unknown> {
  const root: DriveNode = node ?? {
    id: e.rootNodeId,
    spaceId: e.spaceId,
    parentId: e.originalParentId,
    name: e.name,
    kind: e.kind,
    state: 'trashed',
    sizeBytes: e.sizeBytes,
    itemCount: e.itemCount - 1,
    contentType: null,
    blobSha256: null,
    recycleEntryId: e.id,
    createdBy: e.removedBy,
    createdAt: e.modifiedAt,
    modifiedAt: e.modifiedAt,
  }
  return presentFile(drive, { ...root, parentId: e.originalParentId }, {
    description,
    trashedAt: e.removedAt,
    autoDeleteLeftSec: Math.max(0, Math.floor((e.expiresAt - now) / 1000)),
  })
}

/** A Trove space as a PDS Drive. An unlimited quota is `total_size: -1` (the old SDK's convention for unlimited). */
export function presentDrive(s: Space): Record<string, unknown> {
  return {
    domain_id: s.libraryId,
    drive_id: s.id,
    drive_name: s.name,
    drive_type: 'normal',
    owner: s.ownerId ?? '',
    owner_type: 'user',
    creator: '',
    description: '',
    status: 'enabled',
    total_size: s.quotaBytes ?? -1,
    used_size: s.liveBytes + s.trashBytes,
    created_at: iso(s.createdAt),
    updated_at: iso(s.createdAt),
  }
}

/**
 * A core task as PDS's GetAsyncTask answer. The core's states are PDS's (Running, Succeed, PartialSucceed, Failed);
 * a cancelled task is Failed with `error_code: "Cancelled"`. `status` repeats `state` (deprecated in PDS, still read).
 */
export function presentTask(t: Task): Record<string, unknown> {
  const state = t.state === 'Cancelled' ? 'Failed' : t.state
  const failure = t.failures[0]
  const errorCode = t.state === 'Cancelled' ? 'Cancelled' : failure ? pdsCodeOf(failure.code) : ''
  const errorMessage = t.state === 'Cancelled' ? 'The task was cancelled' : (failure?.message ?? '')
  return {
    async_task_id: String(t.id),
    state,
    status: state,
    category: t.kind,
    total_process: t.total,
    consumed_process: t.done,
    failed_process: t.failed,
    skipped_process: 0,
    error_code: errorCode,
    error_message: errorMessage,
    err_code: 0,
    message: errorMessage,
    created_at: iso(t.createdAt),
    ...(t.startedAt !== null ? { started_at: iso(t.startedAt) } : {}),
    ...(t.finishedAt !== null ? { finished_at: iso(t.finishedAt) } : {}),
    url: '',
  }
}
