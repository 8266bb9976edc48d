import type { Store } from '../db/store.ts'
import type { Clock } from '../shared/clock.ts'
import { DomainError, invalid } from '../shared/errors.ts'
import { parseRangeHeader } from '../shared/byte-range.ts'
import type { Actor } from '../access/grants.ts'
import type { BlobStore } from '../blobs/blob-store.ts'
import type { SpacesService } from '../spaces/spaces.service.ts'
import type { TrashService, TrashListItem } from '../trash/trash.service.ts'
import type { NodesService, Download } from './nodes.service.ts'
import { MAX_PAGE } from './nodes.service.ts'
import type { SpaceNodeCounts } from './node-queries.repository.ts'
import type { DriveNode, NodeSortKey, SortOrder } from './node.ts'

export type { SpaceNodeCounts }

export interface FolderPageOptions {
  sort?: NodeSortKey
  order?: SortOrder
  foldersFirst?: boolean
  kind?: DriveNode['kind']
  offset?: number
  limit?: number
}

export interface FolderPage {
  folder: DriveNode
  items: DriveNode[]
  /** Direct live children of the folder, by kind. */
  files: number
  folders: number
}

/**
 * Reads the keyset listing does not serve: offset pages with folders first, per-space counts that include the bin,
 * the root nodes of bin entries (their creation time, content type) and the bytes of a file that is in the bin.
 */
export class NodeQueriesService {
  constructor(private readonly deps: { store: Store; clock: Clock; blobs: BlobStore; spaces: SpacesService; nodes: NodesService; trash: TrashService }) {}

  async listFolderPage(actor: Actor, spaceId: string, folderId: string, opts: FolderPageOptions = {}): Promise<FolderPage> {
    const space = await this.deps.spaces.load(actor, spaceId)
    const folder = await this.deps.nodes.visibleFolder(space, folderId)
    const offset = opts.offset ?? 0
    const limit = opts.limit ?? 100
    if (!Number.isSafeInteger(offset) || offset < 0) throw invalid('offset must be a non-negative integer')
    if (!Number.isInteger(limit) || limit < 0 || limit > MAX_PAGE) throw invalid(`limit must be an integer from 0 to ${MAX_PAGE}`)
    const counts = await this.deps.store.repos.nodes.countChildren(folder.id)
    const items = limit === 0 ? [] : await this.deps.store.repos.nodeQueries.listChildrenPage(folder.id, {
      sort: opts.sort ?? 'name',
      order: opts.order ?? 'asc',
      foldersFirst: opts.foldersFirst ?? false,
      kind: opts.kind,
      offset,
      limit,
    })
    return { folder, items, files: counts.files, folders: counts.folders }
  }

  async spaceCounts(actor: Actor, spaceId: string): Promise<SpaceNodeCounts> {
    const space = await this.deps.spaces.load(actor, spaceId)
    return this.deps.store.repos.nodeQueries.spaceCounts(Number(space.id))
  }

  /** The root node of each entry (entry id → node); entries whose node is gone are left out. */
  async entryRoots(actor: Actor, spaceId: string, entries: TrashListItem[]): Promise<Map<number, DriveNode>> {
    const space = await this.deps.spaces.load(actor, spaceId)
    const nodes = await this.deps.store.repos.nodeQueries.findMany(Number(space.id), entries.map((e) => e.rootNodeId))
    const byId = new Map(nodes.map((n) => [n.id, n]))
    const out = new Map<number, DriveNode>()
    for (const e of entries) {
      const n = byId.get(e.rootNodeId)
      if (n) out.set(e.id, n)
    }
    return out
  }

  /** Streams the content of a file entry that is in the bin (for previews before restoring). Honours one Range. */
  async openEntryContent(actor: Actor, spaceId: string, entryId: string, rangeHeader?: string): Promise<Download & { entry: TrashListItem }> {
    const entry = await this.deps.trash.get(actor, spaceId, entryId)
    const node = await this.deps.store.repos.nodes.find(entry.spaceId, entry.rootNodeId)
    if (!node || node.kind !== 'file' || !node.blobSha256) throw new DomainError('node.is_folder', `Entry ${entryId} is a folder; only files have content`, { id: entryId })
    const parsed = parseRangeHeader(rangeHeader, node.sizeBytes)
    if (parsed.kind === 'unsatisfiable') throw new DomainError('range.not_satisfiable', `The requested range is outside the file (${node.sizeBytes} bytes)`, { sizeBytes: node.sizeBytes })
    const range = parsed.kind === 'partial' ? { start: parsed.start, end: parsed.end } : null
    const body = await this.deps.blobs.get(node.blobSha256, range ?? undefined)
    return { entry, node, etag: `"${node.blobSha256}"`, totalBytes: node.sizeBytes, range, body }
  }
}
