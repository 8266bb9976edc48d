import type { Store, Repos } from '../db/store.ts'
import type { Clock } from '../shared/clock.ts'
import { DomainError, invalid } from '../shared/errors.ts'
import { parseDecimalId } from '../shared/ids.ts'
import type { Actor } from '../access/grants.ts'
import type { SpacesService } from '../spaces/spaces.service.ts'
import type { Space } from '../spaces/spaces.repository.ts'
import { decodeCursor, encodeCursor, type Page } from '../shared/cursor.ts'
import type { Album, AlbumItem, AlbumSummary } from './albums.repository.ts'

export const MAX_ALBUM_BATCH = 1000

export interface AddOutcome {
  added: string[]
  alreadyPresent: string[]
  rejected: { nodeId: string; code: string; message: string }[]
}

/**
 * Manual albums: named, ordered references to files of a space. An album owns no bytes: removing from it or deleting it
 * never touches a file. Trash-aware through the shared visibility predicate.
 */
export class AlbumsService {
  constructor(private readonly deps: { store: Store; clock: Clock; spaces: SpacesService }) {}

  async create(actor: Actor, spaceId: string, name: string): Promise<AlbumSummary> {
    const space = await this.deps.spaces.load(actor, spaceId, 'upload_file')
    const now = this.deps.clock.now()
    const id = await this.deps.store.repos.albums.insert({ spaceId: Number(space.id), name: validAlbumName(name), createdBy: actor.userId, createdAt: now, modifiedAt: now })
    return { ...(await this.album(space, String(id))), itemCount: 0, coverNodeId: null }
  }

  async get(actor: Actor, spaceId: string, albumId: string): Promise<AlbumSummary> {
    const space = await this.deps.spaces.load(actor, spaceId)
    return this.deps.store.repos.albums.summarise(await this.album(space, albumId))
  }

  async rename(actor: Actor, spaceId: string, albumId: string, name: string): Promise<AlbumSummary> {
    const space = await this.deps.spaces.load(actor, spaceId, 'upload_file')
    const album = await this.album(space, albumId)
    await this.deps.store.repos.albums.rename(album.id, validAlbumName(name), this.deps.clock.now())
    return this.get(actor, spaceId, albumId)
  }

  async list(actor: Actor, spaceId: string, opts: { limit?: number; cursor?: string } = {}): Promise<Page<AlbumSummary>> {
    const space = await this.deps.spaces.load(actor, spaceId)
    const limit = pageLimit(opts.limit)
    const before = opts.cursor ? decodeCursor(opts.cursor, 'albums').i : undefined
    const rows = await this.deps.store.repos.albums.list(Number(space.id), limit + 1, before)
    const items = rows.slice(0, limit)
    return { items, nextCursor: rows.length > limit ? encodeCursor({ s: 'albums', k: null, i: items.at(-1)!.id }) : null }
  }

  /** Deletes the album and its memberships; the files stay where they are. */
  async delete(actor: Actor, spaceId: string, albumId: string): Promise<void> {
    const space = await this.deps.spaces.load(actor, spaceId, 'upload_file')
    const album = await this.album(space, albumId)
    await this.deps.store.transaction((r) => r.albums.delete(album.id))
  }

  /** Adds visible files; folders, unknown ids and files in the bin are rejected per item. */
  async addItems(actor: Actor, spaceId: string, albumId: string, nodeIds: string[]): Promise<AddOutcome> {
    const space = await this.deps.spaces.load(actor, spaceId, 'upload_file')
    checkBatch(nodeIds)
    const now = this.deps.clock.now()
    return this.deps.store.transaction(async (r) => {
      const album = await this.album(space, albumId, r)
      const rejected: AddOutcome['rejected'] = []
      const candidates: number[] = []
      for (const raw of nodeIds) {
        const id = parseDecimalId(raw)
        const node = id === null ? undefined : await r.nodes.findVisible(Number(space.id), id)
        if (!node) rejected.push({ nodeId: raw, code: 'node.not_found', message: `File ${raw} does not exist (or is in the recycle bin)` })
        else if (node.kind !== 'file') rejected.push({ nodeId: raw, code: 'node.is_folder', message: `Node ${raw} is a folder; albums hold files` })
        else candidates.push(node.id)
      }
      const added = await r.albums.add(album.id, candidates, now)
      const addedSet = new Set(added)
      return { added: added.map(String), alreadyPresent: [...new Set(candidates)].filter((id) => !addedSet.has(id)).map(String), rejected }
    })
  }

  /** Removes files from the album (never deletes them). */
  async removeItems(actor: Actor, spaceId: string, albumId: string, nodeIds: string[]): Promise<{ removed: number }> {
    const space = await this.deps.spaces.load(actor, spaceId, 'upload_file')
    checkBatch(nodeIds)
    const album = await this.album(space, albumId)
    const ids = nodeIds.map((id) => parseDecimalId(id)).filter((id): id is number => id !== null)
    const removed = await this.deps.store.transaction(async (r) => {
      const n = await r.albums.remove(album.id, ids)
      if (n) await r.albums.touch(album.id, this.deps.clock.now())
      return n
    })
    return { removed }
  }

  async items(actor: Actor, spaceId: string, albumId: string, opts: { limit?: number; cursor?: string } = {}): Promise<Page<AlbumItem>> {
    return this.itemsInOrder(actor, spaceId, albumId, { limit: opts.limit, cursor: opts.cursor, order: 'asc' })
  }

  /** Visible files in album order (the order they were added, `asc`) or newest-added first (`desc`). */
  async itemsInOrder(actor: Actor, spaceId: string, albumId: string, opts: { limit?: number; cursor?: string; order: 'asc' | 'desc' }): Promise<Page<AlbumItem>> {
    const space = await this.deps.spaces.load(actor, spaceId)
    const album = await this.album(space, albumId)
    const limit = pageLimit(opts.limit)
    const order = opts.order
    if (order !== 'asc' && order !== 'desc') throw invalid('order must be asc or desc')
    // The ascending tag is the original one, so cursors handed out before `order` existed stay valid.
    const tag = order === 'asc' ? `album:${album.id}` : `album:${album.id}:desc`
    const after = opts.cursor ? decodeCursor(opts.cursor, tag).i : undefined
    const rows = await this.deps.store.repos.albums.items(album.id, limit + 1, after, order)
    const items = rows.slice(0, limit)
    return { items, nextCursor: rows.length > limit ? encodeCursor({ s: tag, k: null, i: items.at(-1)!.position }) : null }
  }

  /** The space an album belongs to, for transports that address albums by id alone. Hidden spaces report the album missing. */
  async spaceOf(actor: Actor, albumId: string): Promise<string> {
    const id = parseDecimalId(albumId)
    const album = id === null ? undefined : await this.deps.store.repos.albums.findById(id)
    if (!album) throw new DomainError('album.not_found', `Album ${albumId} does not exist`, { id: albumId })
    try {
      return (await this.deps.spaces.load(actor, album.spaceId)).id
    } catch (e) {
      if (e instanceof DomainError && e.code === 'space.not_found') throw new DomainError('album.not_found', `Album ${albumId} does not exist`, { id: albumId })
      throw e
    }
  }

  /** Pass the transaction's repos when inside one: on SQLite the outer connection is held by it. */
  private async album(space: Space, albumId: string, r: Repos = this.deps.store.repos): Promise<Album> {
    const id = parseDecimalId(albumId)
    const album = id === null ? undefined : await r.albums.find(Number(space.id), id)
    if (!album) throw new DomainError('album.not_found', `Album ${albumId} does not exist`, { id: albumId })
    return album
  }
}

function validAlbumName(name: string): string {
  const n = typeof name === 'string' ? name.trim() : ''
  if (!n || Buffer.byteLength(n) > 255 || /[\u0000-\u001f\u007f]/.test(n)) throw invalid('An album name is 1–255 bytes without control characters')
  return n
}

function checkBatch(ids: string[]): void {
  if (!ids.length) throw invalid('Name at least one file')
  if (ids.length > MAX_ALBUM_BATCH) throw new DomainError('album.too_many', `At most ${MAX_ALBUM_BATCH} files per request`)
}

function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return 100
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid('limit must be an integer from 1 to 1000')
  return limit
}
