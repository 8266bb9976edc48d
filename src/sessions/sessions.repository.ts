import type { Db } from '../db/database.ts'
import type { Db006, Tables006 } from '../db/schema-006.ts'

/** Browser sessions (web UI sign-ins), stored by the hash of their cookie value. */
export interface SessionRow {
  idHash: string
  libraryId: string
  userId: string
  grants: string[]
  spaceIds: string[] | null
  csrfToken: string
  createdAt: number
  expiresAt: number
  absoluteExpiresAt: number
}

export class SessionsRepository {
  private readonly db: Db006

  constructor(db: Db) {
    this.db = db.withTables<Tables006>()
  }

  async insert(s: SessionRow): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id_hash: s.idHash,
        library_id: s.libraryId,
        user_id: s.userId,
        grants: JSON.stringify(s.grants),
        space_ids: s.spaceIds ? JSON.stringify(s.spaceIds) : null,
        csrf_token: s.csrfToken,
        created_at: s.createdAt,
        expires_at: s.expiresAt,
        absolute_expires_at: s.absoluteExpiresAt,
      })
      .execute()
  }

  async find(idHash: string): Promise<SessionRow | undefined> {
    const r = await this.db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst()
    return (
      r && {
        idHash: r.id_hash,
        libraryId: r.library_id,
        userId: r.user_id,
        grants: JSON.parse(r.grants) as string[],
        spaceIds: r.space_ids ? (JSON.parse(r.space_ids) as string[]) : null,
        csrfToken: r.csrf_token,
        createdAt: Number(r.created_at),
        expiresAt: Number(r.expires_at),
        absoluteExpiresAt: Number(r.absolute_expires_at),
      }
    )
  }

  async renew(idHash: string, expiresAt: number): Promise<void> {
    await this.db.updateTable('sessions').set({ expires_at: expiresAt }).where('id_hash', '=', idHash).execute()
  }

  async delete(idHash: string): Promise<number> {
    const res = await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).executeTakeFirst()
    return Number(res.numDeletedRows)
  }

  async deleteExpired(now: number): Promise<number> {
    const res = await this.db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst()
    return Number(res.numDeletedRows)
  }

  /** The library of a server that holds exactly one, else null (which sign-in counter an attempt without a library id uses). */
  async onlyLibrary(): Promise<string | null> {
    const rows = await this.db.selectFrom('libraries').select('id').limit(2).execute()
    return rows.length === 1 ? rows[0].id : null
  }

  /** Libraries in which this user name has a password (sign-in without a library id). */
  async librariesWithPassword(userId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('users').select('library_id').where('id', '=', userId).where('password_hash', 'is not', null).execute()
    return rows.map((r) => r.library_id)
  }

  /**
   * The grants and space limits of the user's unexpired tokens. A session is admin only when one of them is an
   * unrestricted admin token (see SessionsService); tokens are where the server side grants `admin` today.
   */
  async liveTokenRights(libraryId: string, userId: string, now: number): Promise<{ grants: string[]; spaceIds: string[] | null }[]> {
    const rows = await this.db
      .selectFrom('tokens')
      .select(['grants', 'space_ids'])
      .where('library_id', '=', libraryId)
      .where('user_id', '=', userId)
      .where('expires_at', '>', now)
      .execute()
    return rows.map((r) => ({ grants: JSON.parse(r.grants) as string[], spaceIds: r.space_ids ? (JSON.parse(r.space_ids) as string[]) : null }))
  }
}
