import { test } from 'node:test'
import assert from 'node:assert/strict'
import { makeHarness, upload, mkdir, type Harness } from '../support/harness.ts'
import { node, binAll, rejectsWith, userActor } from '../support/factories.ts'
import type { DriveNode, NodeSortKey, SortOrder } from '../../src/nodes/node.ts'
import type { RecycleEntry, TrashFilter, TrashSortKey } from '../../src/trash/recycle-entry.ts'
import { DAY_MS } from '../../src/shared/clock.ts'

const ORDERS: SortOrder[] = ['asc', 'desc']

/** The order the API promises: by key, ties by id, both in the requested direction (strings compared as bytes). */
function keysetSort<T extends { id: number }>(rows: T[], key: (r: T) => string | number, order: SortOrder): number[] {
  const cmp = (a: T, b: T) => {
    const ka = key(a)
    const kb = key(b)
    const c = typeof ka === 'string' ? Buffer.compare(Buffer.from(ka), Buffer.from(kb as string)) : ka - (kb as number)
    return c !== 0 ? c : a.id - b.id
  }
  return [...rows].sort((a, b) => (order === 'asc' ? cmp(a, b) : cmp(b, a))).map((r) => r.id)
}

const NODE_KEY: Record<NodeSortKey, (n: DriveNode) => string | number> = {
  name: (n) => n.name,
  size: (n) => n.sizeBytes,
  modified: (n) => n.modifiedAt,
  created: (n) => n.createdAt,
}

/** 250 children of one folder with many ties in size/created/modified, mixed case names and both kinds. */
async function bigFolder(h: Harness) {
  const box = await mkdir(h, 'root', 'box')
  const ids: number[] = []
  for (let i = 0; i < 250; i++) {
    if (i % 3 !== 0) h.clock.advance(1000) // every third child shares its created time with the previous one
    const name = `${i % 5 === 0 ? 'Item' : 'item'}-${String((i * 97) % 250).padStart(3, '0')}`
    if (i % 12 === 0) {
      const d = await mkdir(h, String(box.id), name)
      if (i % 24 === 0) await upload(h, String(d.id), 'inner.bin', 'x'.repeat(i % 7)) // folder size + modified change
      ids.push(d.id)
    } else {
      ids.push((await upload(h, String(box.id), name + '.bin', 'y'.repeat((i * 7) % 13))).id)
    }
  }
  // Renames move modified away from created for some children (ties again: two per clock tick).
  for (let i = 0; i < 250; i += 6) {
    if (i % 12 === 0) h.clock.advance(500)
    const n = await node(h, ids[i])
    await h.c.nodes.update(h.admin, h.spaceId, String(n.id), { name: 'r-' + n.name })
  }
  return { box, ids }
}

test('folder listing: keyset pages of 7 visit all 250 children exactly once, in order, for every sort', async () => {
  const h = await makeHarness()
  try {
    const { box, ids } = await bigFolder(h)
    const truth = await Promise.all(ids.map((id) => node(h, id)))
    assert.ok(new Set(truth.map((n) => n.sizeBytes)).size < 20, 'sizes tie')
    for (const sort of Object.keys(NODE_KEY) as NodeSortKey[]) {
      for (const order of ORDERS) {
        const seen: number[] = []
        let cursor: string | undefined
        let pages = 0
        do {
          const page = await h.c.nodes.list(h.admin, h.spaceId, String(box.id), { sort, order, limit: 7, cursor })
          pages++
          assert.ok(page.items.length === 7 || (page.nextCursor === null && page.items.length > 0), `${sort} ${order}: page ${pages} has ${page.items.length}`)
          seen.push(...page.items.map((n) => n.id))
          cursor = page.nextCursor ?? undefined
        } while (cursor && pages < 100)
        assert.equal(pages, Math.ceil(250 / 7), `${sort} ${order}: pages`)
        assert.deepEqual(seen, keysetSort(truth, NODE_KEY[sort], order), `${sort} ${order}: order`)
      }
    }
  } finally {
    await h.close()
  }
})

test('folder listing: a cursor only works with the sort it came from; garbage cursors are refused', async () => {
  const h = await makeHarness()
  try {
    const box = await mkdir(h, 'root', 'box')
    for (let i = 0; i < 5; i++) await upload(h, String(box.id), `f${i}`, 'z'.repeat(i))
    const list = (opts: object) => h.c.nodes.list(h.admin, h.spaceId, String(box.id), { limit: 2, ...opts })
    const { nextCursor } = await list({ sort: 'name', order: 'asc' })
    assert.ok(nextCursor)
    assert.deepEqual((await list({ sort: 'name', order: 'asc', cursor: nextCursor })).items.map((n) => n.name), ['f2', 'f3'])
    await rejectsWith(list({ sort: 'size', order: 'asc', cursor: nextCursor }), 'cursor.invalid', 'other sort key')
    await rejectsWith(list({ sort: 'name', order: 'desc', cursor: nextCursor }), 'cursor.invalid', 'other order')
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
    for (const bad of ['garbage!', 'e30', b64(42), b64({ s: 'name:asc' }), b64({ s: 'name:asc', k: 'f1', i: 'x' }), b64({ s: 'name:asc', k: {}, i: 1 })]) {
      await rejectsWith(list({ sort: 'name', order: 'asc', cursor: bad }), 'cursor.invalid', `cursor ${bad}`)
    }
    // A trash cursor is not a folder cursor either.
    await rejectsWith(list({ sort: 'name', order: 'asc', cursor: b64({ s: 'trash:name:asc', k: 'f1', i: 1 }) }), 'cursor.invalid', 'trash cursor')
  } finally {
    await h.close()
  }
})

const BASE_NAMES = ['Report Q1.pdf', 'notes.txt', 'IMG_0001.jpg', 'budget 100%.xlsx', 'report-final.docx', 'Zeta.txt', 'alpha', 'Ünï.txt']
const REMOVERS = ['alice', 'bob', 'carol', 'admin']
const STEPS = [0, 3_600_000, 60_000, 0, DAY_MS / 3]

/** 60 bin entries: 3 folders of origin, 4 removers, ties in name/size/removal time, a retention change half-way. */
async function bigBin(h: Harness) {
  const folders = [await mkdir(h, 'root', 'inbox'), await mkdir(h, 'root', 'work'), await mkdir(h, 'root', 'photos')]
  const ids: number[] = []
  for (let i = 0; i < 60; i++) {
    if (i === 30) await h.c.spaces.updateSettings(h.admin, h.spaceId, { retentionDays: 10 }) // later entries expire sooner
    h.clock.advance(STEPS[i % 5])
    const parent = String(folders[i % 3].id)
    const name = BASE_NAMES[i % 8]
    let target: number
    if (i % 10 === 7) {
      target = (await mkdir(h, parent, name + ' dir')).id
      await upload(h, String(target), 'inside.txt', 'i'.repeat(i))
    } else {
      target = (await upload(h, parent, name, 'b'.repeat((i * 37) % 11))).id
    }
    h.clock.advance(STEPS[(i + 2) % 5]) // modified ≠ removed, with ties
    const { entry } = await h.c.trash.moveToTrash(userActor(h, REMOVERS[i % 4]), h.spaceId, String(target))
    ids.push(entry.id)
  }
  const truth = await Promise.all(ids.map((id) => h.c.trash.get(h.admin, h.spaceId, String(id))))
  return { folders, truth }
}

const TRASH_KEY: Record<TrashSortKey, (e: RecycleEntry) => string | number> = {
  name: (e) => e.name,
  modified: (e) => e.modifiedAt,
  size: (e) => e.sizeBytes,
  removed: (e) => e.removedAt,
  remaining: (e) => e.expiresAt,
}

test('bin listing: every sort × order, cursor and page-number modes, filters with exact totals', async () => {
  const h = await makeHarness()
  try {
    const { folders, truth } = await bigBin(h)
    // The retention change really makes "remaining" differ from "removed".
    assert.notDeepEqual(keysetSort(truth, TRASH_KEY.remaining, 'asc'), keysetSort(truth, TRASH_KEY.removed, 'asc'))
    for (const sort of Object.keys(TRASH_KEY) as TrashSortKey[]) {
      for (const order of ORDERS) {
        const want = keysetSort(truth, TRASH_KEY[sort], order)
        const byCursor = await binAll(h, { sort, order, limit: 7 })
        assert.deepEqual(byCursor.items.map((e) => e.id), want, `${sort} ${order}: cursor order`)
        assert.deepEqual(new Set(byCursor.totals), new Set([60]), `${sort} ${order}: totals`)
        const byPage: number[] = []
        for (let page = 1; page <= 10; page++) {
          const p = await h.c.trash.list(h.admin, h.spaceId, { sort, order, limit: 7, page })
          assert.equal(p.total, 60)
          assert.equal(p.items.length, page <= 8 ? 7 : page === 9 ? 4 : 0, `${sort} ${order}: page ${page} size`)
          byPage.push(...p.items.map((e) => e.id))
        }
        assert.deepEqual(byPage, want, `${sort} ${order}: page-number order`)
      }
    }

    const removedSorted = [...truth].sort((a, b) => a.removedAt - b.removedAt || a.id - b.id)
    const from = removedSorted[15].removedAt
    const to = removedSorted[45].removedAt
    const cases: [string, TrashFilter, (e: RecycleEntry) => boolean][] = [
      ['name report', { nameContains: 'report' }, (e) => e.name.toLowerCase().includes('report')],
      ['name REPORT', { nameContains: 'REPORT' }, (e) => e.name.toLowerCase().includes('report')],
      ['name %', { nameContains: '%' }, (e) => e.name.includes('%')],
      ['name _', { nameContains: '_' }, (e) => e.name.includes('_')],
      ['removed window', { removedFrom: from, removedTo: to }, (e) => e.removedAt >= from && e.removedAt < to],
      ['removed from', { removedFrom: from }, (e) => e.removedAt >= from],
      ['removed by bob', { removedBy: 'bob' }, (e) => e.removedBy === 'bob'],
      ['original parent work', { originalParentId: folders[1].id }, (e) => e.originalParentId === folders[1].id],
      ['combined', { removedBy: 'alice', originalParentId: folders[0].id, nameContains: 't' }, (e) => e.removedBy === 'alice' && e.originalParentId === folders[0].id && e.name.toLowerCase().includes('t')],
      ['nothing', { nameContains: 'zzz' }, () => false],
    ]
    for (const [label, filter, match] of cases) {
      const want = keysetSort(truth.filter(match), TRASH_KEY.removed, 'desc')
      const got = await binAll(h, { filter, limit: 5 })
      assert.deepEqual(got.items.map((e) => e.id), want, `${label}: entries`)
      assert.deepEqual(new Set(got.totals), new Set([want.length]), `${label}: total`)
      if (label !== 'nothing' && label !== 'combined') assert.ok(want.length > 0 && want.length < 60, `${label} is a real filter`)
    }

    // Entries being purged leave the bin at once: gone from pages and from the total.
    const gone = truth.slice(0, 3).map((e) => String(e.id))
    await h.c.trash.deleteEntries(h.admin, h.spaceId, gone)
    const after = await binAll(h, { limit: 7 })
    assert.equal(after.items.length, 57)
    assert.ok(!after.items.some((e) => gone.includes(String(e.id))))
    assert.deepEqual(new Set(after.totals), new Set([57]))
  } finally {
    await h.close()
  }
})

test('bin listing: total always equals what the pages return, even for an empty-string filter', async () => {
  const h = await makeHarness()
  try {
    for (const n of ['a', 'b', 'c']) await h.c.trash.moveToTrash(h.admin, h.spaceId, String((await upload(h, 'root', n)).id))
    for (const filter of [{ removedBy: '' }, { nameContains: '' }, { removedBy: 'admin' }] as TrashFilter[]) {
      const got = await binAll(h, { filter })
      assert.deepEqual(got.totals, [got.items.length], `filter ${JSON.stringify(filter)}`)
    }
  } finally {
    await h.close()
  }
})

test('bin nameContains folds case beyond ASCII, like the drive search', async () => {
  const h = await makeHarness()
  try {
    for (const n of ['Ünï.txt', 'plain.txt']) await h.c.trash.moveToTrash(h.admin, h.spaceId, String((await upload(h, 'root', n)).id))
    for (const q of ['Ünï', 'ünï', 'ÜNÏ']) {
      const got = await binAll(h, { filter: { nameContains: q } })
      assert.deepEqual(got.items.map((e) => e.name), ['Ünï.txt'], `nameContains ${q}`)
      assert.deepEqual(got.totals, [1])
    }
  } finally {
    await h.close()
  }
})

test('remainingDays counts whole days left: 30, then 28 after 1.5 days, 0 at the end', async () => {
  const h = await makeHarness()
  try {
    const f = await upload(h, 'root', 'r.txt', 'r')
    const { entry } = await h.c.trash.moveToTrash(h.admin, h.spaceId, String(f.id))
    assert.equal(entry.remainingDays, 30)
    assert.equal(entry.expiresAt - entry.removedAt, 30 * DAY_MS)
    const check = async (days: number) => {
      assert.equal((await h.c.trash.get(h.admin, h.spaceId, String(entry.id))).remainingDays, days)
      assert.equal((await h.c.trash.list(h.admin, h.spaceId)).items[0].remainingDays, days)
    }
    h.clock.advance(1.5 * DAY_MS)
    await check(28)
    h.clock.advance(DAY_MS / 2 - 1) // 1 ms short of two full days
    await check(28)
    h.clock.advance(1)
    await check(28)
    h.clock.advance(1)
    await check(27)
    h.clock.advance(28 * DAY_MS - 2) // 1 ms before expiry
    await check(0)
    h.clock.advance(5 * DAY_MS)
    await check(0)
  } finally {
    await h.close()
  }
})
