import { test } from 'node:test'
import assert from 'node:assert/strict'
import { makeHarness, upload, mkdir, readAll } from '../support/harness.ts'
import { assertConsistent, rejectsWith, sha256, trash } from '../support/purge-helpers.ts'
import type { RestoreOutcome, PurgeRequest } from '../../src/trash/trash.service.ts'

const ROUNDS = 50

test('restore racing permanent delete: exactly one wins, every time', async () => {
  const h = await makeHarness()
  try {
    const dir = await mkdir(h, 'root', 'race')
    // A live twin keeps the shared blob referenced whatever happens to the raced copies.
    await upload(h, 'root', 'twin.txt', 'shared-bytes')
    const wins = { restored: 0, purged: 0 }
    const restoredIds: string[] = []
    for (let i = 0; i < ROUNDS; i++) {
      const content = i % 3 === 0 ? 'shared-bytes' : `content-${i}`
      const f = await upload(h, String(dir.id), `f${i}.txt`, content)
      const e = await trash(h, f.id)
      // Alternate who starts first so both interleavings are exercised.
      const restore = () => h.c.trash.restore(h.admin, h.spaceId, [e])
      const del = () => h.c.trash.deleteEntries(h.admin, h.spaceId, [e])
      const settled = i % 2 === 0 ? await Promise.allSettled([restore(), del()]) : await Promise.allSettled([del(), restore()]).then(([d, r]) => [r, d] as const)
      const [r, d] = settled
      assert.equal(r.status, 'fulfilled', `round ${i}: restore threw ${r.status === 'rejected' ? r.reason : ''}`)
      assert.equal(d.status, 'fulfilled', `round ${i}: delete threw ${d.status === 'rejected' ? d.reason : ''}`)
      const [out] = (r as PromiseFulfilledResult<RestoreOutcome[]>).value
      const req = (d as PromiseFulfilledResult<PurgeRequest>).value
      const restored = out.status === 'restored'
      const purged = req.accepted.includes(e)
      assert.ok(restored !== purged, `round ${i}: restored=${restored} purged=${purged} ${JSON.stringify({ out, req })}`)
      if (restored) {
        assert.deepEqual(req.rejected.map((x) => x.code), ['trash.entry_not_found'], `round ${i}`)
        wins.restored++
        restoredIds.push(String(f.id))
      } else {
        assert.equal(out.error?.code, 'trash.entry_purging', `round ${i}`)
        wins.purged++
      }
      await h.c.runner.drain()
      if (restored) {
        const dl = await h.c.nodes.download(h.admin, h.spaceId, String(f.id))
        assert.equal((await readAll(dl.body)).toString(), content, `round ${i}: restored bytes`)
      } else {
        await rejectsWith(h.c.nodes.get(h.admin, h.spaceId, String(f.id)), 'node.not_found', `round ${i}`)
        assert.equal(await h.c.store.repos.nodes.find(Number(h.spaceId), f.id), undefined, `round ${i}: row gone`)
      }
    }
    assert.equal(wins.restored + wins.purged, ROUNDS)
    assert.ok(wins.restored > 0 && wins.purged > 0, `both outcomes exercised: ${JSON.stringify(wins)}`)

    const listed = await h.c.nodes.list(h.admin, h.spaceId, String(dir.id), { limit: 1000 })
    assert.deepEqual(listed.items.map((n) => String(n.id)).sort(), [...restoredIds].sort())
    const bin = await h.c.trash.list(h.admin, h.spaceId)
    assert.equal(bin.total, 0)
    // Shared content: the twin plus every restored copy of it, no more, no less.
    const sharedRestored = listed.items.filter((n) => n.blobSha256 === sha256('shared-bytes')).length
    assert.equal(await h.c.store.repos.blobs.refCount(sha256('shared-bytes')), 1 + sharedRestored)
    const liveBytes = 12 + listed.items.reduce((s, n) => s + n.sizeBytes, 0)
    assert.deepEqual(await h.c.spaces.usage(h.admin, h.spaceId), { quotaBytes: null, usedBytes: liveBytes, liveBytes, trashBytes: 0, trashEntries: 0, availableBytes: null })
    await assertConsistent(h)
  } finally {
    await h.close()
  }
})

test('restore racing empty bin: each entry ends either restored or purged, never both', async () => {
  const h = await makeHarness()
  try {
    const wins = { restored: 0, purged: 0 }
    for (let i = 0; i < 20; i++) {
      const f = await upload(h, 'root', `g${i}`, `g-${i}`)
      const e = await trash(h, f.id)
      const restore = () => h.c.trash.restore(h.admin, h.spaceId, [e])
      const empty = () => h.c.trash.emptyTrash(h.admin, h.spaceId)
      const [r, em] = i % 2 === 0 ? await Promise.allSettled([restore(), empty()]) : await Promise.allSettled([empty(), restore()]).then(([a, b]) => [b, a] as const)
      assert.equal(r.status, 'fulfilled')
      assert.equal(em.status, 'fulfilled')
      const restored = r.value[0].status === 'restored'
      wins[restored ? 'restored' : 'purged']++
      assert.equal(em.value.entries, restored ? 0 : 1, `round ${i}`)
      if (!restored) assert.equal(r.value[0].error?.code, 'trash.entry_purging')
      await h.c.runner.drain()
      assert.equal(!!(await h.c.store.repos.nodes.find(Number(h.spaceId), f.id)), restored, `round ${i}`)
    }
    assert.ok(wins.restored > 0 && wins.purged > 0, `both outcomes exercised: ${JSON.stringify(wins)}`)
    await assertConsistent(h)
  } finally {
    await h.close()
  }
})

test('restoring an entry that is already purging is refused with trash.entry_purging', async () => {
  const h = await makeHarness()
  try {
    const f = await upload(h, 'root', 'p.txt', 'pp')
    const e = await trash(h, f.id)
    await h.c.trash.deleteEntries(h.admin, h.spaceId, [e])
    const [out] = await h.c.trash.restore(h.admin, h.spaceId, [e])
    assert.equal(out.status, 'failed')
    assert.equal(out.error?.code, 'trash.entry_purging')
    // Dry run too: it must not pretend the entry could be restored.
    const [dry] = await h.c.trash.restore(h.admin, h.spaceId, [e], { dryRun: true })
    assert.equal(dry.error?.code, 'trash.entry_purging')
    await h.c.runner.drain()
    const [late] = await h.c.trash.restore(h.admin, h.spaceId, [e])
    assert.equal(late.error?.code, 'trash.entry_not_found')
    await assertConsistent(h)
  } finally {
    await h.close()
  }
})
