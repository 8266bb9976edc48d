import { DomainError, isDomainError } from '../../shared/errors.ts'
import type { NodeSortKey, SortOrder } from '../../nodes/node.ts'
import type { NodeQuery } from '../../nodes/node-query.ts'
import { PdsError } from './errors.ts'

// ---------------------------------------------------------------------------------------------------------------------
// check_name_mode (https://www.alibabacloud.com/help/en/pds/drive-and-photo-service-dev/developer-reference/api-pds-2022-03-01-createfile)

export type NameMode = 'ignore' | 'auto_rename' | 'refuse'

export type NameOutcome<T> = { exist: false; value: T; name: string } | { exist: true; existingId: string | null }

/**
 * Runs `attempt(name)` (which must fail with `node.name_conflict` when the name is taken) under PDS's check_name_mode:
 * - `refuse`: nothing is created; the answer names the existing item (`exist: true`).
 * - `auto_rename`: the item gets PDS's timestamp suffix, `report_20260101_120000.pdf` (then `_1`, `_2`… within a second).
 * - `ignore` (PDS's default: "allow the duplicate"): Trove never holds two live siblings of one name, so the item is
 *   created as with `auto_rename`. The client gets a new item as it asked; only its name differs.
 */
export async function underNameMode<T>(mode: NameMode, name: string, now: number, isFolder: boolean, attempt: (name: string) => Promise<T>): Promise<NameOutcome<T>> {
  try {
    return { exist: false, value: await attempt(name), name }
  } catch (e) {
    if (!isNameConflict(e)) throw e
    if (mode === 'refuse') return { exist: true, existingId: existingIdOf(e) }
    for (let i = 0; i < 50; i++) {
      const candidate = autoRenamed(name, now, i, isFolder)
      try {
        return { exist: false, value: await attempt(candidate), name: candidate }
      } catch (e2) {
        if (!isNameConflict(e2)) throw e2
      }
    }
    throw e
  }
}

export function isNameConflict(e: unknown): e is DomainError {
  return isDomainError(e) && e.code === 'node.name_conflict'
}

function existingIdOf(e: DomainError): string | null {
  return typeof e.details.existingId === 'string' ? e.details.existingId : null
}

/** `hello.txt` → `hello_20260101_120000.txt` (UTC); a folder or a name without extension gets the suffix at the end. */
export function autoRenamed(name: string, now: number, n: number, isFolder: boolean): string {
  const t = new Date(now).toISOString() // 2026-01-01T12:00:00.000Z
  const stamp = `${t.slice(0, 4)}${t.slice(5, 7)}${t.slice(8, 10)}_${t.slice(11, 13)}${t.slice(14, 16)}${t.slice(17, 19)}${n ? `_${n}` : ''}`
  const dot = name.lastIndexOf('.')
  if (isFolder || dot <= 0) return `${name}_${stamp}`
  return `${name.slice(0, dot)}_${stamp}${name.slice(dot)}`
}

// ---------------------------------------------------------------------------------------------------------------------
// Ordering

const ORDER_FIELDS: Record<string, NodeSortKey> = { created_at: 'created', updated_at: 'modified', size: 'size', name: 'name' }

export function sortKeyOf(field: string | undefined, def: NodeSortKey): NodeSortKey {
  if (field === undefined || field === '') return def
  const key = ORDER_FIELDS[field]
  if (!key) throw new PdsError(400, 'InvalidParameterNotSupported', `order_by must be one of ${Object.keys(ORDER_FIELDS).join(', ')}`)
  return key
}

export function orderOf(direction: string | undefined, def: SortOrder): SortOrder {
  if (direction === undefined || direction === '') return def
  const d = direction.toUpperCase()
  if (d !== 'ASC' && d !== 'DESC') throw new PdsError(400, 'InvalidParameterNotSupported', 'order_direction must be ASC or DESC')
  return d === 'ASC' ? 'asc' : 'desc'
}

/** SearchFile's `order_by`: `"name ASC"`, `"created_at DESC,name ASC"`. Only the first key orders (ties by id). */
export function searchOrderOf(orderBy: string | undefined): { sort: NodeSortKey; order: SortOrder } {
  if (!orderBy || !orderBy.trim()) return { sort: 'name', order: 'asc' }
  const [field, dir, ...rest] = orderBy.split(',')[0].trim().split(/\s+/)
  if (rest.length) throw new PdsError(400, 'InvalidParameterWrongFormat', 'order_by is "<field> [ASC|DESC]" with fields separated by commas')
  return { sort: sortKeyOf(field, 'name'), order: orderOf(dir, 'asc') }
}

// ---------------------------------------------------------------------------------------------------------------------
// Categories and extensions (PDS `category`: app, zip, image, doc, video, audio, others)

export const CATEGORY_EXTENSIONS: Record<string, string[]> = {
  image: ['jpg', 'jpeg', 'png', 'gif', 'bmp', 'webp', 'heic', 'heif', 'tif', 'tiff', 'svg', 'raw', 'dng', 'cr2', 'nef', 'arw'],
  video: ['mp4', 'mov', 'avi', 'mkv', 'wmv', 'flv', 'webm', 'm4v', '3gp', 'mpg', 'mpeg', 'ts', 'rmvb'],
  audio: ['mp3', 'wav', 'flac', 'aac', 'm4a', 'ogg', 'wma', 'ape', 'amr', 'opus'],
  doc: ['txt', 'md', 'pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'csv', 'rtf', 'odt', 'ods', 'odp', 'pages', 'numbers', 'key', 'epub', 'json', 'xml', 'html', 'htm'],
  zip: ['zip', 'rar', '7z', 'tar', 'gz', 'tgz', 'bz2', 'xz', 'zst'],
  app: ['apk', 'exe', 'msi', 'dmg', 'pkg', 'deb', 'rpm', 'ipa', 'appimage'],
}
const ALL_KNOWN = Object.values(CATEGORY_EXTENSIONS).flat()

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.')
  return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1).toLowerCase() : ''
}

export function categoryOf(ext: string): string {
  for (const [category, exts] of Object.entries(CATEGORY_EXTENSIONS)) if (exts.includes(ext)) return category
  return 'others'
}

/** A category as a condition on files. */
export function categoryCondition(category: string): NodeQuery {
  if (category === 'others') return { and: [{ field: 'kind', op: 'eq', value: 'file' }, { not: { field: 'extension', op: 'in', value: ALL_KNOWN } }] }
  const exts = CATEGORY_EXTENSIONS[category]
  if (!exts) throw new PdsError(400, 'InvalidParameterNotSupported', `category must be one of ${[...Object.keys(CATEGORY_EXTENSIONS), 'others'].join(', ')}`)
  return { field: 'extension', op: 'in', value: exts }
}

// ---------------------------------------------------------------------------------------------------------------------
// Limits

/** `limit` with PDS's default and bounds (the schema already checked the bounds; this applies the default). */
export function limitOf(limit: number | undefined, def: number): number {
  return limit ?? def
}
