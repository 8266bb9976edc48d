/**
 * Interoperability: the KooDrive dialect and the native API (`/trove/v1`, `Authorization: Bearer <token>`) are two
 * views of the same spaces, files, recycle bin, tasks and albums — same ids, same bytes, same state, either way round.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Koo, expectOk, sha256 } from './koodrive-helpers.ts'

let k: Koo
before(async () => {
  k = await Koo.make()
})
after(async () => {
  await k.close()
})

const sp = (suffix = '') => `/spaces/${k.spaceId}${suffix}`

test('made with KooDrive, seen natively: folder, file (same id, same bytes, same sha256), path', async () => {
  const dir = await k.mkdir(k.admin, 'from-koo')
  const id = await k.upload(k.admin, 'koo.txt', 'written by koodrive', dir)
  const children = await k.native(k.admin, 'GET', sp(`/folders/${dir}/children`))
  assert.equal(children.status, 200)
  assert.deepEqual(children.json.items.map((n: { id: string; name: string }) => [n.id, n.name]), [[id, 'koo.txt']])
  assert.equal(children.json.items[0].sha256, sha256('written by koodrive'))
  const content = await k.native(k.admin, 'GET', sp(`/nodes/${id}/content`))
  assert.equal(content.body.toString(), 'written by koodrive')
  const native = await k.native(k.admin, 'GET', sp(`/nodes/${id}`))
  assert.equal(native.json.path, '/from-koo/koo.txt')
})

test('made natively, seen with KooDrive: listing, details, download link', async () => {
  const folder = await k.native(k.admin, 'POST', sp('/folders'), { parentId: 'root', name: 'from-native' })
  assert.equal(folder.status, 201)
  const put = await k.app.inject({
    method: 'PUT',
    url: `/trove/v1${sp('/files')}?parentId=${folder.json.id}&name=native.txt`,
    headers: { authorization: `Bearer ${k.admin.token}`, 'content-type': 'application/octet-stream' },
    payload: 'written natively',
  })
  assert.equal(put.statusCode, 201)
  const fileId = put.json().id
  const list = await k.call(k.admin, 'POST', '/files/0', { json: { containerId: k.spaceId, parentFileId: folder.json.id } })
  expectOk(list)
  assert.deepEqual(list.json.files.map((f: { id: string }) => f.id), [fileId])
  const links = await k.call(k.admin, 'POST', '/files/download', { json: { containerId: k.spaceId, fileIds: [fileId] } })
  assert.equal((await k.fetchLink('GET', links.json.downloads[0].url)).body.toString(), 'written natively')
})

test('the recycle bin is one: trashed natively → in the KooDrive bin; restored by a KooDrive job → back natively; job = native task', async () => {
  const id = await k.upload(k.admin, 'shared-bin.txt', 'one bin')
  const del = await k.native(k.admin, 'DELETE', sp(`/nodes/${id}`))
  assert.equal(del.status, 201, del.body.toString())
  const bin = await k.call(k.admin, 'POST', '/files/1', { json: { containerId: k.spaceId, parentFileId: 'root' } })
  assert.ok(bin.json.files.some((f: { id: string }) => f.id === id))
  assert.equal((await k.call(k.admin, 'POST', `/files/${id}/detail`, { json: { containerId: k.spaceId } })).json.recycled, true)
  const jobId = await k.restoreJob(k.admin, [id])
  const task = await k.native(k.admin, 'GET', `/tasks/${jobId}`)
  assert.equal(task.status, 200)
  assert.equal(task.json.state, 'Succeed')
  assert.equal(task.json.done, 1)
  assert.equal((await k.native(k.admin, 'GET', sp(`/nodes/${id}`))).json.name, 'shared-bin.txt')
  // The other way: trashed with a KooDrive job, listed natively, restored natively, listed by KooDrive.
  await k.trashJob(k.admin, [id])
  const nativeBin = await k.native(k.admin, 'GET', sp('/trash'))
  const entry = nativeBin.json.items.find((e: { nodeId: string }) => e.nodeId === id)
  assert.ok(entry)
  assert.equal((await k.native(k.admin, 'POST', sp(`/trash/${entry.id}/restore`), {})).status, 200)
  const live = await k.call(k.admin, 'POST', '/files/0', { json: { containerId: k.spaceId, parentFileId: 'root', fileName: 'shared-bin' } })
  assert.deepEqual(live.json.files.map((f: { id: string }) => f.id), [id])
})

test('emptying the bin natively shows as a KooDrive clear job (type 7); clearing with KooDrive is a native task', async () => {
  await k.trashJob(k.admin, [await k.upload(k.admin, 'e1.txt', '1')])
  const empty = await k.native(k.admin, 'POST', sp('/trash/empty'))
  assert.equal(empty.status, 202)
  const before = await k.jobDetail(k.admin, empty.json.taskId)
  assert.deepEqual([before.jobInfo.taskType, before.jobInfo.status], [7, 0])
  await k.c.runner.drain()
  assert.equal((await k.jobDetail(k.admin, empty.json.taskId)).jobInfo.status, 2)

  await k.trashJob(k.admin, [await k.upload(k.admin, 'e2.txt', '2')])
  expectOk(await k.call(k.admin, 'POST', '/files/recycle', { json: { containerId: k.spaceId } }))
  const clears = await k.call(k.admin, 'GET', '/jobs', { query: { type: 7, offset: 0, limit: 1 } })
  const jobId = clears.json.data[0].taskId
  const task = await k.native(k.admin, 'GET', `/tasks/${jobId}`)
  assert.deepEqual([task.json.kind, task.json.state], ['trash.purge', 'Running'])
  await k.c.runner.drain()
  assert.equal((await k.native(k.admin, 'GET', `/tasks/${jobId}`)).json.state, 'Succeed')
  assert.equal((await k.native(k.admin, 'GET', sp('/usage'))).json.trashEntries, 0)
})

test('albums are the core albums: made natively, filled with KooDrive; trash hides the file for both APIs', async () => {
  const tenant = await k.multiSpaceLibrary()
  const space = (await k.call(tenant.admin, 'POST', '/space/tenant-admin', { json: { capacity: '1000000', type: 1 } })).json.data.containerId
  const made = await k.native(tenant.admin, 'POST', `/spaces/${space}/albums`, { name: 'Native album' })
  assert.equal(made.status, 201)
  const list = await k.call(tenant.admin, 'GET', '/album/list', { query: { albumKind: 1, albumType: 2 } })
  assert.deepEqual(list.json.albumList.map((a: { id: string; name: string }) => [a.id, a.name]), [[made.json.id, 'Native album']])
  const f = await k.upload(tenant.admin, 'pic.jpg', 'pixels', 'root', space)
  expectOk(await k.call(tenant.admin, 'POST', `/album/${made.json.id}/add`, { json: { fileIds: [{ fileId: f, ownerId: 'tenant-admin' }] } }))
  const nativeItems = async () => (await k.native(tenant.admin, 'GET', `/spaces/${space}/albums/${made.json.id}/items`)).json.items.map((i: { id: string }) => i.id)
  assert.deepEqual(await nativeItems(), [f])
  await k.trashJob(tenant.admin, [f], space)
  assert.deepEqual(await nativeItems(), [])
  assert.equal((await k.native(tenant.admin, 'GET', `/spaces/${space}/albums/${made.json.id}`)).json.itemCount, 0)
  const trashEntry = (await k.native(tenant.admin, 'GET', `/spaces/${space}/trash`)).json.items[0]
  assert.equal((await k.native(tenant.admin, 'POST', `/spaces/${space}/trash/${trashEntry.id}/restore`, {})).status, 200)
  const koo = await k.call(tenant.admin, 'GET', `/album/${made.json.id}/list`)
  assert.deepEqual(koo.json.contentList.map((c: { id: string }) => c.id), [f])
  // Renamed with KooDrive, seen natively.
  expectOk(await k.call(tenant.admin, 'POST', `/${made.json.id}/update`, { json: { name: 'Renamed' } }))
  assert.equal((await k.native(tenant.admin, 'GET', `/spaces/${space}/albums/${made.json.id}`)).json.name, 'Renamed')
})

test('a KooDrive token is a native token and the other way round; the native API ignores KooDrive headers', async () => {
  const bob = await k.user('bob', ['upload_file'])
  assert.equal((await k.native(bob, 'GET', sp())).status, 200)
  expectOk(await k.call(bob, 'POST', '/files/0', { json: { containerId: k.spaceId, parentFileId: 'root' } }))
  // The native API wants `Bearer <token>` only; KooDrive's stale X-Date means nothing there.
  const r = await k.app.inject({ method: 'GET', url: `/trove/v1${sp()}`, headers: { authorization: `Bearer ${bob.token}`, 'x-date': '20000101T000000Z' } })
  assert.equal(r.statusCode, 200)
})
