/**
 * KooDrive conformance: manual albums (CreateAlbum, ListAlbums, BatchAddContent2Album, ListAlbumContent, UpdateAlbum,
 * BatchDeleteAlbumContent = seed 003, DeleteAlbum), their limits, and their trash-awareness through this dialect.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Koo, expectError, expectOk, type Who } from './koodrive-helpers.ts'
import { bulkFiles } from '../../support/factories.ts'

let k: Koo
let tenant: { libraryId: string; admin: Who }
let alice: Who
let space: string
before(async () => {
  k = await Koo.make()
  tenant = await k.multiSpaceLibrary()
  expectOk(await k.call(tenant.admin, 'POST', '/users', { json: { userId: 'alice' } }))
  space = (await k.call(tenant.admin, 'POST', '/space/alice', { json: { capacity: '100000000', type: 1 } })).json.data.containerId
  alice = await k.user('alice', ['upload_file', 'create_directory', 'delete_file', 'restore_recycled', 'delete_recycled', 'delete_file_permanent'], { libraryId: tenant.libraryId })
})
after(async () => {
  await k.close()
})

const create = (who: Who, name: unknown, extra: Record<string, unknown> = {}) => k.call(who, 'POST', '/album/create', { json: { type: '2', albumKind: '1', name, ...extra } })
const contents = async (albumId: string, query: Record<string, string | number> = {}) => {
  const r = await k.call(alice, 'GET', `/album/${albumId}/list`, { query })
  expectOk(r)
  return r.json as { contentList: { id: string; fileName: string; addedTime: string }[]; nextPageCursor?: string; total: number }
}
const albums = async (query: Record<string, string | number> = {}) => {
  const r = await k.call(alice, 'GET', '/album/list', { query: { albumKind: 1, albumType: 2, ...query } })
  expectOk(r)
  return r.json as { albumList: { id: string; name: string; coverImg: string; fileCount: number; albumType: number; albumKind: number }[]; total: number }
}

test('create, list (pageNum/pageSize), rename (/{albumId}/update), delete: manual personal albums in the user’s space', async () => {
  const made = await create(alice, 'Summer')
  expectOk(made)
  assert.match(made.json.id, /^\d+$/)
  assert.equal(made.json.albumId, made.json.id)
  const ids = [made.json.id]
  for (const n of ['Winter', 'Spring']) ids.push((await create(alice, n)).json.id)
  const all = await albums()
  assert.equal(all.total, 3)
  assert.deepEqual(all.albumList.map((a) => a.name), ['Spring', 'Winter', 'Summer'], 'newest first')
  assert.deepEqual([all.albumList[0].albumType, all.albumList[0].albumKind, all.albumList[0].coverImg, all.albumList[0].fileCount], [2, 1, '', 0])
  const p2 = await albums({ pageSize: 2, pageNum: 2 })
  assert.deepEqual([p2.total, p2.albumList.map((a) => a.name)], [3, ['Summer']])
  assert.deepEqual((await albums({ albumType: 1 })).albumList, [], 'no collection albums')
  assert.equal((await albums({ pageSize: 10 })).albumList.length, 3)
  for (const [q, what] of [
    [{ pageSize: 0 }, 'pageSize 0'],
    [{ pageSize: 101 }, 'pageSize 101'],
    [{ pageNum: 0 }, 'pageNum 0'],
    [{ albumType: 3 }, 'albumType 3'],
  ] as const) {
    expectError(await k.call(alice, 'GET', '/album/list', { query: { albumKind: 1, albumType: 2, ...q } }), 400, '13000102', what)
  }
  expectError(await k.call(alice, 'GET', '/album/list', { query: { albumType: 2 } }), 400, '13000102', 'albumKind missing')

  const upd = await k.call(alice, 'POST', `/${ids[0]}/update`, { json: { name: 'Summer 2026' } })
  expectOk(upd)
  assert.equal(upd.json.msg, 'Success.')
  assert.ok((await albums()).albumList.some((a) => a.name === 'Summer 2026'))
  expectError(await k.call(alice, 'POST', `/${ids[0]}/update`, { json: { name: 'x'.repeat(21) } }), 400, '13000102', 'name of 21')
  expectError(await create(alice, ''), 400, '13000102', 'empty name')
  expectError(await create(alice, 'y'.repeat(21)), 400, '13000102', 'long name')
  expectError(await create(alice, 'Auto', { type: '1' }), 400, '13000102', 'collection album')
  expectError(await create(alice, 'Shared', { albumKind: '2' }), 400, '13000102', 'shared needs groupId')

  const del = await k.call(alice, 'DELETE', `/album/${ids[1]}`)
  expectOk(del)
  assert.deepEqual(del.json, { code: 0, msg: 'Success.' })
  expectError(await k.call(alice, 'DELETE', `/album/${ids[1]}`), 400, '13000309', 'deleted twice')
  expectError(await k.call(alice, 'GET', '/album/424242/list'), 400, '13000309', 'unknown album')
  // Someone without access to the space does not see the album at all.
  const stranger = await k.user('stranger', ['admin'], { libraryId: tenant.libraryId, spaceIds: ['1'] })
  expectError(await k.call(stranger, 'GET', `/album/${ids[0]}/list`), 400, '13000309', 'hidden space')
  // An admin of the harness library (no space of its own) has no personal album space.
  expectError(await create(k.admin, 'Nowhere'), 400, '13000301')
  // Shared albums live in the group's space.
  const shared = await create(tenant.admin, 'Team', { albumKind: '2', groupId: space })
  expectOk(shared)
  const sharedList = await k.call(tenant.admin, 'GET', '/album/list', { query: { albumKind: 2, albumType: 2, groupId: space } })
  assert.ok(sharedList.json.albumList.some((a: { id: string }) => a.id === shared.json.id))
})

test('add (≤ 100 per call), list contents with cursor paging, batchDelete (≤ 1,000): the files themselves are untouched', async () => {
  const album = (await create(alice, 'Many')).json.id
  const dir = await k.mkdir(alice, 'pics', 'root', space)
  const files: string[] = []
  for (let i = 0; i < 5; i++) files.push(await k.upload(alice, `p${i}.jpg`, `pic ${i}`, dir, space))
  const add = await k.call(alice, 'POST', `/album/${album}/add`, { json: { fileIds: files.map((fileId) => ({ fileId, ownerId: 'alice' })) } })
  expectOk(add)
  assert.deepEqual(add.json.data.successList, files)
  // Plain string ids, a folder (13000406) and an unknown id (13000309): the rest is added, the refusals are listed.
  const mixed = await k.call(alice, 'POST', `/album/${album}/add`, { json: { fileIds: [files[0], dir, '55555'] } })
  expectOk(mixed)
  assert.deepEqual(mixed.json.data.failList.map((f: { fileId: string; code: string }) => [f.fileId, f.code]), [[dir, '13000406'], ['55555', '13000309']])
  expectError(await k.call(alice, 'POST', `/album/${album}/add`, { json: { fileIds: [dir] } }), 400, '13000406', 'nothing addable')

  // Default order: newest added first (sortDirection 2); 1 is the order they were added in.
  const page1 = await contents(album, { pageSize: 2 })
  assert.equal(page1.total, 5)
  assert.deepEqual(page1.contentList.map((c) => c.fileName), ['p4.jpg', 'p3.jpg'])
  const page2 = await contents(album, { pageSize: 2, pageCursor: page1.nextPageCursor! })
  const page3 = await contents(album, { pageSize: 2, pageCursor: page2.nextPageCursor! })
  assert.deepEqual([...page2.contentList, ...page3.contentList].map((c) => c.fileName), ['p2.jpg', 'p1.jpg', 'p0.jpg'])
  assert.equal(page3.nextPageCursor, undefined)
  assert.deepEqual((await contents(album, { sortDirection: 1, sortType: 2 })).contentList.map((c) => c.fileName), ['p0.jpg', 'p1.jpg', 'p2.jpg', 'p3.jpg', 'p4.jpg'])
  expectError(await k.call(alice, 'GET', `/album/${album}/list`, { query: { pageSize: 101 } }), 400, '13000102', 'pageSize 101')

  const removed = await k.call(alice, 'DELETE', `/${album}/batchDelete`, { json: { ids: [files[1], files[3]] } })
  expectOk(removed)
  assert.deepEqual(removed.json, { code: 0, msg: 'Success.' })
  assert.deepEqual((await contents(album)).contentList.map((c) => c.fileName), ['p4.jpg', 'p2.jpg', 'p0.jpg'])
  const still = await k.call(alice, 'POST', '/files/0', { json: { containerId: space, parentFileId: dir } })
  assert.equal(still.json.files.length, 5, 'removing from an album deletes nothing')

  // KooDrive's limits: 101 adds and 1,001 removals are refused whole.
  const bulk = await bulkFiles({ ...k.h, spaceId: space, admin: { ...k.h.admin, libraryId: tenant.libraryId } }, 'root', 101, { prefix: 'many-' })
  const ids = bulk.ids.map(String)
  expectError(await k.call(alice, 'POST', `/album/${album}/add`, { json: { fileIds: ids } }), 400, '13000102', '101 adds')
  expectOk(await k.call(alice, 'POST', `/album/${album}/add`, { json: { fileIds: ids.slice(0, 100) } }), '100 adds')
  expectError(await k.call(alice, 'POST', `/album/${album}/add`, { json: { fileIds: [] } }), 400, '13000102', 'no ids')
  const thousandAndOne = [...ids, ...Array.from({ length: 900 }, (_, i) => String(800000 + i))]
  expectError(await k.call(alice, 'DELETE', `/${album}/batchDelete`, { json: { ids: thousandAndOne } }), 400, '13000102', '1,001 removals')
  expectOk(await k.call(alice, 'DELETE', `/${album}/batchDelete`, { json: { ids: thousandAndOne.slice(0, 1000) } }), '1,000 removals')
  assert.equal((await contents(album)).total, 3)
  expectError(await k.call(alice, 'DELETE', `/${album}/batchDelete`, { json: { ids: [] } }), 400, '13000102', 'no ids')

  // Deleting the album leaves every file where it was.
  expectOk(await k.call(alice, 'DELETE', `/album/${album}`))
  assert.equal((await k.call(alice, 'POST', '/files/0', { json: { containerId: space, parentFileId: dir } })).json.files.length, 5)
})

test('trash-aware: a file in two albums vanishes from both (contents, counts, cover) when trashed, returns to both on restore, leaves both when purged', async () => {
  const a1 = (await create(alice, 'One')).json.id
  const a2 = (await create(alice, 'Two')).json.id
  const shared = await k.upload(alice, 'shared.jpg', 'in both albums', 'root', space)
  const other = await k.upload(alice, 'other.jpg', 'only in one', 'root', space)
  expectOk(await k.call(alice, 'POST', `/album/${a1}/add`, { json: { fileIds: [shared, other] } }))
  expectOk(await k.call(alice, 'POST', `/album/${a2}/add`, { json: { fileIds: [shared] } }))
  const state = async () => {
    const list = await albums({ pageSize: 100 })
    const s = (id: string) => list.albumList.find((a) => a.id === id)!
    return {
      one: (await contents(a1)).contentList.map((c) => c.id),
      two: (await contents(a2)).contentList.map((c) => c.id),
      totals: [(await contents(a1)).total, (await contents(a2)).total],
      counts: [s(a1).fileCount, s(a2).fileCount],
      covers: [s(a1).coverImg !== '', s(a2).coverImg !== ''],
    }
  }
  assert.deepEqual(await state(), { one: [other, shared], two: [shared], totals: [2, 1], counts: [2, 1], covers: [true, true] })
  // The cover is a working signed link to the first file of the album.
  const cover = (await albums({ pageSize: 100 })).albumList.find((a) => a.id === a1)!.coverImg
  assert.equal((await k.fetchLink('GET', cover)).body.toString(), 'in both albums')

  await k.trashJob(alice, [shared], space)
  assert.deepEqual(await state(), { one: [other], two: [], totals: [1, 0], counts: [1, 0], covers: [true, false] })
  expectError(await k.call(alice, 'POST', `/album/${a2}/add`, { json: { fileIds: [shared] } }), 400, '13000306', 'a file in the bin cannot be added')

  const restore = await k.jobDetail(alice, await k.restoreJob(alice, [shared], space))
  assert.equal(restore.jobInfo.taskResultCode, 1)
  assert.deepEqual(await state(), { one: [other, shared], two: [shared], totals: [2, 1], counts: [2, 1], covers: [true, true] })

  // Purge: trash, then delete permanently from the bin; once the purge ran, the memberships are gone for good.
  await k.trashJob(alice, [shared], space)
  const purge = await k.job(alice, { taskType: 2, actionType: 202, taskInfo: { fileInfo: [{ fileId: shared }], srcContainerId: space }, dstContainerId: space })
  await k.c.runner.drain()
  assert.equal((await k.jobDetail(alice, purge)).jobInfo.taskResultCode, 1)
  assert.deepEqual(await state(), { one: [other], two: [], totals: [1, 0], counts: [1, 0], covers: [true, false] })
  const rows = await k.c.database.db.selectFrom('album_items').select(['album_id', 'node_id']).where('node_id', '=', Number(shared)).execute()
  assert.deepEqual(rows, [])
  const again = await k.restoreJob(alice, [shared], space)
  assert.equal((await k.jobDetail(alice, again)).taskInfos[0].code, '13000309')
})
