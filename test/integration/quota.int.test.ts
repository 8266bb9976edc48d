import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { makeHarness, upload, mkdir, readAll, blobFiles, body, type Harness } from '../support/harness.ts'
import { assertConsistent, rejectsWith, sha256, stagingFiles, trash, usage } from '../support/purge-helpers.ts'

/** A body that counts how many chunks were pulled from it, so a test can tell "refused before reading". */
function meteredBody(chunks: number, chunkSize: number) {
  const meter = { pulled: 0 }
  const stream = Readable.from(
    (function* () {
      for (let i = 0; i < chunks; i++) {
        meter.pulled++
        yield Buffer.alloc(chunkSize, 97 + (i % 26))
      }
    })(),
  )
  return { stream, meter }
}

async function assertNothingLeft(h: Harness, blobs: string[], used: number) {
  assert.deepEqual(await blobFiles(h.dataDir), [...blobs].sort())
  assert.deepEqual(await stagingFiles(h.dataDir), [])
  assert.equal((await usage(h)).usedBytes, used)
  await assertConsistent(h)
}

test('a declared size over the quota is refused before any byte is read', async () => {
  const h = await makeHarness({ quotaBytes: 10 })
  try {
    await upload(h, 'root', 'a', 'aaaaaa')
    const { stream, meter } = meteredBody(1, 5)
    await rejectsWith(h.c.nodes.upload(h.admin, h.spaceId, { parentId: 'root', name: 'big', body: stream, sizeBytes: 5 }), 'quota.exceeded')
    assert.equal(meter.pulled, 0)
    await assertNothingLeft(h, [sha256('aaaaaa')], 6)
    assert.equal((await h.c.nodes.resolvePath(h.admin, h.spaceId, '/big')), null)
  } finally {
    await h.close()
  }
})

test('without a declared size, bytes over the quota are refused and reading stops early', async () => {
  const h = await makeHarness({ quotaBytes: 100_000 })
  try {
    await rejectsWith(h.c.nodes.upload(h.admin, h.spaceId, { parentId: 'root', name: 'small-over', body: body('x'.repeat(100_001)) }), 'quota.exceeded')
    const { stream, meter } = meteredBody(64, 64 * 1024)
    await rejectsWith(h.c.nodes.upload(h.admin, h.spaceId, { parentId: 'root', name: 'huge', body: stream }), 'quota.exceeded')
    assert.ok(meter.pulled < 10, `stopped reading after ${meter.pulled} of 64 chunks`)
    await assertNothingLeft(h, [], 0)
    // The boundary: exactly the quota fits, one byte more does not.
    await h.c.nodes.upload(h.admin, h.spaceId, { parentId: 'root', name: 'exact', body: body('y'.repeat(100_000)) })
    assert.equal((await usage(h)).availableBytes, 0)
    await rejectsWith(upload(h, 'root', 'one-more', 'z'), 'quota.exceeded')
    await assertNothingLeft(h, [sha256('y'.repeat(100_000))], 100_000)
  } finally {
    await h.close()
  }
})

test('trashed bytes still count: an upload fits only after the emptied bin is purged', async () => {
  const h = await makeHarness({ quotaBytes: 10 })
  try {
    const old = await upload(h, 'root', 'old', 'oooooooo')
    await trash(h, old.id)
    assert.deepEqual(await usage(h), { quotaBytes: 10, usedBytes: 8, liveBytes: 0, trashBytes: 8, trashEntries: 1, availableBytes: 2 })
    await rejectsWith(h.c.nodes.upload(h.admin, h.spaceId, { parentId: 'root', name: 'new', body: body('nnnnn'), sizeBytes: 5 }), 'quota.exceeded', 'declared, bin full')
    await rejectsWith(upload(h, 'root', 'new', 'nnnnn'), 'quota.exceeded', 'undeclared, bin full')
    await h.c.trash.emptyTrash(h.admin, h.spaceId)
    // Still charged until the purge task actually frees the bytes.
    await rejectsWith(upload(h, 'root', 'new', 'nnnnn'), 'quota.exceeded', 'emptied, not yet purged')
    await h.c.runner.drain()
    const n = await h.c.nodes.upload(h.admin, h.spaceId, { parentId: 'root', name: 'new', body: body('nnnnn'), sizeBytes: 5 })
    assert.equal(n.sizeBytes, 5)
    assert.deepEqual(await usage(h), { quotaBytes: 10, usedBytes: 5, liveBytes: 5, trashBytes: 0, trashEntries: 0, availableBytes: 5 })
    await assertNothingLeft(h, [sha256('nnnnn')], 5)
  } finally {
    await h.close()
  }
})

test('a size mismatch is refused either way and leaves nothing behind', async () => {
  const h = await makeHarness()
  try {
    await rejectsWith(h.c.nodes.upload(h.admin, h.spaceId, { parentId: 'root', name: 'short', body: body('12345'), sizeBytes: 10 }), 'upload.size_mismatch', 'fewer bytes')
    await rejectsWith(h.c.nodes.upload(h.admin, h.spaceId, { parentId: 'root', name: 'long', body: body('12345'), sizeBytes: 3 }), 'upload.size_mismatch', 'more bytes')
    await assertNothingLeft(h, [], 0)
  } finally {
    await h.close()
  }
})

test('a checksum mismatch is refused, leaves nothing behind and never touches an existing twin', async () => {
  const h = await makeHarness()
  try {
    const twin = await upload(h, 'root', 'twin', 'payload')
    const wrong = sha256('something else')
    await rejectsWith(h.c.nodes.upload(h.admin, h.spaceId, { parentId: 'root', name: 'new', body: body('fresh bytes'), sha256: wrong }), 'upload.checksum_mismatch', 'new content')
    await rejectsWith(h.c.nodes.upload(h.admin, h.spaceId, { parentId: 'root', name: 'dup', body: body('payload'), sha256: wrong }), 'upload.checksum_mismatch', 'same as twin')
    await assertNothingLeft(h, [sha256('payload')], 7)
    assert.equal(await h.c.store.repos.blobs.refCount(sha256('payload')), 1)
    assert.equal((await readAll((await h.c.nodes.download(h.admin, h.spaceId, String(twin.id))).body)).toString(), 'payload')
    const ok = await h.c.nodes.upload(h.admin, h.spaceId, { parentId: 'root', name: 'ok', body: body('fresh bytes'), sha256: sha256('fresh bytes') })
    assert.equal(ok.blobSha256, sha256('fresh bytes'))
  } finally {
    await h.close()
  }
})

test('copies are charged to the quota and refused when they do not fit', async () => {
  const h = await makeHarness({ quotaBytes: 20 })
  try {
    const f = await upload(h, 'root', 'f', 'ffff')
    const c1 = await h.c.nodes.copy(h.admin, h.spaceId, String(f.id), { parentId: 'root' })
    assert.equal(c1.name, 'f (1)')
    assert.equal((await usage(h)).usedBytes, 8)
    assert.equal(await h.c.store.repos.blobs.refCount(sha256('ffff')), 2)
    const dir = await mkdir(h, 'root', 'dir')
    await upload(h, String(dir.id), 'x', 'xxxxx')
    await upload(h, String(dir.id), 'y', 'yyy')
    // 8 + 8 = 16 used; a copy of dir (8 bytes) would make 24 > 20.
    await rejectsWith(h.c.nodes.copy(h.admin, h.spaceId, String(dir.id), { parentId: 'root' }), 'quota.exceeded')
    assert.equal((await h.c.nodes.list(h.admin, h.spaceId, 'root')).items.length, 3)
    await h.c.trash.deleteEntries(h.admin, h.spaceId, [await trash(h, c1.id)])
    await h.c.runner.drain()
    const copy = await h.c.nodes.copy(h.admin, h.spaceId, String(dir.id), { parentId: 'root', name: 'dir2' })
    assert.deepEqual([copy.sizeBytes, copy.itemCount], [8, 2])
    assert.deepEqual(await usage(h), { quotaBytes: 20, usedBytes: 20, liveBytes: 20, trashBytes: 0, trashEntries: 0, availableBytes: 0 })
    assert.equal(await h.c.store.repos.blobs.refCount(sha256('xxxxx')), 2)
    await rejectsWith(h.c.nodes.copy(h.admin, h.spaceId, String(f.id), { parentId: 'root' }), 'quota.exceeded', 'full')
    await assertConsistent(h)
  } finally {
    await h.close()
  }
})

test('concurrent uploads that fit alone but not together: one wins, the loser leaves nothing', async () => {
  const h = await makeHarness({ quotaBytes: 10 })
  try {
    for (const [a, b] of [
      ['first!', 'second'],
      ['sameee', 'sameee'],
    ]) {
      const results = await Promise.allSettled([upload(h, 'root', `a-${a}`, a), upload(h, 'root', `b-${b}`, b)])
      const won = results.filter((r) => r.status === 'fulfilled')
      assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.status)))
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
      assert.equal(lost.reason.code, 'quota.exceeded')
      const winner = (won[0] as PromiseFulfilledResult<{ id: number; blobSha256: string }>).value
      await assertNothingLeft(h, [winner.blobSha256], 6)
      await h.c.trash.deleteEntries(h.admin, h.spaceId, [await trash(h, winner.id)])
      await h.c.runner.drain()
    }
  } finally {
    await h.close()
  }
})
