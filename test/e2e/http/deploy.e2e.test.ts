import { test } from 'node:test'
import assert from 'node:assert/strict'
import { sql } from 'kysely'
import { makeHttp } from '../../support/http.ts'
import { buildContainer } from '../../../src/app/container.ts'
import { loadConfig } from '../../../src/config/load-config.ts'

// What docs/deploy.md promises operators: Prometheus metrics, and a node that will not run on a newer schema.

test('GET /metrics: request latency by route, task queue depth and age, purge rate, blob store errors', async () => {
  const t = await makeHttp({ worker: true })
  try {
    const f = await t.upload('m.txt', 'metrics')
    assert.equal((await t.req('DELETE', t.sp(`/nodes/${f.json.id}`))).status, 201)
    const r = await t.req('GET', '/metrics')
    assert.equal(r.status, 200, r.text)
    assert.match(r.headers['content-type'] ?? '', /^text\/plain/)
    // The route is the template, not the URL, so a million node ids stay one series.
    assert.match(r.text, /trove_http_request_duration_seconds_count\{[^}]*route="\/trove\/v1\/spaces\/:spaceId\/nodes\/:nodeId"[^}]*\} 1/)
    for (const name of ['trove_task_queue_depth', 'trove_task_queue_oldest_age_seconds', 'trove_purged_entries_total', 'trove_blob_store_errors_total']) {
      assert.match(r.text, new RegExp(`^# TYPE ${name} `, 'm'), name)
    }
  } finally {
    await t.close()
  }
})

test('a node refuses to start on a schema that a newer Trove migrated', async () => {
  const t = await makeHttp()
  try {
    const table = t.h.c.database.kit.migrationSchema ? sql.id(t.h.c.database.kit.migrationSchema, 'kysely_migration') : sql.id('kysely_migration')
    await sql`insert into ${table} (name, timestamp) values ('999-from-a-newer-build', 'now')`.execute(t.h.c.database.db)
    const env = { TROVE_DATA_DIR: t.h.dataDir, ...(process.env.TROVE_TEST_DB === 'postgres' ? { TROVE_DATABASE_URL: t.h.c.config.db.kind === 'postgres' ? t.h.c.config.db.url : '', TROVE_DATABASE_SCHEMA: t.h.c.database.kit.migrationSchema! } : {}) }
    await assert.rejects(buildContainer(loadConfig(env)), /newer than this Trove build knows \(unknown migrations: 999-from-a-newer-build\)/)
  } finally {
    await t.close()
  }
})
