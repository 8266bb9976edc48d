import { sql } from 'kysely'
import type { Db } from '../db/database.ts'

/** Reference counts of content-addressed blobs. Bytes are deleted only after the count reached zero and the row is gone. */
export class BlobsRepository {
  constructor(private readonly db: Db) {}

  /** One more reference; creates the row if new and takes the blob off the GC queue if it was waiting there. */
  async addRef(sha256: string, sizeBytes: number, now: number, count = 1): Promise<void> {
    await this.db
      .insertInto('blobs')
      .values({ sha256, size_bytes: sizeBytes, ref_count: count, created_at: now })
      .onConflict((oc) => oc.column('sha256').doUpdateSet((eb) => ({ ref_count: eb('blobs.ref_count', '+', count) })))
      .execute()
    await this.db.deleteFrom('blob_gc').where('sha256', '=', sha256).execute()
  }

  /**
   * Releases references (counts per blob, from rows just deleted). One UPDATE … FROM (VALUES …) per 500 blobs (the same
   * SQL on both engines; a 500-branch CASE cost PostgreSQL 4× more per call), so a purge batch costs a few statements
   * whatever its size. Blobs that reach zero are queued for byte deletion.
   */
  async release(refs: Map<string, number>, now: number): Promise<void> {
    const entries = [...refs]
    for (let i = 0; i < entries.length; i += 500) {
      const chunk = entries.slice(i, i + 500)
      const shas = chunk.map(([sha]) => sha)
      // VALUES columns are named column1, column2 by both SQLite and PostgreSQL.
      const counts = sql.join(chunk.map(([sha, n]) => sql`(${sha}, cast(${n} as integer))`))
      await sql`update blobs set ref_count = blobs.ref_count - v.column2 from (values ${counts}) as v where blobs.sha256 = v.column1`.execute(this.db)
      await this.db
        .insertInto('blob_gc')
        .columns(['sha256', 'queued_at'])
        .expression((eb) => eb.selectFrom('blobs').select(['sha256', sql.lit(now).as('queued_at')]).where('sha256', 'in', shas).where('ref_count', '<=', 0))
        .onConflict((oc) => oc.column('sha256').doNothing())
        .execute()
    }
  }

  /**
   * Bytes were published but their upload failed: give them an unreferenced row and queue them, so the GC deletes them
   * under the same row lock that a concurrent upload of the same content would take (never behind its back).
   */
  async queueIfUnreferenced(sha256: string, sizeBytes: number, now: number): Promise<void> {
    await this.db
      .insertInto('blobs')
      .values({ sha256, size_bytes: sizeBytes, ref_count: 0, created_at: now })
      .onConflict((oc) => oc.column('sha256').doNothing())
      .execute()
    await this.db
      .insertInto('blob_gc')
      .columns(['sha256', 'queued_at'])
      .expression((eb) => eb.selectFrom('blobs').select(['sha256', sql.lit(now).as('queued_at')]).where('sha256', '=', sha256).where('ref_count', '<=', 0))
      .onConflict((oc) => oc.column('sha256').doNothing())
      .execute()
  }

  async gcQueue(limit: number): Promise<string[]> {
    const rows = await this.db.selectFrom('blob_gc').select('sha256').orderBy('sha256').limit(limit).execute()
    return rows.map((r) => r.sha256)
  }

  /** Of the given blobs, those still unreferenced; their rows are deleted (call inside the GC transaction). */
  async takeUnreferenced(shas: string[]): Promise<string[]> {
    if (!shas.length) return []
    // RETURNING: only rows this statement deleted count, so a blob re-referenced meanwhile keeps its bytes.
    const rows = await this.db.deleteFrom('blobs').where('sha256', 'in', shas).where('ref_count', '<=', 0).returning('sha256').execute()
    await this.db.deleteFrom('blob_gc').where('sha256', 'in', shas).execute()
    return rows.map((r) => r.sha256)
  }

  async exists(sha256: string): Promise<boolean> {
    return (await this.db.selectFrom('blobs').select('sha256').where('sha256', '=', sha256).executeTakeFirst()) !== undefined
  }

  async refCount(sha256: string): Promise<number | null> {
    const row = await this.db.selectFrom('blobs').select('ref_count').where('sha256', '=', sha256).executeTakeFirst()
    return row ? Number(row.ref_count) : null
  }
}
