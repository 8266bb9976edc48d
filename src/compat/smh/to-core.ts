import { validateName } from '../../shared/names.ts'
import type { FastifyRequest } from 'fastify'
import { GRANTS, type Actor, type Grant } from '../../access/grants.ts'
import type { ConflictPolicy, NodeSortKey, SortOrder } from '../../nodes/node.ts'
import type { TrashSortKey } from '../../trash/recycle-entry.ts'
import type { MissingParentPolicy } from '../../trash/trash.service.ts'
import { SmhError } from './errors.ts'

/**
 * SMH request → core arguments: query flags, names of strategies and sort keys, paths, grants.
 * Vendor quirks are handled here, each with the page that documents it (see README.md).
 */

export type Query = Record<string, string | string[] | undefined>

export const queryOf = (req: FastifyRequest): Query => (req.query ?? {}) as Query

/** A bare verb flag: `?info`, `?info=` and `?info=1` all count (the iOS SDK sends `info=`, generated clients `info=1`). */
export function hasFlag(q: Query, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(q, name)
}

export function str(q: Query, name: string): string | undefined {
  const v = q[name]
  const s = Array.isArray(v) ? v[v.length - 1] : v
  return s === undefined || s === '' ? undefined : s
}

export function intParam(q: Query, name: string, opts: { min: number; max: number }): number | undefined {
  const s = str(q, name)
  if (s === undefined) return undefined
  if (!/^-?\d+$/.test(s)) throw new SmhError(400, 'ParamInvalid', `${name} must be an integer`)
  const n = Number(s)
  if (n < opts.min || n > opts.max) throw new SmhError(400, 'ParamInvalid', `${name} must be from ${opts.min} to ${opts.max}`)
  return n
}

export function boolParam(q: Query, name: string): boolean {
  const s = str(q, name)
  return s === '1' || s === 'true'
}

/** `{FilePath}` of the URL: segments inside the space (`foo/bar/file.docx`), empty for the root. */
export function pathSegments(raw: string | undefined): string[] {
  // Every segment is checked before anything is looked up or created, so a path that is bad half-way (`a/b\n/c`)
  // is refused whole instead of leaving `a` behind.
  return (raw ?? '').split('/').filter((p) => p.length > 0).map((p) => validateName(p))
}

/** Body paths (`from`, batch items) may carry a leading `/` (the iOS SDK strips it; we accept both). */
export function bodyPathSegments(raw: unknown): string[] {
  if (typeof raw !== 'string') throw new SmhError(400, 'ParamInvalid', 'A path must be a string')
  return pathSegments(raw)
}

export type SmhConflict = 'ask' | 'rename' | 'overwrite'

const CONFLICT_TO_CORE: Record<SmhConflict, ConflictPolicy> = { ask: 'fail', rename: 'rename', overwrite: 'overwrite' }

/** `conflict_resolution_strategy`: ask → fail (409), rename → `name (1).ext`, overwrite → replace a file (the old one goes to the bin). */
export function conflictParam(q: Query, allowed: readonly SmhConflict[]): SmhConflict | undefined {
  const s = str(q, 'conflict_resolution_strategy')
  if (s === undefined) return undefined
  if (!(allowed as readonly string[]).includes(s)) {
    throw new SmhError(400, 'InvalidConflictResolutionStrategy', `conflict_resolution_strategy must be one of ${allowed.join(', ')}`)
  }
  return s as SmhConflict
}

export const toCoreConflict = (s: SmhConflict): ConflictPolicy => CONFLICT_TO_CORE[s]

/** `restore_path_strategy`: originalPath (default) fails with DirectoryNotFound when the folder is gone; fallbackToRoot restores at the root. */
export function restorePathParam(q: Query): MissingParentPolicy {
  const s = str(q, 'restore_path_strategy') ?? 'originalPath'
  if (s === 'originalPath') return 'fail'
  if (s === 'fallbackToRoot') return 'root'
  throw new SmhError(400, 'ParamInvalid', 'restore_path_strategy must be originalPath or fallbackToRoot')
}

export function orderTypeParam(q: Query, def: SortOrder): SortOrder {
  const s = str(q, 'order_by_type')
  if (s === undefined) return def
  if (s !== 'asc' && s !== 'desc') throw new SmhError(400, 'OrderByTypeNotAllowed', 'order_by_type must be asc or desc')
  return s
}

const TRASH_SORT: Record<string, TrashSortKey> = { name: 'name', modificationTime: 'modified', size: 'size', removalTime: 'removed', remainingTime: 'remaining' }

/** Recycle-bin `order_by`. SMH leaves the order unspecified without it; we use newest removal first. */
export function trashSortParam(q: Query): { sort: TrashSortKey; order: SortOrder } {
  const s = str(q, 'order_by')
  if (s === undefined) return { sort: 'removed', order: orderTypeParam(q, 'desc') }
  const sort = TRASH_SORT[s]
  if (!sort) throw new SmhError(400, 'OrderByNotAllowed', `order_by must be one of ${Object.keys(TRASH_SORT).join(', ')}`)
  return { sort, order: orderTypeParam(q, 'asc') }
}

// localCreationTime / localModificationTime are not stored separately: they map to the server's times.
const DIR_SORT: Record<string, NodeSortKey> = {
  name: 'name',
  modificationTime: 'modified',
  size: 'size',
  creationTime: 'created',
  localCreationTime: 'created',
  localModificationTime: 'modified',
}

export function dirSortParam(q: Query): { sort: NodeSortKey; order: SortOrder } {
  const s = str(q, 'order_by') ?? 'name'
  const sort = DIR_SORT[s]
  if (!sort) throw new SmhError(400, 'OrderByNotAllowed', `order_by must be one of ${Object.keys(DIR_SORT).join(', ')}`)
  return { sort, order: orderTypeParam(q, 'asc') }
}

export type Paging = { mode: 'page'; page: number; pageSize: number } | { mode: 'marker'; marker: string | undefined; limit: number }

/** page + page_size, or marker + limit; never both (https://www-sg.tencentcloud.com/document/product/1283/75463). */
export function pagingParam(q: Query, limits: { pageSizeMax: number; limitDefault: number; limitMax: number }): Paging {
  const pageMode = str(q, 'page') !== undefined || str(q, 'page_size') !== undefined
  const markerMode = str(q, 'marker') !== undefined || str(q, 'limit') !== undefined
  if (pageMode && markerMode) throw new SmhError(400, 'ParamInvalid', 'page/page_size and marker/limit cannot be used together')
  if (markerMode) return { mode: 'marker', marker: str(q, 'marker'), limit: intParam(q, 'limit', { min: 1, max: limits.limitMax }) ?? limits.limitDefault }
  return { mode: 'page', page: intParam(q, 'page', { min: 1, max: Number.MAX_SAFE_INTEGER }) ?? 1, pageSize: intParam(q, 'page_size', { min: 0, max: limits.pageSizeMax }) ?? 20 }
}

/** SMH `grant` (comma list; empty = read-only) → core grants. Grants Trove does not model are refused by name. */
export function grantsParam(raw: string | undefined): Grant[] {
  const names = (raw ?? '').split(',').map((g) => g.trim()).filter(Boolean)
  const unknown = names.filter((g) => !(GRANTS as readonly string[]).includes(g))
  if (unknown.length) throw new SmhError(400, 'ParamInvalid', `Unsupported grant(s): ${unknown.join(', ')}; supported: ${GRANTS.join(', ')}`)
  return [...new Set(names)] as Grant[]
}

/**
 * With the bin disabled, SMH deletes permanently under the plain `delete_file` / `delete_directory` grants
 * (https://www.tencentcloud.com/document/product/1283/75444: "delete_file (recycle bin off or permanent=0)").
 * The core asks for the `_permanent` grant whenever a delete is permanent, so the adapter widens the grant for that
 * one call, and only when the space's bin is off.
 */
export function deleteActor(actor: Actor, recycleBinEnabled: boolean): Actor {
  if (recycleBinEnabled) return actor
  const extra: Grant[] = []
  if (actor.grants.includes('delete_file')) extra.push('delete_file_permanent')
  if (actor.grants.includes('delete_directory')) extra.push('delete_directory_permanent')
  return extra.length ? { ...actor, grants: [...new Set([...actor.grants, ...extra])] } : actor
}

/** A JSON array of recycledItemId numbers (numeric strings are accepted too). */
export function idArrayBody(body: unknown): string[] {
  if (body === undefined || body === null) throw new SmhError(400, 'NoItemsProvided', 'Send a JSON array of recycledItemId numbers')
  if (!Array.isArray(body)) throw new SmhError(400, 'ParamInvalid', 'The body must be a JSON array of recycledItemId numbers')
  if (!body.length) throw new SmhError(400, 'NoItemsProvided', 'The array is empty')
  if (body.length > 1000) throw new SmhError(400, 'TooManyItems', 'At most 1000 items per request')
  return body.map((v) => {
    if ((typeof v === 'number' && Number.isSafeInteger(v) && v > 0) || (typeof v === 'string' && /^[1-9]\d{0,15}$/.test(v))) return String(v)
    throw new SmhError(400, 'ParamInvalid', 'Every item must be a recycledItemId number')
  })
}
