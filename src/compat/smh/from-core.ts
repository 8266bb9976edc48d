import type { Actor } from '../../access/grants.ts'
import type { DriveNode } from '../../nodes/node.ts'
import type { TrashListItem, RestoreOutcome } from '../../trash/trash.service.ts'
import type { TrashPathResult } from '../../trash/trash-batch.service.ts'
import type { Task } from '../../tasks/task.ts'
import { smhCodeOf } from './errors.ts'
import { DomainError, type ErrorCode } from '../../shared/errors.ts'

/**
 * Core results → SMH wire shapes: times as ISO-8601 with milliseconds and `Z`, sizes as strings, paths as arrays of
 * names (vendor-content-apis.md §1.1, §1.5; vendor-apis.md §1.8).
 */

export const iso = (ms: number): string => new Date(ms).toISOString()

/** `/a/b/c` → `["a","b","c"]`. */
export const pathArray = (path: string): string[] => path.split('/').filter(Boolean)

const FILE_TYPES: [RegExp, string][] = [
  [/\.(docx?|wps|rtf)$/i, 'word'],
  [/\.(xlsx?|csv|et)$/i, 'excel'],
  [/\.(pptx?|dps)$/i, 'powerpoint'],
  [/\.pdf$/i, 'pdf'],
  [/\.(txt|md|log)$/i, 'txt'],
  [/\.(jpe?g|png|gif|bmp|webp|heic|tiff?)$/i, 'image'],
  [/\.(mp4|mov|avi|mkv|flv|wmv|webm)$/i, 'video'],
  [/\.(mp3|wav|flac|aac|ogg|m4a)$/i, 'audio'],
  [/\.(zip|rar|7z|tar|gz)$/i, 'zip'],
]

/** SMH's `fileType` (by extension; `''` for directories, `other` for unknown files). */
export function fileTypeOf(name: string, kind: DriveNode['kind']): string {
  if (kind === 'folder') return ''
  return FILE_TYPES.find(([re]) => re.test(name))?.[1] ?? 'other'
}

const MIME: Record<string, string> = {
  txt: 'text/plain',
  md: 'text/markdown',
  json: 'application/json',
  pdf: 'application/pdf',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
  zip: 'application/zip',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
}

export function contentTypeOf(node: Pick<DriveNode, 'name' | 'contentType'>): string {
  if (node.contentType) return node.contentType
  const ext = node.name.includes('.') ? node.name.slice(node.name.lastIndexOf('.') + 1).toLowerCase() : ''
  return MIME[ext] ?? 'application/octet-stream'
}

const previews = { previewByDoc: false, previewByCI: false, previewAsIcon: false }

/** A file as SMH describes it (confirm, `?info`, directory listings). */
export function fileObject(node: DriveNode, path: string[], extra: { crc64?: string | null; inode?: boolean } = {}) {
  return {
    path,
    name: node.name,
    type: 'file' as const,
    creationTime: iso(node.createdAt),
    modificationTime: iso(node.modifiedAt),
    contentType: contentTypeOf(node),
    size: String(node.sizeBytes),
    eTag: `"${node.blobSha256}"`,
    ...(extra.crc64 ? { crc64: extra.crc64 } : {}),
    metaData: {},
    labels: [] as string[],
    fileType: fileTypeOf(node.name, 'file'),
    ...previews,
    virusAuditStatus: 0,
    ...(extra.inode ? { inode: String(node.id) } : {}),
  }
}

/** A directory as SMH describes it. */
export function dirObject(node: DriveNode, path: string[], extra: { counts?: { files: number; folders: number }; inode?: boolean } = {}) {
  return {
    path,
    name: node.name,
    type: 'dir' as const,
    creationTime: iso(node.createdAt),
    modificationTime: iso(node.modifiedAt),
    ...(extra.counts ? { fileCount: extra.counts.files, subDirCount: extra.counts.folders } : {}),
    ...(extra.inode ? { inode: String(node.id) } : {}),
  }
}

export function nodeObject(node: DriveNode, path: string[], extra: { inode?: boolean } = {}) {
  return node.kind === 'file' ? fileObject(node, path, extra) : dirObject(node, path, extra)
}

/** `x-smh-*` headers of a download or `HEAD` (vendor-content-apis.md SF6/SF7). */
export function smhHeaders(node: DriveNode, crc64: string | null): Record<string, string> {
  return {
    'x-smh-type': 'file',
    'x-smh-creation-time': iso(node.createdAt),
    'x-smh-modification-time': iso(node.modifiedAt),
    'x-smh-content-type': contentTypeOf(node),
    'x-smh-size': String(node.sizeBytes),
    'x-smh-etag': `"${node.blobSha256}"`,
    ...(crc64 ? { 'x-smh-crc64': crc64 } : {}),
  }
}

/** What the caller may do with bin entries, from its grants (seed 002: `authorityList`, `authorityButtonList`). */
export function authorities(actor: Actor) {
  const admin = actor.grants.includes('admin') || actor.grants.includes('space_admin')
  const canRestore = admin || actor.grants.includes('restore_recycled')
  const canDelete = admin || actor.grants.includes('delete_recycled')
  return {
    authorityList: { canRestore, canDelete },
    authorityButtonList: {
      showViewButton: false,
      showPreviewButton: false,
      showDownloadButton: false,
      showUploadButton: false,
      showDeleteButton: canDelete,
      showAuthorizeButton: false,
      showShareButton: false,
      showModifyButton: false,
      showRestoreButton: canRestore,
    },
  }
}

/** One recycle-bin entry, every field of seed 002's sample. `creationTime` comes from the entry's root node. */
export function recycledItem(e: TrashListItem, wireSpaceId: string, root: DriveNode | undefined, actor: Actor) {
  return {
    recycledItemId: e.id,
    originalPath: pathArray(e.originalPath),
    spaceId: wireSpaceId,
    size: String(e.sizeBytes),
    ...previews,
    fileType: fileTypeOf(e.name, e.kind),
    name: e.name,
    type: e.kind === 'folder' ? 'dir' : 'file',
    creationTime: iso(root?.createdAt ?? e.modifiedAt),
    modificationTime: iso(e.modifiedAt),
    removalTime: iso(e.removedAt),
    remainingTime: e.remainingDays,
    ...authorities(actor),
  }
}

type ResultItem = Record<string, unknown> & { status: number }

function failure(code: string, message: string): { status: number; code: string; message: string } {
  const mapped = smhCodeOf(new DomainError(code as ErrorCode, message))
  return { status: mapped.status, code: mapped.code, message }
}

/** A batch-delete item (https://cloud.tencent.com/document/product/1339/71259): 200 + recycledItemId, 204 when permanent. */
export function trashResultItem(r: TrashPathResult): ResultItem {
  const path = pathArray(r.path)
  if (!r.ok) return { ...failure(r.error!.code, r.error!.message), path }
  return r.purgeTaskId ? { status: 204, path } : { status: 200, recycledItemId: Number(r.entryId), path }
}

/** A batch-restore item (https://cloud.tencent.com/document/product/1339/71124). */
export function restoreResultItem(o: RestoreOutcome): ResultItem {
  if (o.status === 'restored') return { status: 200, path: pathArray(o.path!), recycledItemId: Number(o.entryId) }
  return { ...failure(o.error!.code, o.error!.message), recycledItemId: Number(o.entryId) }
}

/** 200 when every item succeeded, 207 Multi-Status otherwise. */
export const batchStatus = (items: ResultItem[]): number => (items.every((i) => i.status < 300) ? 200 : 207)

/** The results a finished batch task keeps, as the synchronous call would have answered them. */
export function taskResultItems(task: Task, results: unknown[]): ResultItem[] {
  if (task.kind === 'trash.batch-trash') return (results as TrashPathResult[]).map(trashResultItem)
  if (task.kind === 'trash.batch-restore') return (results as RestoreOutcome[]).map(restoreResultItem)
  return results as ResultItem[]
}

/** SMH task status: 202 running, 200 done with a result, 204 done without, 500 failed (vendor-apis.md §1.4). */
export function taskObject(task: Task, results: unknown[] | null) {
  if (task.state === 'Running') return { taskId: task.id, status: 202 }
  if (results) return { taskId: task.id, status: 200, result: taskResultItems(task, results) }
  if (task.state === 'Succeed') return { taskId: task.id, status: 204 }
  const first = task.failures[0]
  return { taskId: task.id, status: 500, ...(first ? { code: smhCodeOf(new DomainError(first.code as ErrorCode, first.message)).code, message: first.message } : {}) }
}
