import { sql, type Kysely } from 'kysely'
import type { DialectKit } from '../dialects/kit.ts'

/**
 * What the PDS dialect needed from the core, as vendor-neutral tables any transport may use:
 * - `multipart_uploads` + `multipart_upload_parts`: uploads sent as numbered parts (each part is a blob the upload holds
 *   one reference on), completed into one file. All state is here and the bytes are in the blob store, so every API
 *   node can take the next part;
 * - `node_descriptions`: a free-text description of a node (kept apart from `nodes`, which every query reads).
 */
export async function up(db: Kysely<any>, kit: DialectKit): Promise<void> {
  const id = kit.idColumn
  await db.schema
    .createTable('multipart_uploads')
    .addColumn('id', id.type, id.build)
    .addColumn('upload_id', 'text', (c) => c.notNull())
    .addColumn('library_id', 'text', (c) => c.notNull())
    .addColumn('space_id', 'bigint', (c) => c.notNull())
    .addColumn('parent_id', 'bigint', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('on_conflict', 'text', (c) => c.notNull())
    .addColumn('declared_size', 'bigint')
    .addColumn('content_type', 'text')
    .addColumn('sha1', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('node_id', 'bigint')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
  await sql`create unique index multipart_uploads_by_upload_id on multipart_uploads (upload_id)`.execute(db)
  await db.schema.createIndex('multipart_uploads_by_expiry').on('multipart_uploads').columns(['expires_at', 'id']).execute()

  await db.schema
    .createTable('multipart_upload_parts')
    .addColumn('upload_row_id', 'bigint', (c) => c.notNull())
    .addColumn('part_number', 'integer', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('blob_sha256', 'text', (c) => c.notNull())
    .addColumn('uploaded_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('multipart_upload_parts_pk', ['upload_row_id', 'part_number'])
    .execute()

  await db.schema
    .createTable('node_descriptions')
    .addColumn('node_id', 'bigint', (c) => c.primaryKey())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
}
