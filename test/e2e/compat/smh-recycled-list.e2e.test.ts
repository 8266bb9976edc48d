import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { makeSmh, assertSmhError, harnessOf, type Smh } from './smh-support.ts'
import { bulkFiles } from '../../support/factories.ts'
import { trashNode } from '../../../src/trash/trash-ops.ts'

const DAY = 86_400_000
// 10,000 on the embedded engine as the issue asks; the PostgreSQL pass re-checks the same paging on 2,000 (the bulk setup dominates there).
const N = process.env.TROVE_TEST_DB === 'postgres' ? 2_000 : 10_000

/** Seed 002 (List Recycle Bin): both pagination modes over 10,000 entries, every sort key, and every documented field. */
describe('SMH recycle bin listing', () => {
  let s: Smh
  let L: string
  before(async () => {
    s = await makeSmh()
    L = s.single.libraryId
    // 10,000 files in one transaction, then 10,000 trash actions through the core's own trashNode in one transaction:
    // the counters (bytes in the bin, entry count) move exactly as in N separate requests.
    const h = harnessOf(s, s.single)
    const folder = await s.t.c.nodes.createFolder(h.admin, h.spaceId, 'root', 'bulk')
    const files = await bulkFiles(h as never, String(folder.id), N, { prefix: 'f' })
    await s.t.c.store.transaction(async (r) => {
      for (const id of files.ids) {
        const space = (await r.spaces.find(Number(h.spaceId)))!
        const node = (await r.nodes.find(Number(h.spaceId), id))!
        await trashNode(r, { space, node, userId: 'bulk', now: s.t.clock.now(), permanent: false })
      }
    })
  })
  after(async () => {
    await s?.close()
  })

  it('page mode: page + page_size walk all 10,000 entries once, totalNum is exact, no nextMarker', async () => {
    const seen = new Set<number>()
    for (let page = 1; ; page++) {
      const r = await s.call('GET', `/recycled/${L}/-`, { query: { page: String(page), page_size: '1000', order_by: 'name', order_by_type: 'asc' } })
      assert.equal(r.status, 200, r.text)
      assert.equal(r.json.totalNum, N)
      assert.equal(r.json.nextMarker, undefined)
      if (!r.json.contents.length) break
      for (const e of r.json.contents) seen.add(e.recycledItemId)
      assert.ok(page <= 11)
    }
    assert.equal(seen.size, N)
    // page 5 of 20 is entries 81..100 in name order
    const p5 = await s.call('GET', `/recycled/${L}/-`, { query: { page: '5', page_size: '20', order_by: 'name' } })
    assert.deepEqual(p5.json.contents.map((e: { name: string }) => e.name), Array.from({ length: 20 }, (_, i) => `f${String(80 + i).padStart(5, '0')}.bin`))
    // defaults: page 1, 20 per page
    const def = await s.call('GET', `/recycled/${L}/-`)
    assert.equal(def.json.contents.length, 20)
    assert.equal(def.json.totalNum, N)
  })

  it('marker mode: marker + limit (default 20, max 100) walks all 10,000 entries in order; the last page has no nextMarker', async () => {
    const first = await s.call('GET', `/recycled/${L}/-`, { query: { limit: '' } })
    assert.equal(first.json.contents.length, 20)
    const names: string[] = []
    let marker: string | undefined
    for (let pages = 0; ; pages++) {
      const r = await s.call('GET', `/recycled/${L}/-`, { query: { limit: '100', order_by: 'name', order_by_type: 'desc', ...(marker ? { marker } : {}) } })
      assert.equal(r.status, 200, r.text)
      assert.equal(r.json.totalNum, N)
      names.push(...r.json.contents.map((e: { name: string }) => e.name))
      marker = r.json.nextMarker
      if (!marker) break
      assert.equal(typeof marker, 'string')
      assert.ok(pages < 101)
    }
    assert.equal(names.length, N)
    assert.equal(new Set(names).size, N)
    assert.deepEqual(names, [...names].sort().reverse())
    assertSmhError(await s.call('GET', `/recycled/${L}/-`, { query: { limit: '101' } }), 400, 'ParamInvalid')
  })

  it('mixing page/page_size with marker/limit is a 400; a tampered or foreign marker is MarkerNotFound', async () => {
    assertSmhError(await s.call('GET', `/recycled/${L}/-`, { query: { page: '1', limit: '10' } }), 400, 'ParamInvalid')
    assertSmhError(await s.call('GET', `/recycled/${L}/-`, { query: { page_size: '10', marker: 'x' } }), 400, 'ParamInvalid')
    assertSmhError(await s.call('GET', `/recycled/${L}/-`, { query: { marker: 'not-a-marker' } }), 404, 'MarkerNotFound')
    const byName = await s.call('GET', `/recycled/${L}/-`, { query: { limit: '5', order_by: 'name' } })
    assertSmhError(await s.call('GET', `/recycled/${L}/-`, { query: { limit: '5', order_by: 'size', marker: byName.json.nextMarker } }), 404, 'MarkerNotFound')
    assertSmhError(await s.call('GET', `/recycled/${L}/-`, { query: { order_by: 'owner' } }), 400, 'OrderByNotAllowed')
    assertSmhError(await s.call('GET', `/recycled/${L}/-`, { query: { order_by: 'name', order_by_type: 'up' } }), 400, 'OrderByTypeNotAllowed')
    assertSmhError(await s.call('GET', `/recycled/${L}/-`, { query: { page_size: '1001' } }), 400, 'ParamInvalid')
    // page_size 0: the count alone
    const zero = await s.call('GET', `/recycled/${L}/-`, { query: { page_size: '0' } })
    assert.equal(zero.status, 200)
    assert.deepEqual(zero.json.contents, [])
    assert.equal(zero.json.totalNum, N)
  })
})

describe('SMH recycle bin sort keys and fields', () => {
  let s: Smh
  let L: string
  before(async () => {
    s = await makeSmh()
    L = s.single.libraryId
    // Four entries that differ in every key: name, size, modification time, removal time and remaining time.
    // Removed a day apart (b, d, a, c); raising retention to 45 before `a` also extends `d` (lifecycle: extend reaches
    // existing entries), so the remaining-time order (c, d, a, b) differs from the removal order.
    await s.call('PUT', `/directory/${L}/-/d`)
    const plan = [
      { name: 'c.docx', size: 30, retention: 1 },
      { name: 'a.xlsx', size: 10, retention: 45 },
      { name: 'd.pptx', size: 40, retention: 30 },
      { name: 'b.txt', size: 20, retention: 60 },
    ]
    for (const p of plan) {
      assert.equal((await s.upload(s.single, '-', `d/${p.name}`, 'x'.repeat(p.size))).status, 200)
      s.t.clock.advance(60_000)
    }
    for (const p of [...plan].reverse()) {
      await s.t.c.spaces.updateSettings({ ...s.t.h.admin, libraryId: L }, s.single.spaceId!, { retentionDays: p.retention })
      const r = await s.call('DELETE', `/file/${L}/-/d/${p.name}`)
      assert.equal(r.status, 200, r.text)
      s.t.clock.advance(DAY)
    }
  })
  after(async () => {
    await s?.close()
  })

  const order = async (q: Record<string, string>) =>
    (await s.call('GET', `/recycled/${L}/-`, { query: q })).json.contents.map((e: { name: string }) => e.name)

  it('order_by name, size, modificationTime, removalTime, remainingTime; asc and desc', async () => {
    assert.deepEqual(await order({ order_by: 'name' }), ['a.xlsx', 'b.txt', 'c.docx', 'd.pptx'])
    assert.deepEqual(await order({ order_by: 'name', order_by_type: 'desc' }), ['d.pptx', 'c.docx', 'b.txt', 'a.xlsx'])
    assert.deepEqual(await order({ order_by: 'size', order_by_type: 'asc' }), ['a.xlsx', 'b.txt', 'c.docx', 'd.pptx'])
    assert.deepEqual(await order({ order_by: 'size', order_by_type: 'desc' }), ['d.pptx', 'c.docx', 'b.txt', 'a.xlsx'])
    assert.deepEqual(await order({ order_by: 'modificationTime' }), ['c.docx', 'a.xlsx', 'd.pptx', 'b.txt'])
    assert.deepEqual(await order({ order_by: 'modificationTime', order_by_type: 'desc' }), ['b.txt', 'd.pptx', 'a.xlsx', 'c.docx'])
    // removed in reverse plan order: b, d, a, c
    assert.deepEqual(await order({ order_by: 'removalTime' }), ['b.txt', 'd.pptx', 'a.xlsx', 'c.docx'])
    assert.deepEqual(await order({ order_by: 'removalTime', order_by_type: 'desc' }), ['c.docx', 'a.xlsx', 'd.pptx', 'b.txt'])
    assert.deepEqual(await order({ order_by: 'remainingTime' }), ['c.docx', 'd.pptx', 'a.xlsx', 'b.txt'])
    assert.deepEqual(await order({ order_by: 'remainingTime', order_by_type: 'desc' }), ['b.txt', 'a.xlsx', 'd.pptx', 'c.docx'])
    // no order_by: newest removal first
    assert.deepEqual(await order({}), ['c.docx', 'a.xlsx', 'd.pptx', 'b.txt'])
  })

  it('every field of the seed sample, with SMH types: number id, path array, size string, whole days left', async () => {
    const r = await s.call('GET', `/recycled/${L}/-`, { query: { order_by: 'name' } })
    assert.equal(r.status, 200)
    assert.equal(r.json.totalNum, 4)
    const e = r.json.contents[0]
    assert.deepEqual(Object.keys(e).sort(), [
      'authorityButtonList', 'authorityList', 'creationTime', 'fileType', 'modificationTime', 'name', 'originalPath', 'previewAsIcon', 'previewByCI',
      'previewByDoc', 'recycledItemId', 'remainingTime', 'removalTime', 'size', 'spaceId', 'type',
    ])
    assert.equal(typeof e.recycledItemId, 'number')
    assert.deepEqual(e.originalPath, ['d', 'a.xlsx'])
    assert.equal(e.spaceId, '-')
    assert.equal(e.size, '10')
    assert.equal(e.type, 'file')
    assert.equal(e.fileType, 'excel')
    assert.equal(e.previewByDoc, false)
    assert.match(e.creationTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    assert.ok(e.creationTime < e.removalTime)
    // a.xlsx was removed on day 2 with 45 days of retention; now is day 4
    assert.equal(e.remainingTime, 43)
    assert.deepEqual(e.authorityList, { canRestore: true, canDelete: true })
    assert.equal(e.authorityButtonList.showRestoreButton, true)
    assert.equal(e.authorityButtonList.showDeleteButton, true)
    assert.equal(e.authorityButtonList.showDownloadButton, false)
    s.t.clock.advance(DAY)
    const later = await s.call('GET', `/recycled/${L}/-`, { query: { order_by: 'name' } })
    assert.equal(later.json.contents[0].remainingTime, 42)
    s.t.clock.advance(DAY / 2)
    const half = await s.call('GET', `/recycled/${L}/-`, { query: { order_by: 'name' } })
    assert.equal(half.json.contents[0].remainingTime, 41, 'partial days are not counted')
    const types = Object.fromEntries(later.json.contents.map((x: { name: string; fileType: string }) => [x.name, x.fileType]))
    assert.deepEqual(types, { 'a.xlsx': 'excel', 'b.txt': 'txt', 'c.docx': 'word', 'd.pptx': 'powerpoint' })
  })

  it('authorityList follows the caller: a read-only token may neither restore nor delete', async () => {
    const ro = await s.token(s.single, { user_id: 'reader' })
    const r = await s.call('GET', `/recycled/${L}/-`, { token: ro })
    assert.equal(r.status, 200)
    assert.deepEqual(r.json.contents[0].authorityList, { canRestore: false, canDelete: false })
    assert.equal(r.json.contents[0].authorityButtonList.showRestoreButton, false)
    const restorer = await s.token(s.single, { user_id: 'restorer', grant: 'restore_recycled' })
    assert.deepEqual((await s.call('GET', `/recycled/${L}/-`, { token: restorer })).json.contents[0].authorityList, { canRestore: true, canDelete: false })
  })
})
