import type { Kysely } from 'kysely'
import type { DialectKit } from '../dialects/kit.ts'

/** Manual albums: ordered references to files; an album owns no bytes. */
export async function up(db: Kysely<any>, kit: DialectKit): Promise<void> {
  const id = kit.idColumn
  await db.schema
    .createTable('albums')
    .addColumn('id', id.type, id.build)
    .addColumn('space_id', 'bigint', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('modified_at', 'bigint', (c) => c.notNull())
    .addColumn('next_position', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('albums_by_space').on('albums').columns(['space_id', 'id']).execute()
  await db.schema
    .createTable('album_items')
    .addColumn('album_id', 'bigint', (c) => c.notNull())
    .addColumn('node_id', 'bigint', (c) => c.notNull())
    .addColumn('position', 'bigint', (c) => c.notNull())
    .addColumn('added_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('album_items_pk', ['album_id', 'node_id'])
    .execute()
  await db.schema.createIndex('album_items_by_position').on('album_items').columns(['album_id', 'position']).execute()
  // Purge drops memberships by node.
  await db.schema.createIndex('album_items_by_node').on('album_items').columns(['node_id']).execute()
}
