import type { Kysely } from 'kysely'
import type { DialectKit } from '../dialects/kit.ts'

/**
 * What the web UI needed from the core:
 * - `sessions`: browser sign-ins, in the database so that every API node accepts the same cookie. Only the SHA-256 of
 *   the cookie value is stored; the CSRF value is not a secret from its own user and is stored as is.
 * - two more bin sort keys (original location, removed by), each with its own index like the other sort keys, so a
 *   page of a million-entry bin stays a keyset range scan whatever column the table is sorted by.
 */
export async function up(db: Kysely<any>, _kit: DialectKit): Promise<void> {
  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('library_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('grants', 'text', (c) => c.notNull())
    .addColumn('space_ids', 'text')
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('absolute_expires_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('sessions_by_expiry').on('sessions').columns(['expires_at']).execute()
  await db.schema.createIndex('sessions_by_user').on('sessions').columns(['library_id', 'user_id']).execute()

  for (const key of ['original_path', 'removed_by']) {
    await db.schema.createIndex(`recycle_entries_by_${key}`).on('recycle_entries').columns(['space_id', 'state', key, 'id']).execute()
  }
}
