import type { Kysely } from 'kysely'
import type { DialectKit } from '../dialects/kit.ts'

/**
 * `sign_in_throttle`: the counters that slow down password guessing (src/users/sign-in-throttle.ts). In the database,
 * not in process memory, so the limits hold whichever API node a request lands on. One row per counter: a user name
 * within a library (`user:` + SHA-256 of library and name, so a password typed into the name field is never stored)
 * or a client address (`ip:` + address). Rows are pruned a day after their last attempt, so the table stays bounded.
 */
export async function up(db: Kysely<any>, _kit: DialectKit): Promise<void> {
  await db.schema
    .createTable('sign_in_throttle')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('window_started_at', 'bigint', (c) => c.notNull())
    .addColumn('last_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('blocked_until', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('sign_in_throttle_by_last_attempt').on('sign_in_throttle').columns(['last_attempt_at']).execute()
}
