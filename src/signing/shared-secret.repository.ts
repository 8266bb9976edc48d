import type { Db } from '../db/database.ts'
import type { Db005, Tables005 } from '../db/schema-005.ts'

/** Row id of the installation-wide secret in `signing_keys` (shared with every other user of that table). */
const INSTALLATION_SECRET = 1

/** The installation secret for signed links, in the database so every node signs and verifies alike. */
export class SharedSecretRepository {
  private readonly db: Db005
  constructor(db: Db) {
    this.db = db.withTables<Tables005>()
  }

  /** Stores `candidate` unless a secret is already there; returns the secret in force (the first writer wins). */
  async getOrCreate(candidate: string, now: number): Promise<string> {
    await this.db
      .insertInto('signing_keys')
      .values({ id: INSTALLATION_SECRET, secret: candidate, created_at: now })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute()
    const row = await this.db.selectFrom('signing_keys').select('secret').where('id', '=', INSTALLATION_SECRET).executeTakeFirstOrThrow()
    return row.secret
  }
}
