import type { Kysely } from 'kysely'
import type { DB } from './schema.ts'

/** Tables of migration 006 (see migrations/006-sessions.ts). Repositories reach them through `db.withTables<Tables006>()`. */
export type SessionsTable = {
  /** SHA-256 (hex) of the cookie value; the value itself is never stored. */
  id_hash: string
  library_id: string
  user_id: string
  /** JSON array of grants, fixed at sign-in. */
  grants: string
  /** JSON array of space ids, or null for every space of the library. */
  space_ids: string | null
  csrf_token: string
  created_at: number
  /** Sliding: pushed forward on use. */
  expires_at: number
  /** Fixed at sign-in: a session never lives longer than this, however often it is used. */
  absolute_expires_at: number
}

export type Tables006 = {
  sessions: SessionsTable
}

export type Db006 = Kysely<DB & Tables006>
