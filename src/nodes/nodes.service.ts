import type { Readable } from 'node:stream'
import type { Store, Repos } from '../db/store.ts'
import type { Clock } from '../shared/clock.ts'
import { DomainError, invalid } from '../shared/errors.ts'
import { validateName, validateNameFilter } from '../shared/names.ts'
import { parseDecimalId } from '../shared/ids.ts'
import { decodeCursor, encodeCursor, type Page } from '../shared/cursor.ts'
import { parseRangeHeader } from '../shared/byte-range.ts'
import { authorize } from '../access/authorize.ts'
import type { Actor } from '../access/grants.ts'
import { BlobSizeMismatchError, BlobTooLargeError, type BlobStore, type StagedBlob } from '../blobs/blob-store.ts'
import type { SpacesService } from '../spaces/spaces.service.ts'
import type { BlobGarbageCollector } from '../blobs/blob-gc.ts'
import type { Space } from '../spaces/spaces.repository.ts'
import { trashNode } from '../trash/trash-ops.ts'
import { planName } from './naming.ts'
import { SORT_COLUMNS } from './nodes.repository.ts'
import { sortKeyOf, type ConflictPolicy, type DriveNode, type NodeSortKey, type SortOrder } from './node.ts'

export const MAX_PAGE = 1000
export const MAX_COPY_ITEMS = 10_000
const SHA256_HEX = /^[0-9a-f]{64}$/

export interface UploadInput {
  parentId: string
  name: string
  body: Readable
  /** Declared size (e.g. Content-Length): checked against the quota before any byte is read, and against what arrives. */
  sizeBytes?: number
  /** Expected SHA-256 (hex): the upload is refused if the bytes do not match. */
  sha256?: string
  contentType?: string
  onConflict?: ConflictPolicy
}

export interface ListOptions {
  sort?: NodeSortKey
  order?: SortOrder
  limit?: number
  cursor?: string
}

export interface Download {
  node: DriveNode
  etag: string
  totalBytes: number
  range: { start: number; end: number } | null
  body: Readable
}

/** Folders and files: create, upload, read, list, rename, move, copy, search. */
export class NodesService {
  constructor(private readonly deps: { store: Store; clock: Clock; blobs: BlobStore; spaces: SpacesService; gc?: BlobGarbageCollector }) {}

  /** Resolves `root` or a decimal id to a visible node of the space. */
  async visibleNode(space: Space, nodeId: string | number, r: Repos = this.deps.store.repos): Promise<DriveNode> {
    return this.findOrNotFound(space, nodeId, (id) => r.nodes.findVisible(Number(space.id), id))
  }

  /** visibleNode with the names of its path (for a recycle entry's original path), in one round trip. */
  async visibleNodeWithPath(space: Space, nodeId: string | number, r: Repos = this.deps.store.repos): Promise<{ node: DriveNode; pathNames: string[] }> {
    return this.findOrNotFound(space, nodeId, (id) => r.nodes.findVisibleWithPath(Number(space.id), id))
  }

  private async findOrNotFound<T>(space: Space, nodeId: string | number, find: (id: number) => Promise<T | undefined>): Promise<T> {
    const id = nodeId === 'root' ? space.rootNodeId : parseDecimalId(nodeId)
    const found = id === null ? undefined : await find(id)
    if (!found) throw new DomainError('node.not_found', `Node ${nodeId} does not exist in space ${space.id}`, { id: String(nodeId) })
    return found
  }

  async visibleFolder(space: Space, nodeId: string | number, r: Repos = this.deps.store.repos): Promise<DriveNode> {
    const node = await this.visibleNode(space, nodeId, r)
    if (node.kind !== 'folder') throw new DomainError('node.not_a_folder', `Node ${nodeId} is a file, not a folder`, { id: String(nodeId) })
    return node
  }

  async get(actor: Actor, spaceId: string, nodeId: string): Promise<DriveNode & { path: string }> {
    const space = await this.deps.spaces.load(actor, spaceId)
    const node = await this.visibleNode(space, nodeId)
    return { ...node, path: await this.pathOf(node.id) }
  }

  async pathOf(nodeId: number): Promise<string> {
    return '/' + (await this.deps.store.repos.nodes.pathNames(nodeId)).join('/')
  }

  /** Walks a `/a/b/c` path from the space root through live children; null when any step is missing. */
  async resolvePath(actor: Actor, spaceId: string, path: string): Promise<DriveNode | null> {
    const space = await this.deps.spaces.load(actor, spaceId)
    let node = await this.visibleNode(space, 'root')
    for (const part of path.split('/').filter(Boolean)) {
      const child = await this.deps.store.repos.nodes.findLiveChild(node.id, part)
      if (!child) return null
      node = child
    }
    return node
  }

  async createFolder(actor: Actor, spaceId: string, parentId: string, name: string, onConflict: ConflictPolicy = 'fail'): Promise<DriveNode> {
    const space = await this.deps.spaces.load(actor, spaceId, 'create_directory')
    validateName(name)
    if (onConflict === 'overwrite') throw invalid('A folder cannot overwrite; use fail or rename')
    const now = this.deps.clock.now()
    const folder = await this.withNameRetry(() =>
      this.deps.store.transaction(async (r) => {
        await r.spaces.lockForWrite([Number(space.id)])
        const parent = await this.visibleFolder(space, parentId, r)
        const plan = await planName(r, parent.id, name, 'folder', onConflict)
        const id = await r.nodes.insert({ spaceId: Number(space.id), parentId: parent.id, name: plan.name, kind: 'folder', sizeBytes: 0, contentType: null, blobSha256: null, createdBy: actor.userId, now })
        await r.nodes.adjustAncestors(parent.id, 0, 1, now)
        return (await r.nodes.find(Number(space.id), id))!
      }),
    )
    return folder
  }

  /**
   * Streams the body to staging while hashing, then commits metadata in one transaction. Over quota, a wrong size or a
   * wrong checksum is refused before commit and leaves no bytes behind.
   */
  async upload(actor: Actor, spaceId: string, input: UploadInput): Promise<DriveNode> {
    const space = await this.deps.spaces.load(actor, spaceId, 'upload_file')
    validateName(input.name)
    const policy = input.onConflict ?? 'fail'
    if (input.sha256 !== undefined && !SHA256_HEX.test(input.sha256)) throw invalid('sha256 must be 64 lowercase hex characters')
    if (input.sizeBytes !== undefined && (!Number.isSafeInteger(input.sizeBytes) || input.sizeBytes < 0)) throw invalid('size must be a non-negative integer')
    const parent = await this.visibleFolder(space, input.parentId)
    if (policy === 'fail' && (await this.deps.store.repos.nodes.findLiveChild(parent.id, input.name))) {
      throw new DomainError('node.name_conflict', `\`${input.name}\` already exists in this folder`, { name: input.name })
    }
    const available = space.quotaBytes === null ? undefined : Math.max(0, space.quotaBytes - space.liveBytes - space.trashBytes)
    if (available !== undefined && input.sizeBytes !== undefined && input.sizeBytes > available) throw quotaExceeded(input.sizeBytes, available)

    const staged = await this.stage(input, available)
    let published = false
    try {
      if (input.sha256 && input.sha256 !== staged.sha256) {
        throw new DomainError('upload.checksum_mismatch', 'The uploaded bytes do not match the given SHA-256', { expected: input.sha256, actual: staged.sha256 })
      }
      // Bytes first, then the row: a crash in between leaves an unreferenced blob (swept), never a row without bytes.
      await this.deps.blobs.publish(staged)
      published = true
      const node = await this.withNameRetry(() => this.commitUpload(actor, space, parent.id, input, staged, policy))
      // Again: a blob GC that ran between publish and commit may have removed the bytes of an unreferenced twin.
      await this.deps.blobs.publish(staged)
      return node
    } catch (e) {
      if (published) {
        await this.deps.store.transaction((r) => r.blobs.queueIfUnreferenced(staged.sha256, staged.sizeBytes, this.deps.clock.now()))
        await this.deps.gc?.collect()
      }
      throw e
    } finally {
      await this.deps.blobs.discard(staged)
    }
  }

  private async stage(input: UploadInput, available: number | undefined): Promise<StagedBlob> {
    try {
      return await this.deps.blobs.stage(input.body, { maxBytes: available, expectedSize: input.sizeBytes })
    } catch (e) {
      if (e instanceof BlobTooLargeError) throw quotaExceeded(undefined, available ?? 0)
      if (e instanceof BlobSizeMismatchError) throw new DomainError('upload.size_mismatch', 'The number of bytes received differs from the declared size', { declared: input.sizeBytes })
      throw e
    }
  }

  private async commitUpload(actor: Actor, space: Space, parentId: number, input: UploadInput, staged: StagedBlob, policy: ConflictPolicy): Promise<DriveNode> {
    const now = this.deps.clock.now()
    const spaceId = Number(space.id)
    return this.deps.store.transaction(async (r) => {
      await r.spaces.lockForWrite([spaceId])
      const parent = await this.visibleFolder(space, parentId, r)
      const plan = await planName(r, parent.id, input.name, 'file', policy)
      if (plan.replaces) {
        authorize(actor, space, 'delete_file')
        const fresh = (await r.spaces.find(spaceId))!
        await trashNode(r, { space: fresh, node: plan.replaces, userId: actor.userId, now, permanent: false })
      }
      if (!(await r.spaces.chargeLive(spaceId, staged.sizeBytes))) throw quotaExceeded(staged.sizeBytes, undefined)
      await r.blobs.addRef(staged.sha256, staged.sizeBytes, now)
      const id = await r.nodes.insert({
        spaceId,
        parentId: parent.id,
        name: plan.name,
        kind: 'file',
        sizeBytes: staged.sizeBytes,
        contentType: input.contentType || null,
        blobSha256: staged.sha256,
        createdBy: actor.userId,
        now,
      })
      await r.nodes.adjustAncestors(parent.id, staged.sizeBytes, 1, now)
      return (await r.nodes.find(spaceId, id))!
    })
  }

  async download(actor: Actor, spaceId: string, nodeId: string, rangeHeader?: string): Promise<Download> {
    const space = await this.deps.spaces.load(actor, spaceId)
    const node = await this.visibleNode(space, nodeId)
    if (node.kind !== 'file' || !node.blobSha256) throw new DomainError('node.is_folder', `Node ${nodeId} is a folder; only files can be downloaded`, { id: nodeId })
    const parsed = parseRangeHeader(rangeHeader, node.sizeBytes)
    if (parsed.kind === 'unsatisfiable') {
      throw new DomainError('range.not_satisfiable', `The requested range is outside the file (${node.sizeBytes} bytes)`, { sizeBytes: node.sizeBytes })
    }
    const range = parsed.kind === 'partial' ? { start: parsed.start, end: parsed.end } : null
    const body = await this.deps.blobs.get(node.blobSha256, range ?? undefined)
    return { node, etag: `"${node.blobSha256}"`, totalBytes: node.sizeBytes, range, body }
  }

  async list(actor: Actor, spaceId: string, folderId: string, opts: ListOptions = {}): Promise<Page<DriveNode> & { folder: DriveNode }> {
    const space = await this.deps.spaces.load(actor, spaceId)
    const folder = await this.visibleFolder(space, folderId)
    const sort = opts.sort ?? 'name'
    const order = opts.order ?? 'asc'
    if (!(sort in SORT_COLUMNS)) throw invalid(`sort must be one of ${Object.keys(SORT_COLUMNS).join(', ')}`)
    const limit = clampLimit(opts.limit)
    const sortTag = `${sort}:${order}`
    const after = opts.cursor ? decodeCursor(opts.cursor, sortTag) : undefined
    const rows = await this.deps.store.repos.nodes.listChildren(folder.id, { sort, order, limit: limit + 1, after: after && { key: after.k, id: after.i } })
    const items = rows.slice(0, limit)
    const last = items.at(-1)
    const nextCursor = rows.length > limit && last ? encodeCursor({ s: sortTag, k: sortKeyOf(last, sort), i: last.id }) : null
    return { folder, items, nextCursor }
  }

  async countChildren(actor: Actor, spaceId: string, folderId: string): Promise<{ files: number; folders: number }> {
    const space = await this.deps.spaces.load(actor, spaceId)
    const folder = await this.visibleFolder(space, folderId)
    return this.deps.store.repos.nodes.countChildren(folder.id)
  }

  /** Rename and/or move. Moving a folder rewrites its subtree's ancestry (O(subtree)); a rename is O(1). */
  async update(actor: Actor, spaceId: string, nodeId: string, change: { name?: string; parentId?: string; onConflict?: ConflictPolicy }): Promise<DriveNode> {
    const space = await this.deps.spaces.load(actor, spaceId)
    if (change.name !== undefined) validateName(change.name)
    const now = this.deps.clock.now()
    const spaceNum = Number(space.id)
    return this.withNameRetry(() =>
      this.deps.store.transaction(async (r) => {
        await r.spaces.lockForWrite([spaceNum])
        const node = await this.visibleNode(space, nodeId, r)
        authorize(actor, space, node.kind === 'file' ? 'upload_file' : 'create_directory')
        if (node.parentId === null) throw new DomainError('node.root_immutable', 'The root folder cannot be renamed or moved')
        const target = change.parentId !== undefined ? await this.visibleFolder(space, change.parentId, r) : await this.visibleFolder(space, node.parentId, r)
        const moving = target.id !== node.parentId
        const name = change.name ?? node.name
        if (!moving && name === node.name) return node
        if (moving && node.kind === 'folder' && (await r.nodes.isAncestorOrSelf(node.id, target.id))) {
          throw new DomainError('node.move_into_itself', 'A folder cannot be moved into itself or one of its subfolders')
        }
        const plan = await planName(r, target.id, name, node.kind, change.onConflict ?? 'fail')
        if (plan.replaces) {
          authorize(actor, space, 'delete_file')
          await trashNode(r, { space: (await r.spaces.find(spaceNum))!, node: plan.replaces, userId: actor.userId, now, permanent: false })
        }
        if (moving) {
          await r.nodes.adjustAncestors(node.parentId, -node.sizeBytes, -(node.itemCount + 1), now)
          await r.nodes.reparent(node.id, target.id, plan.name)
          await r.nodes.adjustAncestors(target.id, node.sizeBytes, node.itemCount + 1, now)
        } else {
          await r.nodes.rename(node.id, plan.name, now)
        }
        // Read inside the transaction: a purge right after the commit must not turn a success into a 500.
        return (await r.nodes.find(spaceNum, node.id))!
      }),
    )
  }

  /** Copies a file (sharing its blob) or a folder of up to MAX_COPY_ITEMS items; the copy is charged to the quota. */
  async copy(actor: Actor, spaceId: string, nodeId: string, to: { parentId: string; name?: string; onConflict?: ConflictPolicy }): Promise<DriveNode> {
    const space = await this.deps.spaces.load(actor, spaceId, 'upload_file')
    if (to.name !== undefined) validateName(to.name)
    const now = this.deps.clock.now()
    const spaceNum = Number(space.id)
    const copy = await this.withNameRetry(() =>
      this.deps.store.transaction(async (r) => {
        await r.spaces.lockForWrite([spaceNum])
        const node = await this.visibleNode(space, nodeId, r)
        if (node.parentId === null) throw invalid('The root folder cannot be copied')
        const target = await this.visibleFolder(space, to.parentId, r)
        if (node.kind === 'folder' && (await r.nodes.isAncestorOrSelf(node.id, target.id))) {
          throw new DomainError('node.move_into_itself', 'A folder cannot be copied into itself')
        }
        const policy = to.onConflict ?? 'rename'
        const plan = await planName(r, target.id, to.name ?? node.name, node.kind, policy === 'overwrite' ? 'fail' : policy)
        const below = node.kind === 'folder' ? await r.nodes.subtree(node.id, MAX_COPY_ITEMS) : []
        if (below.length > MAX_COPY_ITEMS) throw invalid(`A folder with more than ${MAX_COPY_ITEMS} items cannot be copied in one request`)
        if (!(await r.spaces.chargeLive(spaceNum, node.sizeBytes))) throw quotaExceeded(node.sizeBytes, undefined)
        const copyOf = async (n: DriveNode, parentId: number, name: string) => {
          if (n.blobSha256) await r.blobs.addRef(n.blobSha256, n.sizeBytes, now)
          return r.nodes.insert({
            spaceId: spaceNum,
            parentId,
            name,
            kind: n.kind,
            sizeBytes: n.sizeBytes,
            contentType: n.contentType,
            blobSha256: n.blobSha256,
            createdBy: actor.userId,
            now,
            aggregate: n.kind === 'folder' ? { sizeBytes: n.sizeBytes, itemCount: n.itemCount } : undefined,
          })
        }
        const rootCopy = await copyOf(node, target.id, plan.name)
        const mapped = new Map<number, number>([[node.id, rootCopy]])
        for (const n of below) mapped.set(n.id, await copyOf(n, mapped.get(n.parentId!)!, n.name))
        await r.nodes.adjustAncestors(target.id, node.sizeBytes, node.itemCount + 1, now)
        // Read inside the transaction: a purge right after the commit must not turn a success into a 500.
        return (await r.nodes.find(spaceNum, rootCopy))!
      }),
    )
    return copy
  }

  async search(actor: Actor, spaceId: string, opts: { query: string; limit?: number; cursor?: string; kind?: DriveNode['kind'] }): Promise<Page<DriveNode>> {
    const space = await this.deps.spaces.load(actor, spaceId)
    if (!opts.query) throw invalid('A search needs a non-empty query')
    validateNameFilter(opts.query, 'A search query')
    const limit = clampLimit(opts.limit)
    const after = opts.cursor ? decodeCursor(opts.cursor, 'search') : undefined
    const rows = await this.deps.store.repos.nodes.search(Number(space.id), opts.query, limit + 1, after && { key: String(after.k), id: after.i }, opts.kind)
    const items = rows.slice(0, limit)
    const last = items.at(-1)
    return { items, nextCursor: rows.length > limit && last ? encodeCursor({ s: 'search', k: last.name, i: last.id }) : null }
  }

  /**
   * A node of the space whatever its state, and whether it is visible: lets a transport tell "in the recycle bin"
   * (a trashed entry root, or a node under one) from "does not exist". Null when the space has no such node.
   */
  async inspect(actor: Actor, spaceId: string, nodeId: string | number): Promise<{ node: DriveNode; visible: boolean } | null> {
    const space = await this.deps.spaces.load(actor, spaceId)
    const id = nodeId === 'root' ? space.rootNodeId : parseDecimalId(nodeId)
    const node = id === null ? undefined : await this.deps.store.repos.nodes.find(Number(space.id), id)
    if (!node) return null
    return { node, visible: !!(await this.deps.store.repos.nodes.findVisible(Number(space.id), node.id)) }
  }

  /** A visible node and its ancestors, from the space root down to the node itself (ids and names). */
  async ancestry(actor: Actor, spaceId: string, nodeId: string): Promise<DriveNode[]> {
    const space = await this.deps.spaces.load(actor, spaceId)
    let node: DriveNode | undefined = await this.visibleNode(space, nodeId)
    const chain: DriveNode[] = []
    while (node) {
      chain.unshift(node)
      node = node.parentId === null ? undefined : await this.deps.store.repos.nodes.find(Number(space.id), node.parentId)
    }
    return chain
  }

  /** Two requests may pick the same free name at once; the unique index refuses one, which then tries again. */
  private async withNameRetry<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn()
      } catch (e) {
        if (!this.deps.store.isUniqueViolation(e)) throw e
        if (attempt >= 3) throw new DomainError('node.name_conflict', 'The name was taken by a concurrent request', {}, { cause: e })
      }
    }
  }
}

export function clampLimit(limit: number | undefined, def = 100): number {
  if (limit === undefined) return def
  if (!Number.isInteger(limit) || limit < 1) throw invalid('limit must be a positive integer')
  return Math.min(limit, MAX_PAGE)
}


function quotaExceeded(requested: number | undefined, available: number | undefined): DomainError {
  return new DomainError('quota.exceeded', 'Not enough space left in the quota for this upload', { requestedBytes: requested ?? null, availableBytes: available ?? null })
}
