import { sql } from 'kysely'
import type { Db } from '../db/database.ts'

/** Set-based statements that remove everything a space holds. Used only when a space itself is deleted. */
export class SpaceDeletionRepository {
  constructor(private readonly db: Db) {}

  /** True when the space holds nothing: no node besides its root and no recycle entry in any state. */
  async isEmpty(spaceId: number): Promise<boolean> {
    const node = await this.db.selectFrom('nodes').select('id').where('space_id', '=', spaceId).where('parent_id', 'is not', null).limit(1).executeTakeFirst()
    if (node) return false
    const entry = await this.db.selectFrom('recycle_entries').select('id').where('space_id', '=', spaceId).limit(1).executeTakeFirst()
    return !entry
  }

  /**
   * Deletes every node (closure rows first), recycle entry and album of the space. Returns the blob references held by
   * the node rows this call deleted, for the caller to release in the same transaction.
   */
  async deleteContents(spaceId: number): Promise<Map<string, number>> {
    await sql`delete from node_ancestors where node_id in (select id from nodes where space_id = ${spaceId})`.execute(this.db)
    const rows = await this.db.deleteFrom('nodes').where('space_id', '=', spaceId).returning(['blob_sha256']).execute()
    await this.db.deleteFrom('recycle_entries').where('space_id', '=', spaceId).execute()
    await sql`delete from album_items where album_id in (select id from albums where space_id = ${spaceId})`.execute(this.db)
    await this.db.deleteFrom('albums').where('space_id', '=', spaceId).execute()
    const refs = new Map<string, number>()
    for (const r of rows) if (r.blob_sha256) refs.set(r.blob_sha256, (refs.get(r.blob_sha256) ?? 0) + 1)
    return refs
  }
}
