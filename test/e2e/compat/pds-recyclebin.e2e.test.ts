/**
 * PDS conformance: the recycle bin and its tasks — the seed page's calls and samples (ListRecyclebin, TrashFile,
 * RestoreFile, DeleteFile, ClearRecyclebin, GetAsyncTask), ordering and paging of the bin, 204/202 answers, a task
 * that ends PartialSucceed, the bin switched off, and each grant allowed and denied.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { upload as coreUpload } from '../../support/harness.ts'
import { bulkFiles } from '../../support/factories.ts'
import { assertPdsError, makePds, type Pds } from './pds-support.ts'

let p: Pds
let D: string
const bin = async (extra: Record<string, unknown> = {}) => {
  const r = await p.call('/recyclebin/list', { drive_id: D, ...extra })
  assert.equal(r.status, 200, JSON.stringify(r.json))
  return r.json as { items: Record<string, unknown>[]; next_marker: string }
}
const task = async (id: string) => (await p.call('/async_task/get', { async_task_id: id })).json
const file = async (parent: string, name: string, content = name) => String((await coreUpload(p.h, parent, name, content)).id)
const folder = async (parent: string, name: string) => String((await p.c.nodes.createFolder(p.h.admin, D, parent, name)).id)
const trash = (id: string, token?: string) => p.call('/recyclebin/trash', { drive_id: D, file_id: id }, { token })
const emptyBin = async () => {
  await p.call('/recyclebin/clear', { drive_id: D })
  await p.drain()
}

before(async () => {
  p = await makePds()
  D = p.spaceId
})
after(() => p.close())

describe('the seed page, call by call', () => {
  test('TrashFile, ListRecyclebin, RestoreFile, DeleteFile, ClearRecyclebin, GetAsyncTask with their sample shapes', async () => {
    const dir = await folder('root', 'test_folder')
    const f = await file(dir, 'inside.txt')
    // TrashFile {drive_id, file_id}: a folder goes to the bin synchronously here, so 204 and no async_task_id.
    const t = await trash(dir)
    assert.equal(t.status, 204)
    assert.equal(t.body.length, 0)
    // ListRecyclebin {drive_id} → {items:[…], next_marker:""}.
    const list = await bin()
    assert.deepEqual(Object.keys(list).sort(), ['items', 'next_marker'])
    assert.equal(list.next_marker, '')
    assert.equal(list.items.length, 1)
    const item = list.items[0]
    for (const key of ['name', 'type', 'status', 'parent_file_id', 'drive_id', 'file_id', 'domain_id', 'created_at', 'updated_at', 'trashed_at']) {
      assert.equal(typeof item[key], 'string', key)
    }
    assert.equal(item.name, 'test_folder')
    assert.equal(item.type, 'folder')
    assert.equal(item.status, 'available')
    assert.equal(item.parent_file_id, 'root')
    assert.equal(item.drive_id, D)
    assert.equal(item.file_id, dir, 'the bin item keeps the file_id')
    assert.equal(item.domain_id, p.libraryId)
    assert.match(String(item.trashed_at), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    assert.equal(item.auto_delete_left_sec, 30 * 86_400)
    // RestoreFile {drive_id, file_id}: 204, back where it was with the same id, and its contents with it.
    const r = await p.call('/recyclebin/restore', { drive_id: D, file_id: dir })
    assert.equal(r.status, 204)
    assert.equal((await bin()).items.length, 0)
    assert.equal((await p.call('/file/get', { drive_id: D, file_id: f })).json.parent_file_id, dir)
    // DeleteFile {drive_id, file_id}: permanent; small, so 204.
    const d = await p.call('/file/delete', { drive_id: D, file_id: f })
    assert.equal(d.status, 204)
    assertPdsError(await p.call('/file/get', { drive_id: D, file_id: f }), 404, 'NotFound.FileId', 'deleted')
    assert.equal((await bin()).items.length, 0, 'a permanent delete does not pass through the bin')
    // ClearRecyclebin {drive_id} → 202 {domain_id, drive_id, async_task_id}; GetAsyncTask → {async_task_id, status}.
    await trash(dir)
    const c = await p.call('/recyclebin/clear', { drive_id: D })
    assert.equal(c.status, 202)
    assert.deepEqual(Object.keys(c.json).sort(), ['async_task_id', 'domain_id', 'drive_id'])
    assert.equal((await bin()).items.length, 0, 'the bin looks empty at once')
    const running = await task(c.json.async_task_id)
    assert.equal(running.async_task_id, c.json.async_task_id)
    assert.equal(running.status, 'Running')
    assert.equal(running.state, 'Running')
    await p.drain()
    const done = await task(c.json.async_task_id)
    assert.equal(done.status, 'Succeed')
    assert.equal(done.state, 'Succeed')
    assert.equal(done.total_process, 1)
    assert.equal(done.consumed_process, 1)
    assert.equal(done.failed_process, 0)
    for (const key of ['created_at', 'started_at', 'finished_at']) assert.match(done[key], /Z$/, key)
  })
})

describe('ListRecyclebin', () => {
  test('newest trashed first; limit defaults to 50; marker pages to next_marker ""', async () => {
    const ids: string[] = []
    for (let i = 0; i < 55; i++) ids.push(await file('root', `f${String(i).padStart(2, '0')}.txt`))
    for (const id of ids) {
      assert.equal((await trash(id)).status, 204)
      p.h.clock.advance(1000)
    }
    const first = await bin({ fields: '*' })
    assert.equal(first.items.length, 50)
    assert.notEqual(first.next_marker, '')
    const second = await bin({ marker: first.next_marker })
    assert.equal(second.items.length, 5)
    assert.equal(second.next_marker, '')
    const order = [...first.items, ...second.items].map((i) => i.file_id)
    assert.deepEqual(order, [...ids].reverse(), 'reverse chronological by trash time')
    const times = [...first.items, ...second.items].map((i) => Date.parse(String(i.trashed_at)))
    assert.deepEqual(times, [...times].sort((a, b) => b - a))
    const small = await bin({ limit: 1 })
    assert.equal(small.items.length, 1)
    assert.equal(small.items[0].file_id, ids.at(-1))
    assert.equal((await bin({ limit: 200 })).items.length, 55)
    assertPdsError(await p.call('/recyclebin/list', { drive_id: D, marker: 'not-a-marker' }), 400, 'InvalidParameter.Marker', 'marker')
    // Never in the folder listing.
    assert.equal((await p.call('/file/list', { drive_id: D, parent_file_id: 'root', limit: 200 })).json.items.filter((i: { name: string }) => i.name.startsWith('f')).length, 0)
    await emptyBin()
  })
})

describe('RestoreFile and DeleteFile', () => {
  test('restore: a taken name gets " (1)"; a gone parent is recreated; inside a trashed folder is refused', async () => {
    const a = await file('root', 'clash.txt', 'old')
    await trash(a)
    await file('root', 'clash.txt', 'new')
    assert.equal((await p.call('/recyclebin/restore', { drive_id: D, file_id: a })).status, 204)
    assert.equal((await p.call('/file/get', { drive_id: D, file_id: a })).json.name, 'clash (1).txt')
    const dir = await folder('root', 'parent')
    const child = await file(dir, 'child.txt')
    const inner = await file(dir, 'inner.txt')
    await trash(child)
    await trash(dir)
    assertPdsError(await p.call('/recyclebin/restore', { drive_id: D, file_id: inner }), 403, 'ForbiddenFileInTheRecycleBin', 'inside')
    assert.equal((await p.call('/recyclebin/restore', { drive_id: D, file_id: child })).status, 204)
    const restored = (await p.call('/file/get', { drive_id: D, file_id: child })).json
    assert.notEqual(restored.parent_file_id, dir, 'the original parent is still in the bin: a new one is made')
    assert.equal((await p.call('/file/get', { drive_id: D, file_id: restored.parent_file_id })).json.name, 'parent')
    assert.equal((await p.call('/recyclebin/restore', { drive_id: D, file_id: child })).status, 204, 'restoring a live file changes nothing')
    assertPdsError(await p.call('/recyclebin/restore', { drive_id: D, file_id: '77777' }), 404, 'NotFound.FileId', 'unknown')
    await emptyBin()
  })

  test('delete: a large folder answers 202 with its task; from the bin too; inside a trashed folder refused', async () => {
    const big = await folder('root', 'big')
    await bulkFiles(p.h, big, 120)
    const usedBefore = (await p.call('/drive/get', { drive_id: D })).json.used_size
    const d = await p.call('/file/delete', { drive_id: D, file_id: big })
    assert.equal(d.status, 202)
    assert.deepEqual(d.json, { domain_id: p.libraryId, drive_id: D, file_id: big, async_task_id: d.json.async_task_id })
    assertPdsError(await p.call('/file/get', { drive_id: D, file_id: big }), 404, 'NotFound.FileId', 'gone at once')
    assertPdsError(await p.call('/recyclebin/restore', { drive_id: D, file_id: big }), 404, 'NotFound.FileId', 'being purged')
    assertPdsError(await p.call('/file/delete', { drive_id: D, file_id: big }), 404, 'NotFound.FileId', 'twice')
    assert.equal((await task(d.json.async_task_id)).state, 'Running')
    await p.drain()
    assert.equal((await task(d.json.async_task_id)).state, 'Succeed')
    assert.ok((await p.call('/drive/get', { drive_id: D })).json.used_size < usedBefore, 'space released by the task')

    const dir = await folder('root', 'binned')
    const inside = await file(dir, 'x.txt')
    await trash(dir)
    assertPdsError(await p.call('/file/delete', { drive_id: D, file_id: inside }), 403, 'ForbiddenFileInTheRecycleBin', 'inside')
    assert.equal((await p.call('/file/delete', { drive_id: D, file_id: dir })).status, 204)
    assert.equal((await bin()).items.length, 0)
    await p.drain()
  })
})

describe('ClearRecyclebin and GetAsyncTask', () => {
  test('held entries stay: the task ends PartialSucceed (then Failed when only held ones are left)', async () => {
    const ids = [await file('root', 'p1.txt'), await file('root', 'p2.txt'), await file('root', 'p3.txt')]
    for (const id of ids) await trash(id)
    const entries = (await p.req('GET', `/trove/v1/spaces/${D}/trash`)).json.items as { id: string; nodeId: string }[]
    const held = entries.find((e) => e.nodeId === ids[1])!
    assert.equal((await p.req('POST', `/trove/v1/spaces/${D}/trash/${held.id}/hold`)).status, 200)
    const c = await p.call('/recyclebin/clear', { drive_id: D })
    assert.equal(c.status, 202)
    await p.drain()
    const t = await task(c.json.async_task_id)
    assert.equal(t.state, 'PartialSucceed')
    assert.equal(t.status, 'PartialSucceed')
    assert.equal(t.total_process, 3)
    assert.equal(t.consumed_process, 2)
    assert.equal(t.failed_process, 1)
    assert.equal(t.error_code, 'ForbiddenNoPermission')
    assert.match(t.error_message, /hold/)
    assert.deepEqual((await bin()).items.map((i) => i.file_id), [ids[1]])
    const again = await p.call('/recyclebin/clear', { drive_id: D })
    const failed = await task(again.json.async_task_id)
    assert.equal(failed.state, 'Failed', 'nothing could go')
    assert.equal(failed.failed_process, 1)
    assert.equal((await p.req('POST', `/trove/v1/spaces/${D}/trash/${held.id}/release`)).status, 200)
    await emptyBin()
    const none = await p.call('/recyclebin/clear', { drive_id: D })
    assert.equal((await task(none.json.async_task_id)).state, 'Succeed', 'an empty bin gives a finished task')
  })

  test('a cancelled task reads Failed/Cancelled; unknown and foreign tasks are NotFound.AsyncTask', async () => {
    await trash(await file('root', 'c.txt'))
    const c = await p.call('/recyclebin/clear', { drive_id: D })
    assert.equal((await p.req('POST', `/trove/v1/tasks/${c.json.async_task_id}/cancel`)).status, 200)
    await p.drain()
    const t = await task(c.json.async_task_id)
    assert.equal(t.state, 'Failed')
    assert.equal(t.error_code, 'Cancelled')
    assert.equal((await bin()).items.length, 1, 'cancelled before it ran: the entry is back in the bin')
    assertPdsError(await p.call('/async_task/get', { async_task_id: '999999' }), 404, 'NotFound.AsyncTask', 'unknown')
    const other = (await p.c.libraries.create({ name: 'other' })).libraryId
    const stranger = await p.token(['admin'], { libraryId: other })
    assertPdsError(await p.call('/async_task/get', { async_task_id: c.json.async_task_id }, { token: stranger }), 404, 'NotFound.AsyncTask', 'other library')
    await emptyBin()
  })

  test('with the bin switched off, TrashFile deletes permanently: 202 with the purge task', async () => {
    await p.c.spaces.updateSettings(p.h.admin, D, { recycleBinEnabled: false })
    try {
      const id = await file('root', 'no-bin.txt')
      const t = await trash(id)
      assert.equal(t.status, 202)
      assert.deepEqual(Object.keys(t.json).sort(), ['async_task_id', 'domain_id', 'drive_id', 'file_id'])
      assert.equal(t.json.file_id, id)
      await p.drain()
      assert.equal((await task(t.json.async_task_id)).state, 'Succeed')
      assert.equal((await bin()).items.length, 0)
    } finally {
      await p.c.spaces.updateSettings(p.h.admin, D, { recycleBinEnabled: true })
    }
  })
})

describe('grants', () => {
  test('each call needs its grant: allowed with it, ForbiddenNoPermission without', async () => {
    const f = await file('root', 'g.txt')
    const dir = await folder('root', 'gdir')
    const reader = await p.token([])
    const fileDeleter = await p.token(['delete_file'])
    const dirDeleter = await p.token(['delete_directory'])
    assertPdsError(await trash(f, reader), 403, 'ForbiddenNoPermission', 'reader trash')
    assert.equal((await bin()).items.length, 0)
    assertPdsError(await trash(dir, fileDeleter), 403, 'ForbiddenNoPermission', 'folder needs delete_directory')
    assert.equal((await trash(f, fileDeleter)).status, 204)
    assert.equal((await trash(dir, dirDeleter)).status, 204)
    assert.equal((await p.call('/recyclebin/list', { drive_id: D }, { token: reader })).json.items.length, 2, 'listing is a read')
    assertPdsError(await p.call('/recyclebin/restore', { drive_id: D, file_id: f }, { token: fileDeleter }), 403, 'ForbiddenNoPermission', 'restore')
    assert.equal((await p.call('/recyclebin/restore', { drive_id: D, file_id: f }, { token: await p.token(['restore_recycled']) })).status, 204)
    assertPdsError(await p.call('/file/delete', { drive_id: D, file_id: f }, { token: fileDeleter }), 403, 'ForbiddenNoPermission', 'permanent')
    assert.equal((await p.call('/file/delete', { drive_id: D, file_id: f }, { token: await p.token(['delete_file_permanent']) })).status, 204)
    assertPdsError(await p.call('/file/delete', { drive_id: D, file_id: dir }, { token: dirDeleter }), 403, 'ForbiddenNoPermission', 'delete from bin')
    assertPdsError(await p.call('/recyclebin/clear', { drive_id: D }, { token: dirDeleter }), 403, 'ForbiddenNoPermission', 'clear')
    const purger = await p.token(['delete_recycled'])
    assert.equal((await p.call('/file/delete', { drive_id: D, file_id: dir }, { token: purger })).status, 204)
    assert.equal((await p.call('/recyclebin/clear', { drive_id: D }, { token: purger })).status, 202)
    const elsewhere = await p.token(['admin'], { spaceIds: ['424242'] })
    assertPdsError(await p.call('/recyclebin/list', { drive_id: D }, { token: elsewhere }), 404, 'NotFound.Drive', 'token for another drive')
    await p.drain()
  })
})
