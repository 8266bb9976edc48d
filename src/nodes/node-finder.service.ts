import type { Store } from '../db/store.ts'
import { DomainError, invalid } from '../shared/errors.ts'
import { parseDecimalId } from '../shared/ids.ts'
import { decodeCursor, encodeCursor, type Page } from '../shared/cursor.ts'
import type { Actor } from '../access/grants.ts'
import type { SpacesService } from '../spaces/spaces.service.ts'
import type { Space } from '../spaces/spaces.repository.ts'
import { SORT_COLUMNS } from './nodes.repository.ts'
import { clampLimit } from './nodes.service.ts'
import { MAX_QUERY_NODES, type NodeQuery } from './node-query.ts'
import { sortKeyOf, type DriveNode, type NodeSortKey, type SortOrder } from './node.ts'

export interface FindOptions {
  where?: NodeQuery
  sort?: NodeSortKey
  order?: SortOrder
  limit?: number
  cursor?: string
  /** Also count every match (one more query over the same conditions). */
  withTotal?: boolean
}

/**
 * Where a node stands: `visible`; `in_bin` when it or a folder above it is in the recycle bin (`binRootId` is that
 * entry's root, `entryId` its entry); `purging` when that entry is being permanently deleted.
 */
export interface NodeLocation {
  node: DriveNode
  status: 'visible' | 'in_bin' | 'purging'
  binRootId: number | null
  entryId: number | null
}

/**
 * Reads that neither the folder listing nor the name search serve: structured conditions (name, kind, parent, size,
 * times, extension, content type, and/or/not) over the visible nodes of a space with keyset pages, and lookups that
 * explain why a node is not visible.
 */
export class NodeFinderService {
  constructor(private readonly deps: { store: Store; spaces: SpacesService }) {}

  async find(actor: Actor, spaceId: string, opts: FindOptions = {}): Promise<Page<DriveNode> & { total?: number }> {
    const space = await this.deps.spaces.load(actor, spaceId)
    const sort = opts.sort ?? 'name'
    const order = opts.order ?? 'asc'
    if (!(sort in SORT_COLUMNS)) throw invalid(`sort must be one of ${Object.keys(SORT_COLUMNS).join(', ')}`)
    if (order !== 'asc' && order !== 'desc') throw invalid('order must be asc or desc')
    const limit = clampLimit(opts.limit)
    const where = opts.where ? resolveFolders(opts.where, space) : null
    if (where && countNodes(where) > MAX_QUERY_NODES) throw invalid(`A query can have at most ${MAX_QUERY_NODES} conditions`)
    const sortTag = `find:${sort}:${order}`
    const after = opts.cursor ? decodeCursor(opts.cursor, sortTag) : undefined
    const repo = this.deps.store.repos.nodeFinder
    const rows = await repo.find(Number(space.id), { where, sort, order, limit: limit + 1, after: after && { key: after.k as string | number, id: after.i } })
    const items = rows.slice(0, limit)
    const last = items.at(-1)
    const nextCursor = rows.length > limit && last ? encodeCursor({ s: sortTag, k: sortKeyOf(last, sort), i: last.id }) : null
    return { items, nextCursor, ...(opts.withTotal ? { total: await repo.count(Number(space.id), where) } : {}) }
  }

  /** A node of the space whatever its state, and where it stands. Unknown ids (and the gone) are `node.not_found`. */
  async locate(actor: Actor, spaceId: string, nodeId: string): Promise<NodeLocation> {
    const space = await this.deps.spaces.load(actor, spaceId)
    const id = nodeId === 'root' ? space.rootNodeId : parseDecimalId(nodeId)
    const repos = this.deps.store.repos
    const node = id === null ? undefined : await repos.nodes.find(Number(space.id), id)
    if (!node) throw new DomainError('node.not_found', `Node ${nodeId} does not exist in space ${space.id}`, { id: nodeId })
    if (await repos.nodes.findVisible(Number(space.id), node.id)) return { node, status: 'visible', binRootId: null, entryId: null }
    // Walk up to the nearest node that is not live: the root of the recycle entry that hides this one. O(depth).
    for (let cur: DriveNode | undefined = node; cur; cur = cur.parentId === null ? undefined : await repos.nodes.find(Number(space.id), cur.parentId)) {
      if (cur.state !== 'live') {
        // The entry, not the root node, says whether it is still in the bin or being purged.
        const entry = cur.recycleEntryId === null ? undefined : await repos.trash.findById(cur.recycleEntryId)
        return { node, status: entry?.state === 'trashed' ? 'in_bin' : 'purging', binRootId: cur.id, entryId: cur.recycleEntryId }
      }
    }
    // A live chain up to a missing row: an ancestor was already purged, so this node goes with it.
    return { node, status: 'purging', binRootId: null, entryId: null }
  }

  /** Nodes of the space by id, whatever their state (e.g. the roots of recycle entries, to show their details). */
  async findMany(actor: Actor, spaceId: string, ids: number[]): Promise<Map<number, DriveNode>> {
    const space = await this.deps.spaces.load(actor, spaceId)
    const nodes = await this.deps.store.repos.nodeFinder.findMany(Number(space.id), [...new Set(ids)])
    return new Map(nodes.map((n) => [n.id, n]))
  }
}

function resolveFolders(q: NodeQuery, space: Space): NodeQuery {
  if ('and' in q) return { and: q.and.map((x) => resolveFolders(x, space)) }
  if ('or' in q) return { or: q.or.map((x) => resolveFolders(x, space)) }
  if ('not' in q) return { not: resolveFolders(q.not, space) }
  if (q.field === 'parentId' || q.field === 'id') return { ...q, value: q.value.map((v) => (v === 'root' ? String(space.rootNodeId) : v)) }
  return q
}

function countNodes(q: NodeQuery): number {
  if ('and' in q) return 1 + q.and.reduce((n, x) => n + countNodes(x), 0)
  if ('or' in q) return 1 + q.or.reduce((n, x) => n + countNodes(x), 0)
  if ('not' in q) return 1 + countNodes(q.not)
  return 1
}

