/**
 * KooDrive request values → core arguments. KooDrive clients send numbers as strings (`"pageSize":"10"`), empty
 * strings for "not set" (`"sortType":""`), `root` for a space's root folder and ids as opaque strings; all of that is
 * normalised here, and anything out of range is refused with 13000102 before a service is called.
 * Docs: https://support.huaweicloud.com/intl/en-us/api-koodrive/getPersonalFiles.html and the pages cited per helper.
 */
import type { ConflictPolicy, Ctx, NodeSortKey, SortOrder, TrashSortKey } from './deps.ts'
import { badParam, KooError } from './errors.ts'
import { FILE_TYPES } from './from-core.ts'

const KNOWN_TYPES = new Set<string>(Object.values(FILE_TYPES))

const DECIMAL = /^[1-9][0-9]{0,15}$/

/** An optional integer given as a number or a numeric string; '' and null count as absent. */
export function int(v: unknown, name: string, opts: { min?: number; max?: number; def?: number } = {}): number | undefined {
  if (v === undefined || v === null || v === '') return opts.def
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d{1,16}$/.test(v.trim()) ? Number(v.trim()) : NaN
  if (!Number.isSafeInteger(n)) throw badParam(`${name} must be an integer`)
  if (opts.min !== undefined && n < opts.min) throw badParam(`${name} must be at least ${opts.min}`)
  if (opts.max !== undefined && n > opts.max) throw badParam(`${name} must be at most ${opts.max}`)
  return n
}

export function requiredInt(v: unknown, name: string, opts: { min?: number; max?: number } = {}): number {
  const n = int(v, name, opts)
  if (n === undefined) throw badParam(`${name} is required`)
  return n
}

export function str(v: unknown, name: string, opts: { required?: boolean; max?: number } = {}): string | undefined {
  if (v === undefined || v === null || v === '') {
    if (opts.required) throw badParam(`${name} is required`)
    return undefined
  }
  if (typeof v !== 'string' && typeof v !== 'number') throw badParam(`${name} must be a string`)
  const s = String(v)
  if (opts.max !== undefined && s.length > opts.max) throw badParam(`${name} is longer than ${opts.max} characters`)
  return s
}

/** `containerId` (required, ≤ 64 characters): the Trove space id. An unknown one is 13000301 from the service. */
export function container(v: unknown): string {
  return str(v, 'containerId', { required: true, max: 64 })!
}

/**
 * A file or folder id from the wire: `root` (the space's root folder), a Trove node id, or `U<n>`, the id that
 * `files/create` hands out before the bytes arrive (resolved to the file it became once completed).
 */
export async function nodeId(k: Ctx, spaceId: string, v: unknown, name = 'fileId'): Promise<string> {
  const raw = str(v, name, { required: true, max: 64 })!
  if (raw === 'root' || DECIMAL.test(raw)) return raw
  const upload = uploadIdOf(raw)
  if (upload) {
    const u = await k.c.partUploads.get(k.actor, upload)
    if (String(u.spaceId) !== spaceId) throw new KooError('13000302')
    if (u.state !== 'done' || u.nodeId === null) throw new KooError('13000402', `Upload ${upload} has not been completed`)
    return String(u.nodeId)
  }
  throw new KooError('13000309', `${name} ${raw} does not exist`)
}

/** `U<n>` → the part-upload id n; anything else → null. */
export function uploadIdOf(raw: string): string | null {
  const m = /^U([1-9][0-9]{0,15})$/.exec(raw)
  return m ? m[1] : null
}

export const uploadFileId = (uploadId: number | string) => `U${uploadId}`

/** `parentFolder` (string[]; only the first counts; empty or absent = root). */
export function parentFolder(v: unknown): unknown {
  if (v === undefined || v === null || v === '') return 'root'
  if (!Array.isArray(v)) throw badParam('parentFolder must be an array of folder ids')
  return v.length ? v[0] : 'root'
}

/**
 * KooDrive file names (createDirectory, createFile, renameFile): 1–250 characters, none of `<>|:"*?/\`, not `.`/`..`.
 * Stricter than Trove's own rule, which the service checks as well.
 */
export function kooName(v: unknown, field = 'fileName'): string {
  const name = str(v, field, { required: true })!
  if (name.length > 250) throw badParam(`${field} is longer than 250 characters`)
  if (/[<>|:"*?/\\]/.test(name)) throw badParam(`${field} contains one of < > | : " * ? / \\`)
  if (name === '.' || name === '..') throw badParam(`${field} cannot be . or ..`)
  return name
}

/** renameMode / autoRename: 2 rename with a timestamp, 3 refuse (the default here), 4 (uploads) skip identical content. */
export function renameMode(v: unknown, name: string, allowed: number[] = [2, 3]): number {
  const n = int(v, name, { def: 3 })!
  if (!allowed.includes(n)) throw badParam(`${name} must be one of ${allowed.join(', ')}`)
  return n
}

/** The name KooDrive's forced rename gives: the base name plus `_yyyyMMddHHmmss` (before the extension). */
export function withTimestamp(name: string, now: number, isFolder: boolean): string {
  const stamp = new Date(now).toISOString().replace(/[-:T]/g, '').slice(0, 14)
  const dot = name.lastIndexOf('.')
  if (isFolder || dot <= 0) return `${name}_${stamp}`
  return `${name.slice(0, dot)}_${stamp}${name.slice(dot)}`
}

/** Core conflict policy for KooDrive's modes: refuse → fail, forced rename → rename (after the timestamp attempt). */
export function policyOf(mode: number): ConflictPolicy {
  return mode === 3 ? 'fail' : 'rename'
}

const SORT_DIRECTIONS: Record<number, SortOrder> = { 1: 'asc', 2: 'desc' }

function direction(v: unknown, def: SortOrder): SortOrder {
  const n = int(v, 'sortDirection')
  if (n === undefined) return def
  const d = SORT_DIRECTIONS[n]
  if (!d) throw badParam('sortDirection must be 1 (ascending) or 2 (descending)')
  return d
}

/**
 * sortType for a folder listing: 1 name, 2 size, 3 created, 4 modified; 5 (recycle time) only exists in the bin;
 * 6 (format) has no index in Trove and is served in name order (documented deviation). Default: name, ascending.
 */
export function folderSort(sortInfo: unknown): { sort: NodeSortKey; order: SortOrder } {
  const s = (sortInfo ?? {}) as Record<string, unknown>
  const type = int(s.sortType, 'sortType', { min: 1, max: 6, def: 1 })!
  if (type === 5) throw badParam('sortType 5 (recycle time) only applies to the recycle bin')
  const sort: NodeSortKey = ({ 1: 'name', 2: 'size', 3: 'created', 4: 'modified', 6: 'name' } as const)[type as 1 | 2 | 3 | 4 | 6]
  return { sort, order: direction(s.sortDirection, 'asc') }
}

/**
 * sortType for the recycle bin: 1 name, 2 size, 4 modified, 5 recycle time; 3 (created) is served by recycle time and
 * 6 (format) by name (the bin keeps neither). Default: recycle time, newest first.
 */
export function binSort(sortInfo: unknown): { sort: TrashSortKey; order: SortOrder } {
  const s = (sortInfo ?? {}) as Record<string, unknown>
  const type = int(s.sortType, 'sortType', { min: 1, max: 6 })
  if (type === undefined) return { sort: 'removed', order: direction(s.sortDirection, 'desc') }
  const sort: TrashSortKey = ({ 1: 'name', 2: 'size', 3: 'removed', 4: 'modified', 5: 'removed', 6: 'name' } as const)[type as 1 | 2 | 3 | 4 | 5 | 6]
  return { sort, order: direction(s.sortDirection, 'asc') }
}

/** Optional `fileType` filter of a listing: one of the documented codes. */
export function fileTypeFilter(v: unknown): string | undefined {
  const t = str(v, 'fileType')
  if (t !== undefined && !KNOWN_TYPES.has(t)) throw badParam(`fileType ${t} is not a KooDrive file type`)
  return t
}

/** `X-Date`: `yyyyMMdd'T'HHmmss'Z'` (e.g. 20251103T070140Z) → epoch ms; null when malformed or not a real instant. */
export function parseXDate(v: unknown): number | null {
  if (typeof v !== 'string') return null
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v.trim())
  if (!m) return null
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number)
  const ms = Date.UTC(y, mo - 1, d, h, mi, s)
  const back = new Date(ms)
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h || back.getUTCMinutes() !== mi || back.getUTCSeconds() !== s) return null
  return ms
}

/** The last segment of an id path (`/root/dir/file` → `file`): KooDrive passes ids inside `filePath` / `newFilePath`. */
export function lastSegment(path: string): string {
  const parts = path.split('/').filter(Boolean)
  return parts.at(-1) ?? 'root'
}

/** Lower-case SHA-256 hex, or undefined; KooDrive clients may send upper case. */
export function sha256(v: unknown, name = 'sha256'): string | undefined {
  const s = str(v, name)
  if (s === undefined) return undefined
  if (!/^[0-9a-fA-F]{64}$/.test(s)) throw badParam(`${name} must be 64 hexadecimal characters`)
  return s.toLowerCase()
}
