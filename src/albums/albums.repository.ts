import type { Db } from '../db/database.ts'
import { visible, toNode } from '../nodes/nodes.repository.ts'
import type { DriveNode } from '../nodes/node.ts'

export interface Album {
  id: number
  spaceId: number
  name: string
  createdBy: string
  createdAt: number
  modifiedAt: number
}

export interface AlbumSummary extends Album {
  /** Visible files only: a file in the bin (or under a trashed folder) is not counted. */
  itemCount: number
  coverNodeId: number | null
}

export interface AlbumItem {
  node: DriveNode
  position: number
  addedAt: number
}

export class AlbumsRepository {
  constructor(private readonly db: Db) {}

  async insert(a: Omit<Album, 'id'>): Promise<number> {
    const row = await this.db
      .insertInto('albums')
      .values({ space_id: a.spaceId, name: a.name, created_by: a.createdBy, created_at: a.createdAt, modified_at: a.modifiedAt, next_position: 1 })
      .returning('id')
      .executeTakeFirstOrThrow()
    return Number(row.id)
  }

  async find(spaceId: number, id: number): Promise<Album | undefined> {
    const r = await this.db.selectFrom('albums').selectAll().where('id', '=', id).where('space_id', '=', spaceId).executeTakeFirst()
    return r && { id: Number(r.id), spaceId: Number(r.space_id), name: r.name, createdBy: r.created_by, createdAt: Number(r.created_at), modifiedAt: Number(r.modified_at) }
  }

  /** An album by id alone (album ids are unique across spaces); callers check access to its space. */
  async findById(id: number): Promise<Album | undefined> {
    const r = await this.db.selectFrom('albums').selectAll().where('id', '=', id).executeTakeFirst()
    return r && { id: Number(r.id), spaceId: Number(r.space_id), name: r.name, createdBy: r.created_by, createdAt: Number(r.created_at), modifiedAt: Number(r.modified_at) }
  }

  async rename(id: number, name: string, now: number): Promise<void> {
    await this.db.updateTable('albums').set({ name, modified_at: now }).where('id', '=', id).execute()
  }

  async touch(id: number, now: number): Promise<void> {
    await this.db.updateTable('albums').set({ modified_at: now }).where('id', '=', id).execute()
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('album_items').where('album_id', '=', id).execute()
    await this.db.deleteFrom('albums').where('id', '=', id).execute()
  }

  /** Albums of a space, newest first (keyset on id), with visible counts and covers computed through `visible()`. */
  async list(spaceId: number, limit: number, beforeId?: number): Promise<AlbumSummary[]> {
    let q = this.db.selectFrom('albums').selectAll().where('space_id', '=', spaceId)
    if (beforeId) q = q.where('id', '<', beforeId)
    const rows = await q.orderBy('id', 'desc').limit(limit).execute()
    const out: AlbumSummary[] = []
    for (const r of rows) out.push(await this.summarise({ id: Number(r.id), spaceId: Number(r.space_id), name: r.name, createdBy: r.created_by, createdAt: Number(r.created_at), modifiedAt: Number(r.modified_at) }))
    return out
  }

  async summarise(a: Album): Promise<AlbumSummary> {
    const count = await this.db
      .selectFrom('album_items as i')
      .innerJoin('nodes as n', 'n.id', 'i.node_id')
      .select((eb) => eb.fn.countAll<number>().as('c'))
      .where('i.album_id', '=', a.id)
      .where(visible('n'))
      .executeTakeFirstOrThrow()
    const cover = await this.db
      .selectFrom('album_items as i')
      .innerJoin('nodes as n', 'n.id', 'i.node_id')
      .select('n.id')
      .where('i.album_id', '=', a.id)
      .where(visible('n'))
      .orderBy('i.position')
      .limit(1)
      .executeTakeFirst()
    return { ...a, itemCount: Number(count.c), coverNodeId: cover ? Number(cover.id) : null }
  }

  /** Appends files not yet in the album; returns the node ids actually added. */
  async add(albumId: number, nodeIds: number[], now: number): Promise<number[]> {
    if (!nodeIds.length) return []
    const present = new Set(
      (await this.db.selectFrom('album_items').select('node_id').where('album_id', '=', albumId).where('node_id', 'in', nodeIds).execute()).map((r) => Number(r.node_id)),
    )
    const fresh = [...new Set(nodeIds)].filter((id) => !present.has(id))
    if (!fresh.length) return []
    const album = await this.db
      .updateTable('albums')
      .set((eb) => ({ next_position: eb('next_position', '+', fresh.length), modified_at: now }))
      .where('id', '=', albumId)
      .returning('next_position')
      .executeTakeFirstOrThrow()
    const first = Number(album.next_position) - fresh.length
    for (let i = 0; i < fresh.length; i += 500) {
      await this.db
        .insertInto('album_items')
        .values(fresh.slice(i, i + 500).map((nodeId, k) => ({ album_id: albumId, node_id: nodeId, position: first + i + k, added_at: now })))
        .execute()
    }
    return fresh
  }

  /** Removes memberships (never the files); returns how many were removed. */
  async remove(albumId: number, nodeIds: number[]): Promise<number> {
    if (!nodeIds.length) return 0
    const res = await this.db.deleteFrom('album_items').where('album_id', '=', albumId).where('node_id', 'in', nodeIds).executeTakeFirst()
    return Number(res.numDeletedRows)
  }

  /** Visible files of an album in album order, or its reverse (keyset on position). Trashed files drop out at once and return on restore. */
  async items(albumId: number, limit: number, afterPosition?: number, order: 'asc' | 'desc' = 'asc'): Promise<AlbumItem[]> {
    let q = this.db
      .selectFrom('album_items as i')
      .innerJoin('nodes as n', 'n.id', 'i.node_id')
      .selectAll('n')
      .select(['i.position as item_position', 'i.added_at as item_added_at'])
      .where('i.album_id', '=', albumId)
      .where(visible('n'))
    if (afterPosition !== undefined) q = q.where('i.position', order === 'asc' ? '>' : '<', afterPosition)
    const rows = await q.orderBy('i.position', order).limit(limit).execute()
    return rows.map((r) => ({ node: toNode(r), position: Number(r.item_position), addedAt: Number(r.item_added_at) }))
  }

  /** Purge drops the memberships of nodes that no longer exist (called in the purge transaction). */
  async dropNodes(nodeIds: number[]): Promise<void> {
    if (nodeIds.length) await this.db.deleteFrom('album_items').where('node_id', 'in', nodeIds).execute()
  }
}
