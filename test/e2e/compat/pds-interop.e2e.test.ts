/**
 * Interoperability: one space seen through PDS (/v2) and the native API (/trove/v1, Bearer token). What one view does,
 * the other sees: the same ids, the same bin entries, the same tasks, the same bytes and the same usage.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { makePds, type Pds } from './pds-support.ts'

let p: Pds
let D: string
const native = (method: string, suffix: string, json?: unknown) => p.req(method, `/trove/v1/spaces/${D}${suffix}`, json === undefined ? {} : { json })

before(async () => {
  p = await makePds()
  D = p.spaceId
})
after(() => p.close())

test('uploaded and trashed through PDS → listed, restored and downloaded through the native API', async () => {
  const docs = await p.mkdir('root', 'docs')
  const content = Buffer.from('quarterly numbers, twice over. '.repeat(50))
  const f = await p.upload(docs, 'report.txt', content, { parts: 2 })
  const id = f.file_id as string
  const nodeView = await native('GET', `/nodes/${id}`)
  assert.equal(nodeView.status, 200)
  assert.equal(nodeView.json.name, 'report.txt')
  assert.equal(nodeView.json.parentId, docs)
  assert.equal(nodeView.json.sha256.toUpperCase(), f.content_hash)
  const bytes = await native('GET', `/nodes/${id}/content`)
  assert.ok(bytes.body.equals(content))

  assert.equal((await p.call('/recyclebin/trash', { drive_id: D, file_id: id })).status, 204)
  const entries = (await native('GET', '/trash')).json
  assert.equal(entries.total, 1)
  const [entry] = entries.items
  assert.equal(entry.nodeId, id, 'the bin entry is the PDS file_id')
  assert.equal(entry.originalPath, '/docs/report.txt')
  assert.equal(entry.removedAt, (await p.call('/recyclebin/list', { drive_id: D })).json.items[0].trashed_at)
  assert.equal((await native('GET', `/nodes/${id}`)).status, 404)

  const restored = await native('POST', `/trash/${entry.id}/restore`, {})
  assert.equal(restored.status, 200, restored.body.toString())
  assert.equal(restored.json.nodeId, id)
  const back = await p.call('/file/get', { drive_id: D, file_id: id })
  assert.equal(back.status, 200)
  assert.equal(back.json.parent_file_id, docs)
  assert.equal((await p.call('/recyclebin/list', { drive_id: D })).json.items.length, 0)
})

test('uploaded and trashed through the native API → listed, restored and downloaded through PDS', async () => {
  const up = await p.req('PUT', `/trove/v1/spaces/${D}/files?parentId=root&name=native.bin`, { body: Buffer.from('native bytes'), headers: { 'content-type': 'application/octet-stream' } })
  assert.equal(up.status, 201, up.body.toString())
  const id = up.json.id as string
  const del = await native('DELETE', `/nodes/${id}`)
  assert.equal(del.status, 201)
  const bin = (await p.call('/recyclebin/list', { drive_id: D })).json
  assert.equal(bin.items.length, 1)
  assert.equal(bin.items[0].file_id, id)
  assert.equal(bin.items[0].name, 'native.bin')
  assert.equal(bin.items[0].parent_file_id, 'root')
  assert.equal(bin.items[0].trashed_at, del.json.entry.removedAt)
  assert.equal((await p.call('/file/get', { drive_id: D, file_id: id })).json.code, 'ForbiddenFileInTheRecycleBin')

  assert.equal((await p.call('/recyclebin/restore', { drive_id: D, file_id: id })).status, 204)
  assert.equal((await native('GET', '/trash')).json.total, 0)
  const children = (await native('GET', '/folders/root/children')).json.items.map((n: { id: string }) => n.id)
  assert.ok(children.includes(id))
  const dl = await p.call('/file/get_download_url', { drive_id: D, file_id: id })
  assert.equal((await p.req('GET', dl.json.url, { token: null })).body.toString(), 'native bytes')
  assert.equal(dl.json.content_hash, createHash('sha256').update('native bytes').digest('hex').toUpperCase())
  // A rename on one side is the name on the other.
  assert.equal((await native('PATCH', `/nodes/${id}`, { name: 'renamed.bin' })).status, 200)
  assert.equal((await p.call('/file/get', { drive_id: D, file_id: id })).json.name, 'renamed.bin')
})

test('one bin, one set of tasks, one usage: empties and clears are the same tasks on both sides', async () => {
  const a = (await p.upload('root', 'a.txt', 'aaaa')).file_id
  await p.call('/recyclebin/trash', { drive_id: D, file_id: a })
  const usage = (await native('GET', '/usage')).json
  const drive = (await p.call('/drive/get', { drive_id: D })).json
  assert.equal(drive.used_size, usage.usedBytes, 'in-bin bytes count on both sides')
  assert.ok(usage.trashBytes >= 4)

  const emptied = await native('POST', '/trash/empty')
  assert.equal(emptied.status, 202)
  const viaPds = await p.call('/async_task/get', { async_task_id: emptied.json.taskId })
  assert.equal(viaPds.status, 200)
  assert.equal(viaPds.json.state, 'Running')
  await p.drain()
  assert.equal((await p.call('/async_task/get', { async_task_id: emptied.json.taskId })).json.state, 'Succeed')

  await p.call('/recyclebin/trash', { drive_id: D, file_id: (await p.upload('root', 'b.txt', 'b')).file_id })
  const cleared = await p.call('/recyclebin/clear', { drive_id: D })
  await p.drain()
  const t = await p.req('GET', `/trove/v1/tasks/${cleared.json.async_task_id}`)
  assert.equal(t.json.state, 'Succeed')
  assert.equal(t.json.done, 1)
  assert.equal((await native('GET', '/usage')).json.trashBytes, 0)
  assert.equal((await p.call('/drive/get', { drive_id: D })).json.used_size, (await native('GET', '/usage')).json.usedBytes)
})

test('three views, one truth: PDS, SMH (/api/v1) and the native API over the same bin', async () => {
  const smh = (method: string, path: string) => p.req(method, `/api/v1${path}${path.includes('?') ? '&' : '?'}access_token=${p.adminToken}`, { token: null })
  const L = p.libraryId
  const f = await p.upload('root', 'three.txt', 'seen thrice')
  assert.equal((await p.call('/recyclebin/trash', { drive_id: D, file_id: f.file_id })).status, 204)
  const nativeEntry = (await native('GET', '/trash')).json.items.find((e: { nodeId: string }) => e.nodeId === f.file_id)
  const smhList = await smh('GET', `/recycled/${L}/-`)
  assert.equal(smhList.status, 200, smhList.body.toString())
  const smhItem = smhList.json.contents.find((c: { recycledItemId: number }) => String(c.recycledItemId) === nativeEntry.id)
  assert.ok(smhItem, 'SMH lists the entry PDS trashed, under the native entry id')
  assert.deepEqual(smhItem.originalPath, ['three.txt'])
  // SMH restores it; PDS and the native API see it back with the same file_id.
  assert.equal((await smh('POST', `/recycled/${L}/-/${smhItem.recycledItemId}?restore`)).status, 200)
  assert.equal((await p.call('/file/get', { drive_id: D, file_id: f.file_id })).json.name, 'three.txt')
  assert.equal((await native('GET', `/nodes/${f.file_id}`)).status, 200)
  // SMH deletes it to the bin; PDS lists it, native restores it, PDS reads it.
  const del = await smh('DELETE', `/file/${L}/-/three.txt`)
  assert.equal(del.status, 200, del.body.toString())
  assert.deepEqual((await p.call('/recyclebin/list', { drive_id: D })).json.items.map((i: { file_id: string }) => i.file_id), [f.file_id])
  assert.equal((await native('POST', `/trash/${del.json.recycledItemId}/restore`, {})).status, 200)
  assert.equal((await p.call('/file/get', { drive_id: D, file_id: f.file_id })).status, 200)
})
