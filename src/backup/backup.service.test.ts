/**
 * BackupService on a real data directory (SQLite + disk blobs), driven in-process so the races a live server makes by
 * chance can be made on purpose: blobs purged after the snapshot, a damaged blob, refused destinations.
 */
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { buildContainer, type Container } from '../app/container.ts'
import { loadConfig } from '../config/load-config.ts'
import type { Actor } from '../access/grants.ts'
import { BackupError, BackupService, embeddedLayout, type EmbeddedLayout } from './backup.service.ts'

const sha = (s: string) => createHash('sha256').update(s).digest('hex')
const blobPath = (root: string, key: string) => path.join(root, 'blobs', 'blobs', key.slice(0, 2), key.slice(2, 4), key)
const exists = (p: string) => fs.stat(p).then(() => true, () => false)

describe('BackupService', () => {
  let work: string
  before(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'trove-backup-unit-'))
  })
  after(async () => {
    await fs.rm(work, { recursive: true, force: true })
  })

  async function instance(name: string) {
    const dataDir = path.join(work, name)
    const cfg = loadConfig({ TROVE_DATA_DIR: dataDir })
    const c = await buildContainer(cfg)
    const lib = await c.libraries.create({ name })
    const actor: Actor = { libraryId: lib.libraryId, userId: 'admin', grants: ['admin'], spaceIds: null }
    const spaceId = lib.spaceId!
    const upload = (n: string, content = n) => c.nodes.upload(actor, spaceId, { parentId: 'root', name: n, body: Readable.from([Buffer.from(content)]) })
    /** Trash and permanently delete a node, then let the purge task and the blob GC run: its bytes are gone. */
    const purge = async (nodeId: number) => {
      const { entry } = await c.trash.moveToTrash(actor, spaceId, String(nodeId))
      await c.trash.deleteEntries(actor, spaceId, [String(entry.id)])
      await c.runner.drain()
    }
    return { c, cfg, actor, spaceId, layout: embeddedLayout(cfg)!, upload, purge, dataDir }
  }

  async function restoreAndCheck(dest: string, name: string): Promise<{ c: Container; layout: EmbeddedLayout }> {
    const cfg = loadConfig({ TROVE_DATA_DIR: path.join(work, name) })
    const layout = embeddedLayout(cfg)!
    await new BackupService().restore(dest, layout)
    const c = await buildContainer(cfg)
    const report = await c.fsck.check()
    assert.deepEqual(report.problems, [], report.summary)
    return { c, layout }
  }

  test('blobs purged after the snapshot: a new snapshot is taken, and blobs it no longer references are not kept', async () => {
    const src = await instance('purged')
    const keep = await src.upload('keep.txt')
    const a = await src.upload('a.txt')
    const b = await src.upload('b.txt')
    const dest = path.join(work, 'purged-backup')
    const service = new BackupService({
      hooks: {
        // After snapshot 1: a is purged before its bytes are copied (they are gone when the copy looks for them) …
        afterSnapshot: async (n) => {
          if (n === 1) await src.purge(a.id)
        },
        // … and b after its bytes were copied: snapshot 2 no longer references it, so the copy must not stay.
        afterCopy: async (n) => {
          if (n === 1) await src.purge(b.id)
        },
      },
    })
    const m = await service.backup(src.layout, dest)
    assert.equal(m.snapshots, 2)
    assert.equal(m.blobs.count, 1)
    assert.equal(m.counts.files, 1)
    assert.ok(await exists(blobPath(dest, sha('keep.txt'))))
    assert.equal(await exists(blobPath(dest, sha('a.txt'))), false)
    assert.equal(await exists(blobPath(dest, sha('b.txt'))), false, 'a blob of an earlier snapshot would be an orphan')
    assert.equal(await exists(path.join(dest, 'blobs', 'staging')), false)
    await src.c.close()

    const restored = await restoreAndCheck(dest, 'purged-restored')
    try {
      const dl = await restored.c.nodes.download(src.actor, src.spaceId, String(keep.id))
      const chunks: Buffer[] = []
      for await (const chunk of dl.body) chunks.push(chunk as Buffer)
      assert.equal(Buffer.concat(chunks).toString(), 'keep.txt')
      await assert.rejects(restored.c.nodes.get(src.actor, src.spaceId, String(a.id)), /does not exist|not found/i)
    } finally {
      await restored.c.close()
    }
  })

  test('a damaged blob in the live store fails the backup loudly', async () => {
    const src = await instance('damaged')
    try {
      await src.upload('fine.txt')
      await src.upload('bad.txt')
      await fs.writeFile(blobPath(src.dataDir, sha('bad.txt')), 'bat.txt')
      await assert.rejects(new BackupService().backup(src.layout, path.join(work, 'damaged-backup')), (e) => e instanceof BackupError && e.code === 'backup.blob_damaged')
    } finally {
      await src.c.close()
    }
  })

  test('refuses a non-empty destination, one inside the data directory, and a restore over an instance', async () => {
    const src = await instance('refusals')
    try {
      await src.upload('x.txt')
      const busy = path.join(work, 'busy')
      await fs.mkdir(busy)
      await fs.writeFile(path.join(busy, 'mine'), 'x')
      await assert.rejects(new BackupService().backup(src.layout, busy), (e) => e instanceof BackupError && e.code === 'backup.destination_not_empty')
      await assert.rejects(new BackupService().backup(src.layout, path.join(src.dataDir, 'backup')), (e) => e instanceof BackupError && e.code === 'backup.destination_not_empty')
      const dest = path.join(work, 'refusals-backup')
      await new BackupService().backup(src.layout, dest)
      await assert.rejects(new BackupService().restore(dest, src.layout), (e) => e instanceof BackupError && e.code === 'backup.destination_not_empty')
      // A backup without its manifest (interrupted) is not restorable.
      await fs.rm(path.join(dest, 'manifest.json'))
      const empty = embeddedLayout(loadConfig({ TROVE_DATA_DIR: path.join(work, 'never') }))!
      await assert.rejects(new BackupService().restore(dest, empty), (e) => e instanceof BackupError && e.code === 'backup.source_invalid')
    } finally {
      await src.c.close()
    }
  })

  test('PostgreSQL or S3 configurations have no embedded layout', () => {
    assert.equal(embeddedLayout(loadConfig({ TROVE_DATABASE_URL: 'postgres://x@127.0.0.1/x' })), null)
    assert.equal(embeddedLayout(loadConfig({ TROVE_S3_BUCKET: 'b', TROVE_S3_ACCESS_KEY_ID: 'k', TROVE_S3_SECRET_ACCESS_KEY: 's' })), null)
  })
})
