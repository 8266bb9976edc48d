import { test } from 'node:test'
import assert from 'node:assert/strict'
import { sql } from 'kysely'
import { makeHarness } from '../support/harness.ts'

const onPostgres = process.env.TROVE_TEST_DB === 'postgres'

test('PostgreSQL: the migrator sees only its own schema, however many others share the database', { skip: !onPostgres && 'PostgreSQL only (TROVE_TEST_DB=postgres)' }, async () => {
  const h = await makeHarness()
  const other = `other_${process.pid}_${Date.now()}`
  const db = h.c.database.db
  try {
    // Another installation in the same database, with Kysely's tables and a migration this build does not know.
    await sql`create schema ${sql.id(other)}`.execute(db)
    await sql`create table ${sql.id(other, 'kysely_migration')} (name text primary key, timestamp text)`.execute(db)
    await sql`insert into ${sql.id(other, 'kysely_migration')} values ('999-from-the-future', 'now')`.execute(db)
    await sql`create table ${sql.id(other, 'nodes')} (id bigint)`.execute(db)

    const tables = await db.introspection.getTables()
    const own = (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0].s
    assert.ok(tables.length > 0 && tables.every((t) => t.schema === own), `only ${own}: ${JSON.stringify(tables.map((t) => `${t.schema}.${t.name}`))}`)
    assert.ok(tables.some((t) => t.name === 'kysely_migration') && tables.some((t) => t.name === 'recycle_entries'))

    // A second node starting on this schema migrates (nothing to do) and starts: the other schema neither fools nor stops it.
    const again = await makeHarness({ env: { TROVE_DATABASE_SCHEMA: own } })
    await again.close().catch(() => undefined)
  } finally {
    await sql`drop schema if exists ${sql.id(other)} cascade`.execute(db)
    await h.close()
  }
})
