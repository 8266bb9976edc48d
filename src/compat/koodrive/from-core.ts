/**
 * Core results → KooDrive wire shapes: the `{"code":0,"msg"}` envelope, file objects (getFile / getPersonalFiles),
 * space info (GetSpaceByContainerID), albums (ListAlbums). Ids are Trove's decimal ids as strings; instants are
 * ISO-8601 UTC in file objects and `yyyyMMddHHmmss` in job and space records, as the vendor samples show.
 */
import type { TrashListItem } from '../../trash/trash.service.ts'
import type { AlbumSummary, Ctx, DriveNode, Lang, Space } from './deps.ts'
import { SUCCESS } from './errors.ts'

/** Success: HTTP 200, `code` the number 0 (as in every vendor sample), `msg` in the caller's language. */
export function ok(lang: Lang, body: Record<string, unknown> = {}, en: string = SUCCESS.en): Record<string, unknown> {
  return { code: 0, msg: lang === 'zh-CN' ? SUCCESS.zh : en, ...body }
}

export const iso = (ms: number) => new Date(ms).toISOString()

/** `yyyyMMddHHmmss` (UTC), the 14-digit form of job times; '' for "not yet". */
export function compact(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '' : new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14)
}

/** KooDrive `fileType` codes. */
export const FILE_TYPES = { folder: '10', smartFolder: '11', image: '15', video: '20', word: '26', excel: '27', ppt: '28', audio: '30', archive: '35', app: '40', other: '45' } as const

const EXTENSIONS: [string, string[]][] = [
  [FILE_TYPES.image, ['jpg', 'jpeg', 'png', 'gif', 'webp', 'heic', 'heif', 'bmp', 'tif', 'tiff', 'svg', 'avif', 'dng']],
  [FILE_TYPES.video, ['mp4', 'mov', 'avi', 'mkv', 'webm', 'm4v', '3gp', 'wmv', 'flv', 'mpeg', 'mpg']],
  [FILE_TYPES.word, ['doc', 'docx', 'odt', 'rtf', 'wps']],
  [FILE_TYPES.excel, ['xls', 'xlsx', 'csv', 'ods', 'et']],
  [FILE_TYPES.ppt, ['ppt', 'pptx', 'odp', 'dps', 'key']],
  [FILE_TYPES.audio, ['mp3', 'wav', 'flac', 'aac', 'm4a', 'ogg', 'wma', 'amr', 'opus']],
  [FILE_TYPES.archive, ['zip', 'rar', '7z', 'tar', 'gz', 'tgz', 'bz2', 'xz', 'zst']],
  [FILE_TYPES.app, ['apk', 'exe', 'dmg', 'ipa', 'msi', 'hap', 'deb', 'rpm']],
]

/** The KooDrive file type of a node: 10 for folders; for files by content type, else by extension, else 45 (other). */
export function fileTypeOf(n: { kind: DriveNode['kind']; name: string; contentType?: string | null }): string {
  if (n.kind === 'folder') return FILE_TYPES.folder
  const ct = (n.contentType ?? '').toLowerCase()
  if (ct.startsWith('image/')) return FILE_TYPES.image
  if (ct.startsWith('video/')) return FILE_TYPES.video
  if (ct.startsWith('audio/')) return FILE_TYPES.audio
  const dot = n.name.lastIndexOf('.')
  const ext = dot > 0 ? n.name.slice(dot + 1).toLowerCase() : ''
  for (const [type, exts] of EXTENSIONS) if (exts.includes(ext)) return type
  return FILE_TYPES.other
}

export const DOWNLOAD_TTL_MS = 3_600_000

/** A signed download link for a file: whoever holds it may read that file (and only it) until it expires. */
export async function downloadUrl(k: Ctx, spaceId: string, id: string): Promise<string> {
  const { token } = await k.c.signer.sign({ t: 'dl', l: k.actor.libraryId, u: k.actor.userId, s: spaceId, n: id }, DOWNLOAD_TTL_MS)
  return `${k.base}/objects/file?token=${token}`
}

export const FOLDER_MIME = 'application/vnd.huawei-apps.folder'

/** A file or folder (getFile response, items of listings and album contents). */
export function fileObject(n: DriveNode, containerId: string, bin?: { removedAt: number; expiresAt: number } | 'under-trashed-folder'): Record<string, unknown> {
  return {
    id: String(n.id),
    fileName: n.name,
    fileType: fileTypeOf(n),
    mimeType: n.kind === 'folder' ? FOLDER_MIME : (n.contentType ?? 'application/octet-stream'),
    size: n.sizeBytes,
    sha256: n.blobSha256 ?? '',
    parentFolder: n.parentId === null ? [] : [String(n.parentId)],
    containers: [containerId],
    containerId,
    recycled: !!bin,
    createdTime: iso(n.createdAt),
    editedTime: iso(n.modifiedAt),
    owners: n.createdBy ? [{ userId: n.createdBy }] : [],
    properties: {},
    ...(bin && bin !== 'under-trashed-folder' ? { recycledTime: iso(bin.removedAt), expireTime: iso(bin.expiresAt) } : {}),
  }
}

/** An item of the recycle bin (listing type 1): the entry's root, under its original parent. */
export function binObject(e: TrashListItem, containerId: string): Record<string, unknown> {
  return {
    id: String(e.rootNodeId),
    fileName: e.name,
    fileType: fileTypeOf({ kind: e.kind, name: e.name }),
    mimeType: e.kind === 'folder' ? FOLDER_MIME : 'application/octet-stream',
    size: e.sizeBytes,
    parentFolder: [String(e.originalParentId)],
    containers: [containerId],
    containerId,
    recycled: true,
    editedTime: iso(e.modifiedAt),
    recycledTime: iso(e.removedAt),
    expireTime: iso(e.expiresAt),
    remainingDays: e.remainingDays,
    recycledBy: e.removedBy,
  }
}

/** SpaceInfo (GetSpaceByContainerID / CreateSpace `data`). Capacity and usage are byte counts as strings; -1 = no quota. */
export function spaceInfo(s: Space, type = 1): Record<string, unknown> {
  return {
    type: String(type),
    status: '0',
    ownerId: s.ownerId ?? '',
    containerId: s.id,
    bizRootFileId: String(s.rootNodeId),
    bizSboxFileId: '',
    rootFileId: String(s.rootNodeId),
    capacity: String(s.quotaBytes ?? -1),
    spaceUsed: String(s.liveBytes + s.trashBytes),
    tenantId: s.libraryId,
    creator: s.ownerId ?? '',
    createTime: compact(s.createdAt),
    modifier: '',
    updateTime: compact(s.createdAt),
  }
}

/** An album of ListAlbums' `albumList` (manual albums only: albumType 2). */
export function albumObject(a: AlbumSummary, albumKind: number, coverImg: string): Record<string, unknown> {
  return {
    id: String(a.id),
    name: a.name,
    coverImg,
    albumType: 2,
    albumKind,
    containerId: String(a.spaceId),
    fileCount: a.itemCount,
    createTime: compact(a.createdAt),
    updateTime: compact(a.modifiedAt),
    creator: a.createdBy,
  }
}
