import { test } from 'node:test'
import assert from 'node:assert/strict'
import { makeHarness, upload, mkdir, blobFiles, body, type Harness } from '../support/harness.ts'
import { assertConsistent, sha256, trash, uploadMany, usage } from '../support/purge-helpers.ts'
import { DAY_MS } from '../../src/shared/clock.ts'
import type { Actor } from '../../src/access/grants.ts'

const HOUR = 3_600_000

/** Runs the retention job as the scheduler would, and returns its task (null if deduplicated away). */
async function runRetention(h: Harness) {
  const id = await h.c.trash.schedulePurgeExpired(HOUR)
  await h.c.runner.drain()
  return id === null ? null : (await h.c.store.repos.tasks.find(id))!
}

async function binIds(h: Harness, spaceId = h.spaceId, actor = h.admin) {
  return (await h.c.trash.list(actor, spaceId)).items.map((i) => String(i.id)).sort()
}

test('retention purges only expired, unheld entries, across libraries, and records retention-purge', async () => {
  const h = await makeHarness()
  try {
    const t0 = h.clock.now()
    const a = await upload(h, 'root', 'a.txt', 'aaa')
    const held = await upload(h, 'root', 'held.txt', 'hhhh')
    const dir = await mkdir(h, 'root', 'dir')
    await uploadMany(h, String(dir.id), 3, 'd', 5)
    const ea = await trash(h, a.id)
    const eh = await trash(h, held.id)
    const ed = await trash(h, dir.id)
    await h.c.trash.setHeld(h.admin, h.spaceId, eh, true)
    // Another tenant's expired entry is purged by the same (global) task.
    const other = await h.c.libraries.create({ name: 'other' })
    const otherAdmin: Actor = { libraryId: other.libraryId, userId: 'o', grants: ['admin'], spaceIds: null }
    const of = await h.c.nodes.upload(otherAdmin, other.spaceId!, { parentId: 'root', name: 'o.txt', body: body('other!') })
    const eo = String((await h.c.trash.moveToTrash(otherAdmin, other.spaceId!, String(of.id))).entry.id)
    h.clock.advance(2 * DAY_MS)
    const b = await upload(h, 'root', 'b.txt', 'bbbbbb')
    const eb = await trash(h, b.id)

    h.clock.set(t0 + 29 * DAY_MS)
    const t29 = await runRetention(h)
    assert.deepEqual([t29!.state, t29!.total, t29!.done], ['Succeed', 0, 0])
    assert.deepEqual(await binIds(h), [ea, eh, ed, eb].sort())
    assert.equal((await blobFiles(h.dataDir)).length, 7)

    h.clock.set(t0 + 31 * DAY_MS)
    const t31 = await runRetention(h)
    assert.deepEqual([t31!.state, t31!.total, t31!.done], ['Succeed', 3, 3])
    assert.equal(await h.c.trash.schedulePurgeExpired(HOUR), null, 'same period: enqueued once')
    assert.deepEqual(await binIds(h), [eh, eb].sort())
    assert.deepEqual(await binIds(h, other.spaceId!, otherAdmin), [])
    assert.deepEqual(await blobFiles(h.dataDir), [sha256('bbbbbb'), sha256('hhhh')].sort())
    assert.deepEqual(await usage(h), { quotaBytes: null, usedBytes: 10, liveBytes: 0, trashBytes: 10, trashEntries: 2, availableBytes: null })
    assert.equal((await h.c.spaces.usage(otherAdmin, other.spaceId!)).usedBytes, 0)

    const events = await h.c.audit.list(h.admin, h.spaceId, { action: 'retention-purge' })
    assert.deepEqual(events.map((e) => [String(e.entryId), e.name, e.actor]).sort(), [[ea, 'a.txt', 'system'], [ed, 'dir', 'system']].sort())
    const otherEvents = await h.c.audit.list(otherAdmin, other.spaceId!, { action: 'retention-purge' })
    assert.deepEqual(otherEvents.map((e) => String(e.entryId)), [eo])
    assert.equal((await h.c.audit.list(h.admin, h.spaceId, { action: 'purge' })).length, 0)
    await assertConsistent(h, [h.spaceId, other.spaceId!])

    // Releasing the hold makes the entry eligible at the next period.
    await h.c.trash.setHeld(h.admin, h.spaceId, eh, false)
    h.clock.advance(HOUR)
    const later = await runRetention(h)
    assert.deepEqual([later!.total, later!.done], [1, 1])
    assert.deepEqual(await binIds(h), [eb])
    await assertConsistent(h)
  } finally {
    await h.close()
  }
})

test('a space on hold keeps its expired entries until released', async () => {
  const h = await makeHarness()
  try {
    const f = await upload(h, 'root', 'f', 'ffff')
    const e = await trash(h, f.id)
    await h.c.spaces.updateSettings(h.admin, h.spaceId, { hold: true })
    h.clock.advance(40 * DAY_MS)
    assert.equal((await runRetention(h))!.total, 0)
    assert.deepEqual(await binIds(h), [e])
    assert.equal((await usage(h)).trashBytes, 4)
    await h.c.spaces.updateSettings(h.admin, h.spaceId, { hold: false })
    h.clock.advance(HOUR)
    assert.equal((await runRetention(h))!.done, 1)
    assert.deepEqual(await binIds(h), [])
    await assertConsistent(h)
  } finally {
    await h.close()
  }
})

test('extending retention reaches existing entries', async () => {
  const h = await makeHarness()
  try {
    const t0 = h.clock.now()
    const e = await trash(h, (await upload(h, 'root', 'x', 'xx')).id)
    await h.c.spaces.updateSettings(h.admin, h.spaceId, { retentionDays: 60 })
    assert.equal((await h.c.trash.get(h.admin, h.spaceId, e)).expiresAt, t0 + 60 * DAY_MS)
    h.clock.set(t0 + 31 * DAY_MS)
    assert.equal((await runRetention(h))!.total, 0)
    assert.equal((await h.c.trash.get(h.admin, h.spaceId, e)).remainingDays, 29)
    h.clock.set(t0 + 60 * DAY_MS)
    assert.equal((await runRetention(h))!.done, 1)
    assert.deepEqual(await binIds(h), [])
    await assertConsistent(h)
  } finally {
    await h.close()
  }
})

test('shortening retention applies only to entries trashed after the change', async () => {
  const h = await makeHarness()
  try {
    const t0 = h.clock.now()
    const old = await trash(h, (await upload(h, 'root', 'old', 'old')).id)
    await h.c.spaces.updateSettings(h.admin, h.spaceId, { retentionDays: 7 })
    assert.equal((await h.c.trash.get(h.admin, h.spaceId, old)).expiresAt, t0 + 30 * DAY_MS)
    h.clock.set(t0 + DAY_MS)
    const young = await trash(h, (await upload(h, 'root', 'new', 'newer')).id)
    assert.equal((await h.c.trash.get(h.admin, h.spaceId, young)).remainingDays, 7)

    h.clock.set(t0 + 8 * DAY_MS - 1)
    assert.equal((await runRetention(h))!.total, 0)
    h.clock.set(t0 + 8 * DAY_MS)
    assert.equal((await runRetention(h))!.done, 1)
    assert.deepEqual(await binIds(h), [old])
    h.clock.set(t0 + 29 * DAY_MS)
    assert.equal((await runRetention(h))!.total, 0)
    assert.deepEqual(await binIds(h), [old])
    h.clock.set(t0 + 30 * DAY_MS)
    assert.equal((await runRetention(h))!.done, 1)
    assert.deepEqual(await binIds(h), [])
    assert.equal((await usage(h)).usedBytes, 0)
    await assertConsistent(h)
  } finally {
    await h.close()
  }
})

test('remainingDays counts whole days left and never goes negative', async () => {
  const h = await makeHarness()
  try {
    const e = await trash(h, (await upload(h, 'root', 'r', 'r')).id)
    const days = async () => (await h.c.trash.get(h.admin, h.spaceId, e)).remainingDays
    assert.equal(await days(), 30)
    h.clock.advance(1)
    assert.equal(await days(), 29)
    h.clock.advance(DAY_MS - 1)
    assert.equal(await days(), 29)
    h.clock.advance(1)
    assert.equal(await days(), 28)
    h.clock.advance(28 * DAY_MS - 2)
    assert.equal(await days(), 1)
    h.clock.advance(2)
    assert.equal(await days(), 0)
    h.clock.advance(5 * DAY_MS)
    assert.equal(await days(), 0)
    assert.equal((await h.c.trash.list(h.admin, h.spaceId)).items[0].remainingDays, 0)
  } finally {
    await h.close()
  }
})
