import { sql, type Kysely } from 'kysely'
import type { DialectKit } from '../dialects/kit.ts'

/** The bin's sort keys (migrations 001 and 006), each served by an index of its own. */
const SORT_KEYS = ['name', 'modified_at', 'size_bytes', 'removed_at', 'expires_at', 'original_path', 'removed_by']

/**
 * The bin's sort indexes cover only `trashed` entries. They were `(space_id, state, key, id)` over every entry, so
 * emptying a bin (every entry turns `purging`, then its row goes) rewrote ten index entries per entry; bin pages only
 * ever read `trashed` rows. Now an entry leaves those seven indexes when it starts purging, and PostgreSQL adds nothing
 * to them for the `purging` version of the row. `(space_id, id)` keeps "does this space have any entry" an index probe.
 *
 * Queries name the state as a literal (`state = 'trashed'`, see inBin in trash.repository.ts) so the planner can match
 * the index predicate. A build older than this migration still gets correct answers from the new indexes.
 */
export async function up(db: Kysely<any>, _kit: DialectKit): Promise<void> {
  await db.schema.createIndex('recycle_entries_by_space').on('recycle_entries').columns(['space_id', 'id']).execute()
  for (const key of SORT_KEYS) {
    await db.schema.dropIndex(`recycle_entries_by_${key}`).execute()
    await db.schema
      .createIndex(`recycle_entries_by_${key}`)
      .on('recycle_entries')
      .columns(['space_id', key, 'id'])
      .where(sql.ref('state'), '=', sql.lit('trashed'))
      .execute()
  }
}
