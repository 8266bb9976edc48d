import type { Db } from '../db/database.ts'
import { TOKEN_COLUMNS } from '../db/columns.ts'

export interface User {
  libraryId: string
  id: string
  passwordHash: string | null
  createdAt: number
}

export interface TokenRow {
  tokenHash: string
  libraryId: string
  userId: string
  spaceIds: string[] | null
  grants: string[]
  periodSeconds: number
  expiresAt: number
}

export class UsersRepository {
  constructor(private readonly db: Db) {}

  async find(libraryId: string, id: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('library_id', '=', libraryId).where('id', '=', id).executeTakeFirst()
    return row && { libraryId: row.library_id, id: row.id, passwordHash: row.password_hash, createdAt: row.created_at }
  }

  /** Creates the user unless it exists; returns true when created. */
  async ensure(libraryId: string, id: string, now: number): Promise<boolean> {
    const res = await this.db
      .insertInto('users')
      .values({ library_id: libraryId, id, password_hash: null, created_at: now })
      .onConflict((oc) => oc.columns(['library_id', 'id']).doNothing())
      .executeTakeFirst()
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0
  }

  async setPassword(libraryId: string, id: string, passwordHash: string): Promise<void> {
    await this.db.updateTable('users').set({ password_hash: passwordHash }).where('library_id', '=', libraryId).where('id', '=', id).execute()
  }

  async insertToken(t: TokenRow, now: number): Promise<void> {
    await this.db
      .insertInto('tokens')
      .values({
        token_hash: t.tokenHash,
        library_id: t.libraryId,
        user_id: t.userId,
        space_ids: t.spaceIds ? JSON.stringify(t.spaceIds) : null,
        grants: JSON.stringify(t.grants),
        period_seconds: t.periodSeconds,
        expires_at: t.expiresAt,
        created_at: now,
      })
      .execute()
  }

  async findToken(tokenHash: string): Promise<TokenRow | undefined> {
    const row = await this.db.selectFrom('tokens').select(TOKEN_COLUMNS).where('token_hash', '=', tokenHash).executeTakeFirst()
    return (
      row && {
        tokenHash: row.token_hash,
        libraryId: row.library_id,
        userId: row.user_id,
        spaceIds: row.space_ids ? (JSON.parse(row.space_ids) as string[]) : null,
        grants: JSON.parse(row.grants) as string[],
        periodSeconds: row.period_seconds,
        expiresAt: row.expires_at,
      }
    )
  }

  async renewToken(tokenHash: string, expiresAt: number): Promise<void> {
    await this.db.updateTable('tokens').set({ expires_at: expiresAt }).where('token_hash', '=', tokenHash).execute()
  }

  async deleteToken(tokenHash: string): Promise<number> {
    const res = await this.db.deleteFrom('tokens').where('token_hash', '=', tokenHash).executeTakeFirst()
    return Number(res.numDeletedRows)
  }

  async deleteUserTokens(libraryId: string, userId: string): Promise<number> {
    const res = await this.db.deleteFrom('tokens').where('library_id', '=', libraryId).where('user_id', '=', userId).executeTakeFirst()
    return Number(res.numDeletedRows)
  }
}
