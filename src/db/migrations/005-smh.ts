import type { Kysely } from 'kysely'
import type { DialectKit } from '../dialects/kit.ts'

/**
 * What the SMH dialect needed from the core, in vendor-neutral tables (any transport may use them):
 * - `upload_sessions`: two-phase uploads (begin → bytes → commit) that any API node can continue;
 * - `blob_checksums`: extra checksums of content-addressed blobs (CRC-64/XZ), valid forever for that content;
 * - `task_results`: the per-item result list of a finished batch task;
 * - `signing_keys`: the installation secret for signed links (row id 1), in the database so every node signs alike.
 */
export async function up(db: Kysely<any>, _kit: DialectKit): Promise<void> {
  await db.schema
    .createTable('upload_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('library_id', 'text', (c) => c.notNull())
    .addColumn('space_id', 'bigint', (c) => c.notNull())
    .addColumn('parent_id', 'bigint', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('on_conflict', 'text', (c) => c.notNull())
    .addColumn('declared_size', 'bigint')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('blob_sha256', 'text')
    .addColumn('size_bytes', 'bigint')
    .addColumn('crc64', 'text')
    .addColumn('content_type', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('upload_sessions_by_expiry').on('upload_sessions').columns(['expires_at']).execute()
  await db.schema.createIndex('upload_sessions_by_space').on('upload_sessions').columns(['space_id']).execute()

  await db.schema
    .createTable('blob_checksums')
    .addColumn('sha256', 'text', (c) => c.primaryKey())
    .addColumn('crc64', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('signing_keys')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('task_results')
    .addColumn('task_id', 'bigint', (c) => c.primaryKey())
    .addColumn('result', 'text', (c) => c.notNull())
    .execute()
}
