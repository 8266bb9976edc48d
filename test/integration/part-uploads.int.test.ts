import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { makeHarness, body, mkdir, readAll, blobFiles, type Harness } from '../support/harness.ts'
import { rejectsWith } from '../support/factories.ts'
import { PART_UPLOAD_TTL_MS } from '../../src/uploads/part-uploads.service.ts'
import { recoverAtStartup } from '../../src/app/recovery.ts'

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex')

/** Part rows in the database (parts live in the blob store, listed there; nothing on the node's disk). */
async function partRows(h: Harness): Promise<number> {
  const r = await h.c.database.db.withTables<{ part_upload_parts: { upload_row_id: number } }>().selectFrom('part_upload_parts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(r.n)
}

test('part uploads: parts in any order and sent again, completion through the ordinary upload, expiry sweeps the parts', async () => {
  const h = await makeHarness()
  try {
    const up = h.c.partUploads
    const content = 'abcdefghij'
    const u = await up.begin(h.admin, h.spaceId, { parentId: 'root', name: 'ten.txt', sizeBytes: 10, sha256: sha(content), partSize: 4 })
    assert.deepEqual(up.plan(u).map((p) => [p.partNumber, p.partSize, p.partOffset]), [[1, 4, 0], [2, 4, 4], [3, 2, 8]])
    const links = await up.partLinks(h.admin, u.id)
    await up.putPart(links[2].token, body('ij'))
    await up.putPart(links[0].token, body('XXXX'))
    await up.putPart(links[0].token, body('abcd')) // the last one sent wins
    await rejectsWith(up.putPart(links[1].token, body('efghZ')), 'upload.size_mismatch', 'too long')
    await rejectsWith(up.complete(h.admin, u.id), 'validation.failed', 'part 2 missing')
    await up.putPart(links[1].token, body('efgh'))
    // Another user of the library may not continue it; a download token is no part credential.
    await rejectsWith(up.complete({ ...h.admin, userId: 'mallory', grants: ['upload_file'] }, u.id), 'validation.failed', 'not the uploader')
    const { token } = await h.c.signer.sign({ t: 'dl', u: u.id, n: 1 }, 60_000)
    await rejectsWith(up.putPart(token, body('abcd')), 'auth.unauthenticated', 'wrong kind of token')
    const { node } = await up.complete(h.admin, u.id)
    assert.equal((await readAll((await h.c.nodes.download(h.admin, h.spaceId, String(node.id))).body)).toString(), content)
    assert.equal((await up.get(h.admin, u.id)).nodeId, node.id)
    assert.equal(await partRows(h), 0, 'parts are gone once completed')
    assert.deepEqual(await blobFiles(h.dataDir), [sha(content)], 'part blobs (and the replaced XXXX) released and collected')
    assert.deepEqual((await h.c.fsck.check()).problems, [])
    await rejectsWith(up.putPart(links[0].token, body('abcd')), 'validation.failed', 'no parts after completion')

    // Abandoned: after its expiry the next begin sweeps it (row and bytes).
    const left = await up.begin(h.admin, h.spaceId, { parentId: 'root', name: 'left.txt', sizeBytes: 3 })
    await up.putPart((await up.partLinks(h.admin, left.id))[0].token, body('abc'))
    assert.equal(await h.c.store.repos.blobs.refCount(sha('abc')), 1, 'the part holds one reference')
    assert.deepEqual((await h.c.fsck.check()).problems, [], 'part references are references')
    h.clock.advance(PART_UPLOAD_TTL_MS + 1)
    await up.begin(h.admin, h.spaceId, { parentId: 'root', name: 'next.txt', sizeBytes: 1 })
    await rejectsWith(up.get(h.admin, left.id), 'validation.failed', 'swept')
    assert.equal(await partRows(h), 0)
    assert.equal(await h.c.store.repos.blobs.refCount(sha('abc')), null, 'released and collected')
    assert.deepEqual(await blobFiles(h.dataDir), [sha(content)])
    assert.deepEqual((await h.c.fsck.check()).problems, [])
  } finally {
    await h.close()
  }
})

test('part uploads: one completion at a time; a parent trashed meanwhile refuses it and the parts stay for a retry', async () => {
  const h = await makeHarness()
  try {
    const up = h.c.partUploads
    const dir = await mkdir(h, 'root', 'target')
    const u = await up.begin(h.admin, h.spaceId, { parentId: String(dir.id), name: 'f.bin', sizeBytes: 3 })
    await up.putPart((await up.partLinks(h.admin, u.id))[0].token, body('xyz'))
    const { entry } = await h.c.trash.moveToTrash(h.admin, h.spaceId, String(dir.id))
    await rejectsWith(up.complete(h.admin, u.id), 'node.not_found', 'parent in the bin')
    await h.c.trash.restore(h.admin, h.spaceId, [String(entry.id)])
    const results = await Promise.allSettled([up.complete(h.admin, u.id), up.complete(h.admin, u.id)])
    const fulfilled = results.filter((r) => r.status === 'fulfilled')
    assert.ok(fulfilled.length >= 1)
    for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { code: string }).code, 'service.busy')
    const ids = new Set(fulfilled.map((r) => (r as PromiseFulfilledResult<{ node: { id: number } }>).value.node.id))
    assert.equal(ids.size, 1, 'one file, however many completions')
    assert.equal((await h.c.nodes.list(h.admin, h.spaceId, String(dir.id))).items.length, 1)
  } finally {
    await h.close()
  }
})

test('part uploads: a part whose upload is swept while its bytes arrive is refused and leaves no bytes behind', async () => {
  const h = await makeHarness()
  try {
    const up = h.c.partUploads
    const u = await up.begin(h.admin, h.spaceId, { parentId: 'root', name: 'slow.bin', sizeBytes: 8 })
    const [link] = await up.partLinks(h.admin, u.id)
    let resume!: () => void
    const paused = new Promise<void>((r) => (resume = r))
    let started!: () => void
    const arriving = new Promise<void>((r) => (started = r))
    const slow = Readable.from(
      (async function* () {
        yield Buffer.from('slow')
        started()
        await paused
        yield Buffer.from('part')
      })(),
    )
    const put = up.putPart(link.token, slow)
    await arriving
    h.clock.advance(PART_UPLOAD_TTL_MS + 1)
    assert.equal(await up.sweepExpired(), 1)
    resume()
    await rejectsWith(put, 'validation.failed', 'upload gone before the part was kept')
    assert.equal(await partRows(h), 0)
    assert.deepEqual(await blobFiles(h.dataDir), [], 'the published bytes were collected')
    assert.deepEqual((await h.c.fsck.check()).problems, [])
  } finally {
    await h.close()
  }
})

test('start-up recovery removes the node-local part directory older builds left behind', async () => {
  const h = await makeHarness()
  try {
    const legacy = path.join(h.dataDir, 'part-uploads', '7')
    await fs.mkdir(legacy, { recursive: true })
    await fs.writeFile(path.join(legacy, '1.part'), 'old bytes')
    const recovered = await recoverAtStartup(h.c)
    recovered.markCleanShutdown()
    await assert.rejects(fs.stat(path.join(h.dataDir, 'part-uploads')), { code: 'ENOENT' })
  } finally {
    await h.close()
  }
})
