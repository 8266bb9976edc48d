/**
 * KooDrive conformance: POST /files/{type} and /files/{groupId}/{type} (getPersonalFiles / getDepartmentFiles):
 * pageInfo (pageSize, pageCursor → nextCursor), sortInfo (sortType 1–6, sortDirection), parentFileId, fileType,
 * and the recycle bin (type 1) walked to the end at 10,000 entries sorted by recycle time.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Koo, expectError, expectOk } from './koodrive-helpers.ts'
import { bulkFiles } from '../../support/factories.ts'
import { trashNode } from '../../../src/trash/trash-ops.ts'

type F = { id: string; fileName: string; fileType: string; size: number; recycledTime?: string; parentFolder: string[] }

let k: Koo
before(async () => {
  k = await Koo.make()
})
after(async () => {
  await k.close()
})

async function walk(type: 0 | 1, body: Record<string, unknown>, pageSize: number, path = `/files/${type}`): Promise<{ files: F[]; pages: number; sizes: number[] }> {
  const files: F[] = []
  const sizes: number[] = []
  let cursor = ''
  for (let pages = 1; ; pages++) {
    assert.ok(pages <= 20_000, 'the listing does not end')
    const r = await k.call(k.admin, 'POST', path, { json: { containerId: k.spaceId, ...body, pageInfo: { pageSize, pageCursor: cursor } } })
    expectOk(r)
    assert.equal(r.json.category, 'drive#fileList')
    files.push(...r.json.files)
    sizes.push(r.json.files.length)
    if (!('nextCursor' in r.json)) return { files, pages, sizes }
    assert.equal(typeof r.json.nextCursor, 'string')
    assert.ok(r.json.nextCursor.length > 0)
    cursor = r.json.nextCursor
  }
}

test('a folder sorted by every sortType, both directions, paged through nextCursor to the end', async () => {
  const folder = await k.mkdir(k.admin, 'sorted')
  const specs = [
    ['b.jpg', 'bbbb'],
    ['a.txt', 'a'],
    ['d.mp4', 'dddddd'],
    ['c.docx', 'ccc'],
  ] as const
  const ids: Record<string, string> = {}
  for (const [name, content] of specs) {
    ids[name] = await k.upload(k.admin, name, content, folder)
    k.clock.advance(1000)
  }
  ids.sub = await k.mkdir(k.admin, 'sub', folder)
  const names = async (sortType: number | string, sortDirection: number | string, pageSize = 2) =>
    (await walk(0, { parentFileId: folder, sortInfo: { sortType, sortDirection } }, pageSize)).files.map((f) => f.fileName)
  assert.deepEqual(await names(1, 1), ['a.txt', 'b.jpg', 'c.docx', 'd.mp4', 'sub'])
  assert.deepEqual(await names(1, 2), ['sub', 'd.mp4', 'c.docx', 'b.jpg', 'a.txt'])
  assert.deepEqual(await names(2, 1), ['sub', 'a.txt', 'c.docx', 'b.jpg', 'd.mp4'])
  assert.deepEqual(await names(2, 2, 1), ['d.mp4', 'b.jpg', 'c.docx', 'a.txt', 'sub'])
  assert.deepEqual(await names(3, 1), ['b.jpg', 'a.txt', 'd.mp4', 'c.docx', 'sub'])
  assert.deepEqual(await names(3, 2, 3), ['sub', 'c.docx', 'd.mp4', 'a.txt', 'b.jpg'])
  assert.deepEqual(await names(4, 2), ['sub', 'c.docx', 'd.mp4', 'a.txt', 'b.jpg'])
  assert.deepEqual(await names('6', '1'), ['a.txt', 'b.jpg', 'c.docx', 'd.mp4', 'sub'], 'format: served in name order')
  assert.deepEqual(await names('', ''), ['a.txt', 'b.jpg', 'c.docx', 'd.mp4', 'sub'], 'default: name ascending')
  const paged = await walk(0, { parentFileId: folder }, 2)
  assert.deepEqual(paged.sizes, [2, 2, 1])

  // fileType filters (10 folder, 15 image, 20 video, 26 word, 45 other) and a name filter.
  const typed = async (fileType: string) => (await walk(0, { parentFileId: folder, fileType }, 1)).files.map((f) => f.fileName)
  assert.deepEqual(await typed('10'), ['sub'])
  assert.deepEqual(await typed('15'), ['b.jpg'])
  assert.deepEqual(await typed('20'), ['d.mp4'])
  assert.deepEqual(await typed('26'), ['c.docx'])
  assert.deepEqual(await typed('45'), ['a.txt'])
  assert.deepEqual(await typed('30'), [])
  assert.deepEqual((await walk(0, { parentFileId: folder, fileName: 'D' }, 10)).files.map((f) => f.fileName), ['c.docx', 'd.mp4'])
  const one = (await walk(0, { parentFileId: folder, fileType: '15' }, 100)).files[0]
  assert.equal(one.id, ids['b.jpg'])
  assert.equal(one.size, 4)
  assert.deepEqual(one.parentFolder, [folder])
})

test('listing refusals: sortType 5 outside the bin, bad direction, page sizes, tampered cursors, unknown fileType', async () => {
  const base = { containerId: k.spaceId, parentFileId: 'root' }
  expectError(await k.call(k.admin, 'POST', '/files/0', { json: { ...base, sortInfo: { sortType: 5 } } }), 400, '13000102', 'sortType 5')
  expectError(await k.call(k.admin, 'POST', '/files/0', { json: { ...base, sortInfo: { sortType: 7 } } }), 400, '13000102', 'sortType 7')
  expectError(await k.call(k.admin, 'POST', '/files/0', { json: { ...base, sortInfo: { sortType: 1, sortDirection: 3 } } }), 400, '13000102', 'direction')
  expectError(await k.call(k.admin, 'POST', '/files/0', { json: { ...base, pageInfo: { pageSize: 0 } } }), 400, '13000102', 'size 0')
  expectError(await k.call(k.admin, 'POST', '/files/0', { json: { ...base, pageInfo: { pageSize: 1001 } } }), 400, '13000102', 'size 1001')
  expectError(await k.call(k.admin, 'POST', '/files/0', { json: { ...base, pageInfo: { pageCursor: 'bm90LWEtY3Vyc29y' } } }), 400, '13000102', 'tampered cursor')
  expectError(await k.call(k.admin, 'POST', '/files/1', { json: { ...base, pageInfo: { pageCursor: 'garbage!' } } }), 400, '13000102', 'tampered bin cursor')
  expectError(await k.call(k.admin, 'POST', '/files/0', { json: { ...base, fileType: '99' } }), 400, '13000102', 'fileType 99')
  expectError(await k.call(k.admin, 'POST', '/files/0', { json: { containerId: k.spaceId } }), 400, '13000102', 'parentFileId missing')
  // A cursor of one sort cannot be replayed against another.
  await k.mkdir(k.admin, 'c1')
  await k.mkdir(k.admin, 'c2')
  const first = await k.call(k.admin, 'POST', '/files/0', { json: { ...base, pageInfo: { pageSize: 1 } } })
  expectError(await k.call(k.admin, 'POST', '/files/0', { json: { ...base, pageInfo: { pageSize: 1, pageCursor: first.json.nextCursor }, sortInfo: { sortType: 2 } } }), 400, '13000102', 'cursor of another sort')
})

test('team spaces: /files/{groupId}/{type} lists the group space; a different containerId in the body is refused', async () => {
  const root = await k.call(k.admin, 'POST', '/files/0', { json: { containerId: k.spaceId, parentFileId: 'root' } })
  const team = await k.call(k.admin, 'POST', `/files/${k.spaceId}/0`, { json: { parentFileId: 'root' }, query: { team_type: 0 } })
  expectOk(team)
  assert.deepEqual(team.json.files.map((f: F) => f.id), root.json.files.map((f: F) => f.id))
  expectOk(await k.call(k.admin, 'POST', `/files/${k.spaceId}/1`, { json: { parentFileId: 'root', containerId: k.spaceId } }))
  expectError(await k.call(k.admin, 'POST', `/files/${k.spaceId}/0`, { json: { parentFileId: 'root', containerId: '42' } }), 400, '13000102')
  expectError(await k.call(k.admin, 'POST', '/files/424242/0', { json: { parentFileId: 'root' } }), 400, '13000301')
})

test('the recycle bin: parentFileId root lists every entry; a folder id lists what was removed from it; fileType and fileName filter', async () => {
  const k2 = await Koo.make()
  try {
    const a = await k2.mkdir(k2.admin, 'from-a')
    const f1 = await k2.upload(k2.admin, 'one.jpg', '1', a)
    const f2 = await k2.upload(k2.admin, 'two.txt', '22', a)
    const sub = await k2.mkdir(k2.admin, 'sub', a)
    const top = await k2.upload(k2.admin, 'top.txt', '333')
    await k2.trashJob(k2.admin, [f1, f2, sub, top])
    const list = async (body: Record<string, unknown>) => {
      const r = await k2.call(k2.admin, 'POST', '/files/1', { json: { containerId: k2.spaceId, ...body } })
      expectOk(r)
      return r.json.files as F[]
    }
    assert.deepEqual((await list({ parentFileId: 'root', sortInfo: { sortType: 1 } })).map((f) => f.fileName), ['one.jpg', 'sub', 'top.txt', 'two.txt'])
    assert.deepEqual((await list({ parentFileId: a, sortInfo: { sortType: 1 } })).map((f) => f.fileName), ['one.jpg', 'sub', 'two.txt'])
    assert.deepEqual((await list({ parentFileId: 'root', fileType: '10' })).map((f) => f.id), [sub])
    assert.deepEqual((await list({ parentFileId: 'root', fileType: '15' })).map((f) => f.id), [f1])
    assert.deepEqual((await list({ parentFileId: 'root', fileName: 'T', sortInfo: { sortType: 2, sortDirection: 2 } })).map((f) => f.fileName), ['top.txt', 'two.txt'])
    const item = (await list({ parentFileId: 'root', fileName: 'top' }))[0]
    assert.equal(item.id, top)
    assert.equal((item as unknown as { recycled: boolean }).recycled, true)
    assert.match(item.recycledTime!, /^2026-01-01T/)
    // The space listing no longer shows them.
    const live = await k2.call(k2.admin, 'POST', '/files/0', { json: { containerId: k2.spaceId, parentFileId: a } })
    assert.deepEqual(live.json.files, [])
  } finally {
    await k2.close()
  }
})

test('10,000 entries in the bin sorted by recycle time: every entry exactly once through nextCursor, in order, both directions', async () => {
  const k3 = await Koo.make()
  try {
    // 10,000 on the embedded engine as the issue asks; the PostgreSQL pass re-checks the same paging on 2,000 (the bulk setup dominates there).
    const N = process.env.TROVE_TEST_DB === 'postgres' ? 2_000 : 10_000
    const dir = await k3.c.nodes.createFolder(k3.h.admin, k3.spaceId, 'root', 'bulk')
    const bulk = await bulkFiles(k3.h, String(dir.id), N)
    // One transaction, the same trash operation the service runs; 7 entries share each second (ties are paged by id).
    const base = k3.clock.now()
    await k3.c.store.transaction(async (r) => {
      const space = (await r.spaces.find(Number(k3.spaceId)))!
      for (let i = 0; i < N; i++) {
        const node = (await r.nodes.find(Number(k3.spaceId), bulk.ids[i]))!
        await trashNode(r, { space, node, userId: 'admin', now: base + Math.floor(i / 7) * 1000, permanent: false })
      }
    })
    k3.clock.advance(Math.ceil(N / 7) * 1000)
    const walkBin = async (sortDirection: number, pageSize: number) => {
      const files: F[] = []
      let cursor = ''
      let pages = 0
      for (;;) {
        pages++
        const r = await k3.call(k3.admin, 'POST', '/files/1', { json: { containerId: k3.spaceId, parentFileId: 'root', pageInfo: { pageSize, pageCursor: cursor }, sortInfo: { sortType: 5, sortDirection } } })
        expectOk(r)
        files.push(...r.json.files)
        if (!r.json.nextCursor) return { files, pages }
        cursor = r.json.nextCursor
      }
    }
    for (const [direction, pageSize] of [
      [2, 100],
      [1, 1000],
    ]) {
      const { files, pages } = await walkBin(direction, pageSize)
      assert.equal(files.length, N)
      assert.equal(pages, N / pageSize)
      assert.equal(new Set(files.map((f) => f.id)).size, N, 'no entry twice')
      assert.deepEqual(new Set(files.map((f) => Number(f.id))), new Set(bulk.ids), 'every entry')
      const times = files.map((f) => Date.parse(f.recycledTime!))
      for (let i = 1; i < N; i++) assert.ok(direction === 2 ? times[i] <= times[i - 1] : times[i] >= times[i - 1], `order at ${i}`)
      assert.equal(times[0], direction === 2 ? base + Math.floor((N - 1) / 7) * 1000 : base)
    }
  } finally {
    await k3.close()
  }
})
