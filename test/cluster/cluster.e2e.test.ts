import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import S3rver from 's3rver'
import { sql } from 'kysely'
import { buildContainer, type Container } from '../../src/app/container.ts'
import { loadConfig } from '../../src/config/load-config.ts'
import { TroveProcess } from './processes.ts'

/**
 * Scale-out for real: two API nodes and an extra worker on one PostgreSQL schema and one S3 bucket (s3rver).
 * Work goes through both nodes at once; the worker holding the empty-bin task is SIGKILLed mid-way; a worker whose
 * clock runs 31 days ahead drives the retention purge. Every task must finish, every purged entry be freed exactly
 * once, and the counters, reference counts and stored objects must agree afterwards.
 */
const PG_URL = process.env.TROVE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const DAY = 86_400_000

async function pgReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 })
  try {
    await c.connect()
    await c.end()
    return true
  } catch {
    return false
  }
}

test('two API nodes and a worker on one PostgreSQL and one bucket: tasks survive a killed worker, nothing is freed twice', { timeout: 240_000 }, async (t) => {
  if (!(await pgReachable())) {
    if (process.env.CI === 'true') assert.fail('PostgreSQL must be reachable in CI')
    t.skip('PostgreSQL is not reachable on 127.0.0.1:5432: cluster test skipped')
    return
  }
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'trove-cluster-'))
  const schema = `cluster_${process.pid}_${Date.now().toString(36)}`
  const s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: path.join(tmp, 's3'), configureBuckets: [{ name: 'trove', configs: [] }] })
  const { port } = await s3.run()
  const shared = {
    TROVE_DATABASE_URL: PG_URL,
    TROVE_DATABASE_SCHEMA: schema,
    TROVE_S3_ENDPOINT: `http://127.0.0.1:${port}`,
    TROVE_S3_BUCKET: 'trove',
    TROVE_S3_ACCESS_KEY_ID: 'S3RVER',
    TROVE_S3_SECRET_ACCESS_KEY: 'S3RVER',
    TROVE_TASK_LEASE_MS: '1500',
    TROVE_TASK_POLL_MS: '100',
    TROVE_PURGE_ENTRY_BATCH: '4',
    TROVE_RETENTION_PERIOD_MS: '1000',
  }
  const node = (name: string, args: string[], extra: Record<string, string> = {}) => new TroveProcess(name, args, { ...shared, TROVE_DATA_DIR: path.join(tmp, name), ...extra })
  const a = node('api-a', ['serve'])
  const b = node('api-b', ['serve', '--no-worker'])
  const w = node('worker', ['worker'])
  const procs = [a, b, w]
  let c: Container | null = null
  try {
    await a.start()
    await Promise.all([b.start(), w.start()])
    const token = a.field('admin token')
    const spaceId = a.field('space id')
    const api = (p: TroveProcess, method: string, route: string, body?: unknown, raw?: Buffer) =>
      fetch(`${p.url}/trove/v1${route}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(raw ? { 'content-type': 'application/octet-stream' } : body ? { 'content-type': 'application/json' } : {}) },
        body: (raw ?? (body ? JSON.stringify(body) : undefined)) as BodyInit | undefined,
      }).then(async (r) => ({ status: r.status, json: (await r.json().catch(() => null)) as any }))
    const nodes = [a, b]

    // Uploads through both nodes at once, with some shared content (deduplicated blobs).
    const folders = await Promise.all([0, 1, 2, 3].map((i) => api(nodes[i % 2], 'POST', `/spaces/${spaceId}/folders`, { name: `dir${i}` })))
    const uploads = await Promise.all(
      Array.from({ length: 160 }, (_, i) =>
        api(nodes[i % 2], 'PUT', `/spaces/${spaceId}/files?parentId=${folders[i % 4].json.id}&name=f${i}.bin`, undefined, Buffer.from(`content ${i % 120}`)),
      ),
    )
    assert.ok(uploads.every((u) => u.status === 201), JSON.stringify(uploads.find((u) => u.status !== 201)))

    // Trash 120 files through both nodes, restore 20 of them through the other node.
    const trashed = await Promise.all(uploads.slice(0, 120).map((u, i) => api(nodes[i % 2], 'DELETE', `/spaces/${spaceId}/nodes/${u.json.id}`)))
    assert.deepEqual(trashed.filter((r) => r.status !== 201), [])
    const restored = await Promise.all(trashed.slice(0, 20).map((r, i) => api(nodes[(i + 1) % 2], 'POST', `/spaces/${spaceId}/trash/${r.json.entry.id}/restore`, {})))
    assert.ok(restored.every((r) => r.status === 200 && r.json.status === 'restored'))

    // Empty the bin through node B; kill whichever worker holds the task while it is half done.
    const empty = await api(b, 'POST', `/spaces/${spaceId}/trash/empty`)
    assert.equal(empty.status, 202)
    assert.equal(empty.json.entries, 100)
    c = await buildContainer(loadConfig({ ...shared, TROVE_DATA_DIR: path.join(tmp, 'checker') }))
    const taskId = Number(empty.json.taskId)
    let killed: TroveProcess | null = null
    for (let i = 0; i < 400 && !killed; i++) {
      const row = await c.database.db.selectFrom('tasks').select(['done', 'total', 'lease_owner', 'state']).where('id', '=', taskId).executeTakeFirstOrThrow()
      if (row.state !== 'Running') break
      const holder = [a, w].find((p) => row.lease_owner?.startsWith(`w-${p.pid}-`))
      if (holder && Number(row.done) > 0 && Number(row.done) < Number(row.total)) {
        await holder.kill('SIGKILL')
        killed = holder
      } else await new Promise((r) => setTimeout(r, 20))
    }
    assert.ok(killed, 'the worker holding the empty-bin task was killed mid-way')
    const survivor = killed === a ? w : a
    const finished = await waitForTask(c, taskId)
    assert.equal(finished.state, 'Succeed')
    assert.equal(Number(finished.done), 100)
    assert.ok(String(finished.lease_owner ?? '').length === 0)
    assert.ok(survivor.alive)

    // Retention: entries trashed now expire for a worker whose clock runs 31 days ahead.
    const api2 = killed === a ? b : a
    const late = await Promise.all(uploads.slice(120, 150).map((u) => api(api2, 'DELETE', `/spaces/${spaceId}/nodes/${u.json.id}`)))
    assert.ok(late.every((r) => r.status === 201))
    const future = node('worker-future', ['worker'], { TROVE_CLOCK_OFFSET_MS: String(31 * DAY) })
    procs.push(future)
    await future.start()
    await waitFor(async () => Number((await c!.database.db.selectFrom('recycle_entries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n) === 0, 'the bin to be purged by retention')
    await waitFor(async () => Number((await c!.database.db.selectFrom('tasks').select((eb) => eb.fn.countAll().as('n')).where('state', '=', 'Running').executeTakeFirstOrThrow()).n) === 0, 'every task to finish')

    // Every task finished well.
    const tasks = await c.database.db.selectFrom('tasks').select(['id', 'kind', 'state', 'done', 'total']).execute()
    assert.deepEqual(tasks.filter((x) => x.state !== 'Succeed'), [])
    // Each of the 130 purged entries was freed exactly once (one purge audit event each, by empty or by retention).
    const purges = await c.database.db.selectFrom('audit_events').select(['entry_id', 'action']).where('action', 'in', ['purge', 'retention-purge']).execute()
    assert.equal(purges.length, 130)
    assert.equal(new Set(purges.map((p) => Number(p.entry_id))).size, 130)
    assert.equal(purges.filter((p) => p.action === 'retention-purge').length, 30)

    // 160 uploaded − 120 trashed + 20 restored − 30 trashed later = 30 live files.
    await assertClusterConsistent(c, spaceId, 30)
    const report = await c.fsck.check({ quick: false })
    assert.deepEqual(report.problems, [], report.summary)
  } finally {
    for (const p of procs) await p.kill('SIGKILL')
    await c?.close()
    await s3.close()
    const admin = new pg.Client({ connectionString: PG_URL })
    await admin.connect()
    await admin.query(`drop schema if exists ${schema} cascade`)
    await admin.end()
    await fs.rm(tmp, { recursive: true, force: true })
  }
})

async function waitForTask(c: Container, id: number) {
  let row
  await waitFor(async () => {
    row = await c.database.db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    return row.state !== 'Running'
  }, `task ${id}`)
  return row!
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Counters equal sums, reference counts equal rows, and the bucket holds exactly the referenced blobs. */
async function assertClusterConsistent(c: Container, spaceId: string, liveFiles: number) {
  const db = c.database.db
  const space = (await c.store.repos.spaces.find(Number(spaceId)))!
  const live = await sql<{ n: number; bytes: number }>`select count(*) as n, coalesce(sum(size_bytes), 0) as bytes from nodes where kind = 'file' and state = 'live' and space_id = ${Number(spaceId)}`.execute(db)
  assert.equal(Number(live.rows[0].n), liveFiles)
  assert.equal(space.liveBytes, Number(live.rows[0].bytes))
  assert.equal(space.trashBytes, 0)
  assert.equal(space.trashEntries, 0)
  const refs = await sql<{ sha256: string; ref_count: number; rows: number }>`
    select b.sha256, b.ref_count, (select count(*) from nodes n where n.blob_sha256 = b.sha256) as rows from blobs b`.execute(db)
  for (const r of refs.rows) assert.equal(Number(r.ref_count), Number(r.rows), `ref_count of ${r.sha256}`)
  const orphanRows = await sql<{ n: number }>`select count(*) as n from nodes n where n.blob_sha256 is not null and not exists (select 1 from blobs b where b.sha256 = n.blob_sha256)`.execute(db)
  assert.equal(Number(orphanRows.rows[0].n), 0)
  const stored: string[] = []
  for await (const blob of c.blobs.list()) stored.push(blob.key)
  assert.deepEqual(stored.sort(), refs.rows.map((r) => r.sha256).sort(), 'objects in the bucket = blob rows')
}
