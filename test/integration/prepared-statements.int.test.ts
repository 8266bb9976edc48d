import { test } from 'node:test'
import assert from 'node:assert/strict'
import { sql } from 'kysely'
import { makeHarness, upload } from '../support/harness.ts'
import { SPACE_COLUMNS } from '../../src/db/columns.ts'

const onPostgres = process.env.TROVE_TEST_DB === 'postgres'

test('PostgreSQL: statements that spell out their columns are prepared per connection, `*` ones are not', { skip: !onPostgres && 'PostgreSQL only (TROVE_TEST_DB=postgres)' }, async () => {
  const h = await makeHarness()
  try {
    const spaceId = Number(h.spaceId)
    const prepared = await h.c.database.db.transaction().execute(async (trx) => {
      await trx.selectFrom('spaces').select(SPACE_COLUMNS).where('id', '=', spaceId).execute()
      await trx.selectFrom('spaces').selectAll().where('id', '=', spaceId).execute()
      return (await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(trx)).rows
    })
    assert.ok(prepared.some((p) => p.name.startsWith('trove_') && /"live_bytes"/.test(p.statement) && /from "spaces"/.test(p.statement)), JSON.stringify(prepared))
    assert.ok(prepared.every((p) => !p.statement.includes('*')), `no statement with * is prepared: ${JSON.stringify(prepared)}`)
  } finally {
    await h.close()
  }
})

test('PostgreSQL: a migration that adds columns while a node runs does not break its prepared statements', { skip: !onPostgres && 'PostgreSQL only (TROVE_TEST_DB=postgres)' }, async () => {
  const h = await makeHarness()
  try {
    const { accessToken } = await h.c.auth.issueToken({ libraryId: h.libraryId, userId: 'admin', grants: ['admin'], periodSeconds: 3600 })
    // Warm every hot statement of trash and restore (and the token check) on the pool's connections.
    const cycle = async (i: number) => {
      const f = await upload(h, 'root', `f${i}.txt`, `bytes ${i}`)
      const { entry } = await h.c.trash.moveToTrash(h.admin, h.spaceId, String(f.id))
      const [out] = await h.c.trash.restore(h.admin, h.spaceId, [String(entry.id)])
      assert.equal(out.status, 'restored')
      assert.equal((await h.c.auth.authenticate(accessToken)).userId, 'admin')
    }
    await Promise.all(Array.from({ length: 6 }, (_, i) => cycle(i)))
    // A newer version's migration, run by another node: every table on the hot path gains a column.
    for (const table of ['tokens', 'spaces', 'nodes', 'recycle_entries', 'audit_events']) {
      await sql`alter table ${sql.table(table)} add column added_later integer`.execute(h.c.database.db)
    }
    await Promise.all(Array.from({ length: 6 }, (_, i) => cycle(100 + i)))
    assert.equal((await h.c.trash.list(h.admin, h.spaceId)).total, 0)
  } finally {
    await h.close()
  }
})
