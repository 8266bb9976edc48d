import type { Db } from '../db/database.ts'
import type { Db005, Tables005 } from '../db/schema-005.ts'

/** Extra checksums of content-addressed blobs. Keyed by SHA-256, so a row stays true for that content forever. */
export class BlobChecksumsRepository {
  private readonly db: Db005
  constructor(db: Db) {
    this.db = db.withTables<Tables005>()
  }

  async put(sha256: string, crc64: string): Promise<void> {
    await this.db
      .insertInto('blob_checksums')
      .values({ sha256, crc64 })
      .onConflict((oc) => oc.column('sha256').doNothing())
      .execute()
  }

  async crc64Of(sha256: string): Promise<string | null> {
    const row = await this.db.selectFrom('blob_checksums').select('crc64').where('sha256', '=', sha256).executeTakeFirst()
    return row?.crc64 ?? null
  }
}
