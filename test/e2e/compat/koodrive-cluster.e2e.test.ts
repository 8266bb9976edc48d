/**
 * KooDrive part uploads across API nodes: two app instances ("nodes") share one database (the same SQLite file, or the
 * same PostgreSQL schema under TROVE_TEST_DB=postgres) and one blob store, but each has its own data directory, as in
 * docs/deploy.md. The upload begins on one node, its parts arrive on the other, it completes on the first: nothing about
 * it may live on a node's disk. Abandoned uploads release their part blobs (no orphan bytes, fsck clean).
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Koo, expectOk, expectError, sha256, P, xdate, type Res, type Who } from './koodrive-helpers.ts'
import { blobFiles } from '../../support/harness.ts'
import { buildContainer, type Container } from '../../../src/app/container.ts'
import { loadConfig } from '../../../src/config/load-config.ts'
import { openDatabase } from '../../../src/db/database.ts'
import { sqliteKit } from '../../../src/db/dialects/sqlite.ts'
import { DiskBlobStore } from '../../../src/blobs/disk-blob-store.ts'
import { buildApp } from '../../../src/http/build-app.ts'
import type { App } from '../../../src/http/routes/types.ts'

const PART_UPLOAD_TTL_MS = 24 * 3_600_000

/** A second node beside the harness's: same database and blob store, its own (empty) data directory. */
class SecondNode {
  private constructor(
    readonly c: Container,
    readonly app: App,
    readonly dataDir: string,
  ) {}

  static async beside(k: Koo): Promise<SecondNode> {
    const first = k.c.config
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'trove-node2-'))
    const env: Record<string, string> = { TROVE_DATA_DIR: dataDir }
    if (first.db.kind === 'postgres') Object.assign(env, { TROVE_DATABASE_URL: first.db.url, TROVE_DATABASE_SCHEMA: first.db.schema ?? '' })
    assert.equal(first.blobs.kind, 'disk')
    const blobs = new DiskBlobStore({ rootDir: (first.blobs as { rootDir: string }).rootDir, now: () => k.clock.now() })
    // On SQLite, a connection of its own to the first node's database file (as a second process would open it).
    const database = first.db.kind === 'sqlite' ? openDatabase(sqliteKit(first.db.file)) : undefined
    const c = await buildContainer(loadConfig(env), { clock: k.clock, blobs, database })
    assert.notEqual(c.config.dataDir, first.dataDir)
    const app = await buildApp(c)
    await app.ready()
    return new SecondNode(c, app, dataDir)
  }

  async call(k: Koo, who: Who, method: string, url: string, o: { json?: unknown; body?: Buffer } = {}): Promise<Res> {
    const headers: Record<string, string> = { authorization: `Bearer+${who.token}`, 'x-user-id': who.userId, 'x-date': xdate(k.clock.now()) }
    if (o.json !== undefined) headers['content-type'] = 'application/json'
    return this.inject(method, `${P}${url}`, headers, o.json !== undefined ? JSON.stringify(o.json) : o.body)
  }

  /** A link the first node handed out, requested from this node. */
  async fetchLink(method: string, link: string, body?: Buffer): Promise<Res> {
    const u = new URL(link)
    return this.inject(method, u.pathname + u.search, body ? { 'content-type': 'application/octet-stream' } : {}, body)
  }

  private async inject(method: string, url: string, headers: Record<string, string>, payload?: string | Buffer): Promise<Res> {
    const r = await this.app.inject({ method: method as never, url, headers, ...(payload !== undefined ? { payload } : {}) })
    const h: Record<string, string | undefined> = {}
    for (const [key, v] of Object.entries(r.headers)) h[key.toLowerCase()] = v === undefined ? undefined : String(v)
    const json = (h['content-type'] ?? '').includes('application/json') && r.rawPayload.length ? JSON.parse(r.rawPayload.toString('utf8')) : undefined
    return { status: r.statusCode, headers: h, body: r.rawPayload, json }
  }

  async close(): Promise<void> {
    await this.app.close().catch(() => undefined)
    await this.c.close()
    await fs.rm(this.dataDir, { recursive: true, force: true })
  }
}

const k = await Koo.make()
const node2 = await SecondNode.beside(k)
after(async () => {
  await node2.close()
  await k.close()
})

async function create(name: string, bytes: Buffer) {
  const created = await k.call(k.admin, 'POST', '/files/create', {
    json: { fileName: name, fileType: '45', parentFolder: ['root'], containerId: k.spaceId, length: bytes.length, sha256: sha256(bytes), uploadMode: 'multipart', uploadType: 1, autoRename: 3 },
  })
  expectOk(created, 'create')
  return created.json as { fileId: string; multiParts: { partNumber: number; partSize: number; partOffset: number; uploadUrl: string }[] }
}

test('a part upload begun on node 1, its parts PUT to node 2, completed on node 1: the file holds exactly the bytes', async () => {
  // Just over one planned part (8 MiB): two parts.
  const bytes = randomBytes(8 * 1024 * 1024 + 100_003)
  const created = await create('across-nodes.bin', bytes)
  assert.equal(created.multiParts.length, 2)
  for (const p of [...created.multiParts].reverse()) {
    const put = await node2.fetchLink('PUT', p.uploadUrl, bytes.subarray(p.partOffset, p.partOffset + p.partSize))
    assert.equal(put.status, 200, put.body.toString())
    assert.equal(put.headers.etag, `"${sha256(bytes.subarray(p.partOffset, p.partOffset + p.partSize))}"`)
  }
  // Fresh links asked for on node 2 work too (the signing key is shared, not node-local).
  const more = await node2.call(k, k.admin, 'POST', '/files/multipart/uploadUrl', { json: { fileId: created.fileId, multiParts: [{ partNumber: 2 }] } })
  expectOk(more, 'more links on node 2')

  const done = await k.call(k.admin, 'POST', '/files/complete', { json: { fileId: created.fileId, sha256: sha256(bytes) } })
  expectOk(done, 'complete on node 1')
  const id = done.json.id as string

  // Downloaded through a link node 1 signed, served by node 2.
  const links = await k.call(k.admin, 'POST', '/files/download', { json: { containerId: k.spaceId, fileIds: [id] } })
  expectOk(links)
  const got = await node2.fetchLink('GET', links.json.downloads[0].url)
  assert.equal(got.status, 200)
  assert.equal(got.body.length, bytes.length)
  assert.equal(sha256(got.body), sha256(bytes))
  // Completing again (on node 2) answers the same file.
  const again = await node2.call(k, k.admin, 'POST', '/files/complete', { json: { fileId: created.fileId } })
  expectOk(again)
  assert.equal(again.json.id, id)

  // The parts' references went with the completion: only the file's blob is left, and fsck (on either node) is clean.
  assert.deepEqual(await blobFiles(k.h.dataDir), [sha256(bytes)].sort())
  assert.deepEqual((await k.c.fsck.check()).problems, [])
  assert.deepEqual((await node2.c.fsck.check()).problems, [])
})

test('parts PUT to both nodes; an abandoned upload releases its part blobs on expiry (no orphan bytes, fsck clean)', async () => {
  const bytes = Buffer.from('abandoned on two nodes')
  const created = await create('abandoned.txt', bytes)
  assert.equal(created.multiParts.length, 1)
  const [p] = created.multiParts
  // Sent to node 2, then again (other bytes of the right size) to node 1: the last one wins, the first is released.
  const first = Buffer.from('X'.repeat(bytes.length))
  assert.equal((await node2.fetchLink('PUT', p.uploadUrl, first)).status, 200)
  assert.equal((await k.fetchLink('PUT', p.uploadUrl, { body: bytes })).status, 200)
  assert.equal(await k.c.store.repos.blobs.refCount(sha256(first)), null, 'the replaced part was released and collected')
  assert.equal(await k.c.store.repos.blobs.refCount(sha256(bytes)), 1, 'the part holds one reference')
  assert.deepEqual((await k.c.fsck.check()).problems, [], 'a part reference counts as a reference')
  const before = await blobFiles(k.h.dataDir)
  assert.ok(before.includes(sha256(bytes)))

  // Abandoned: after its expiry the next upload started on node 2 sweeps it.
  k.clock.advance(PART_UPLOAD_TTL_MS + 1)
  const next = await node2.call(k, k.admin, 'POST', '/files/create', {
    json: { fileName: 'next.txt', fileType: '45', parentFolder: ['root'], containerId: k.spaceId, length: 1, uploadMode: 'multipart', uploadType: 1, autoRename: 3 },
  })
  expectOk(next)
  expectError(await k.call(k.admin, 'POST', '/files/complete', { json: { fileId: created.fileId } }), 400, '13000401', 'swept')
  assert.equal(await k.c.store.repos.blobs.refCount(sha256(bytes)), null)
  assert.deepEqual(await blobFiles(k.h.dataDir), before.filter((s) => s !== sha256(bytes)), 'the part blob is gone')
  const report = await k.c.fsck.check()
  assert.deepEqual(report.problems, [])
})
