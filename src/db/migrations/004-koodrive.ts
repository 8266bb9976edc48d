import type { Kysely } from 'kysely'
import type { DialectKit } from '../dialects/kit.ts'

/**
 * What the KooDrive dialect needed and the core lacked, as a vendor-neutral table any transport may use:
 * `part_uploads`, uploads sent in numbered parts (each to its own signed link) and then completed into a file. The row
 * fixes what the file will be (folder, name, size, optional SHA-256) and, once completed, which node it became; the
 * bytes of the parts wait on the local disk of the data directory until completion.
 */
export async function up(db: Kysely<any>, kit: DialectKit): Promise<void> {
  const id = kit.idColumn
  await db.schema
    .createTable('part_uploads')
    .addColumn('id', id.type, id.build)
    .addColumn('library_id', 'text', (c) => c.notNull())
    .addColumn('space_id', 'bigint', (c) => c.notNull())
    .addColumn('parent_id', 'bigint', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text')
    .addColumn('content_type', 'text')
    .addColumn('on_conflict', 'text', (c) => c.notNull())
    .addColumn('part_size', 'bigint', (c) => c.notNull())
    .addColumn('part_count', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('node_id', 'bigint')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('part_uploads_by_expiry').on('part_uploads').columns(['state', 'expires_at']).execute()
}
