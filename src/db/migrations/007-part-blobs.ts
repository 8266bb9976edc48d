import type { Kysely } from 'kysely'
import type { DialectKit } from '../dialects/kit.ts'

/**
 * The parts of `part_uploads` (migration 004) move from the local disk of the node that received them into the blob
 * store: `part_upload_parts` holds one row per part, and each row holds one reference on the blob with the part's
 * bytes (exactly like `multipart_upload_parts` of migration 003, with the same columns, so one repository serves both).
 * With the bytes in the blob store and the list here, any API node can take any part and complete the upload.
 *
 * Only adds (rolling upgrades: see docs/deploy.md). Parts an older build left on a node's disk are not carried over:
 * an upload begun before the upgrade answers "incomplete" at completion and expires as usual; start-up recovery
 * removes the old directory.
 */
export async function up(db: Kysely<any>, _kit: DialectKit): Promise<void> {
  await db.schema
    .createTable('part_upload_parts')
    .addColumn('upload_row_id', 'bigint', (c) => c.notNull())
    .addColumn('part_number', 'integer', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('blob_sha256', 'text', (c) => c.notNull())
    .addColumn('uploaded_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('part_upload_parts_pk', ['upload_row_id', 'part_number'])
    .execute()
}
