/**
 * KooDrive conformance: folders and files (createDirectory, createFile + part PUT + uploadUrl + completeFile, getFile,
 * renameFile, GetFullPath, getDownLoadUrl and the signed download link with Range).
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { Koo, expectError, expectOk, sha256 } from './koodrive-helpers.ts'

let k: Koo
before(async () => {
  k = await Koo.make()
})
after(async () => {
  await k.close()
})

const dir = (fileName: string, extra: Record<string, unknown> = {}) => ({ json: { fileName, fileType: '10', containerId: k.spaceId, parentFolder: [], ...extra } })

test('createDirectory: the folder object; renameMode 3 refuses a taken name (13000405), 2 appends a timestamp', async () => {
  const r = await k.call(k.admin, 'POST', '/directory', dir('projects', { renameMode: 3 }))
  expectOk(r)
  assert.equal(r.json.fileName, 'projects')
  assert.equal(r.json.fileType, '10')
  assert.equal(r.json.recycled, false)
  assert.match(r.json.createdTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
  expectError(await k.call(k.admin, 'POST', '/directory', dir('projects', { renameMode: 3 })), 400, '13000405')
  const again = await k.call(k.admin, 'POST', '/directory', dir('projects', { renameMode: 2 }))
  expectOk(again)
  assert.equal(again.json.fileName, 'projects_20260101120000')
  const nested = await k.call(k.admin, 'POST', '/directory', dir('sub', { parentFolder: [r.json.id] }))
  expectOk(nested)
  assert.deepEqual(nested.json.parentFolder, [r.json.id])
  for (const bad of ['a/b', 'a:b', 'what?', '..', '', 'x'.repeat(251)]) expectError(await k.call(k.admin, 'POST', '/directory', dir(bad)), 400, '13000102', `name ${bad}`)
  expectError(await k.call(k.admin, 'POST', '/directory', dir('x', { fileType: '45' })), 400, '13000102', 'not a folder type')
  expectError(await k.call(k.admin, 'POST', '/directory', dir('x', { renameMode: 7 })), 400, '13000102', 'renameMode')
})

test('a parent in the recycle bin is 13000404 for new folders and files; a missing one 13000309', async () => {
  const parent = await k.mkdir(k.admin, 'doomed')
  const child = await k.mkdir(k.admin, 'inner', parent)
  await k.trashJob(k.admin, [parent])
  expectError(await k.call(k.admin, 'POST', '/directory', dir('x', { parentFolder: [parent] })), 400, '13000404', 'trashed parent')
  expectError(await k.call(k.admin, 'POST', '/directory', dir('x', { parentFolder: [child] })), 400, '13000404', 'parent under a trashed folder')
  const create = await k.call(k.admin, 'POST', '/files/create', { json: { fileName: 'f.bin', fileType: '45', parentFolder: [parent], containerId: k.spaceId, length: 1 } })
  expectError(create, 400, '13000404', 'file in trashed parent')
  expectError(await k.call(k.admin, 'POST', '/directory', dir('x', { parentFolder: ['777777'] })), 400, '13000309', 'missing parent')
})

test('upload: create → PUT each part to its signed Trove URL → complete; the file is listed, detailed and downloadable', async () => {
  const bytes = Buffer.from('hello, koodrive')
  const created = await k.call(k.admin, 'POST', '/files/create', {
    json: { fileName: 'hello.bin', fileType: '45', parentFolder: ['root'], containerId: k.spaceId, length: bytes.length, sha256: sha256(bytes), uploadMode: 'multipart', uploadType: 1, autoRename: 3 },
  })
  expectOk(created)
  const c = created.json
  assert.equal(c.exist, false)
  assert.equal(c.containerId, k.spaceId)
  assert.match(c.fileId, /^U\d+$/)
  assert.equal(c.multiParts.length, 1)
  assert.deepEqual({ ...c.multiParts[0], uploadUrl: undefined }, { partNumber: 1, partSize: bytes.length, partOffset: 0, uploadUrl: undefined })
  assert.match(c.multiParts[0].uploadUrl, /^http:\/\/[^/]+\/koodrive\/ose\/v1\/objects\/part\?token=/)
  // Not complete yet: 13000402; a wrong-size part is refused; a tampered URL is refused.
  expectError(await k.call(k.admin, 'POST', '/files/complete', { json: { fileId: c.fileId } }), 400, '13000402', 'no part yet')
  expectError(await k.fetchLink('PUT', c.multiParts[0].uploadUrl, { body: Buffer.concat([bytes, Buffer.from('!')]) }), 400, '13000402', 'part too long')
  expectError(await k.fetchLink('PUT', c.multiParts[0].uploadUrl + 'x', { body: bytes }), 403, '13000401', 'tampered link')
  assert.equal((await k.fetchLink('PUT', c.multiParts[0].uploadUrl, { body: bytes })).status, 200)
  const done = await k.call(k.admin, 'POST', '/files/complete', { json: { fileId: c.fileId, sha256: sha256(bytes) } })
  expectOk(done)
  assert.equal(done.json.msg, 'success.')
  const id = done.json.id
  assert.match(id, /^\d+$/)
  // Completing again is harmless and names the same file.
  assert.equal((await k.call(k.admin, 'POST', '/files/complete', { json: { fileId: c.fileId } })).json.id, id)

  const detail = await k.call(k.admin, 'POST', `/files/${id}/detail`, { json: { containerId: k.spaceId } })
  expectOk(detail)
  assert.equal(detail.json.fileName, 'hello.bin')
  assert.equal(detail.json.size, bytes.length)
  assert.equal(detail.json.sha256, sha256(bytes))
  assert.equal(detail.json.recycled, false)
  // The upload id keeps naming the file it became.
  assert.equal((await k.call(k.admin, 'POST', `/files/${c.fileId}/detail`, { json: { containerId: k.spaceId } })).json.id, id)

  const links = await k.call(k.admin, 'POST', '/files/download', { json: { containerId: k.spaceId, fileIds: [id] } })
  expectOk(links)
  assert.equal(links.json.batchCode, 1)
  const url = links.json.downloads[0].url
  const whole = await k.fetchLink('GET', url)
  assert.equal(whole.status, 200)
  assert.equal(whole.body.toString(), 'hello, koodrive')
  const part = await k.fetchLink('GET', url, { headers: { range: 'bytes=7-' } })
  assert.equal(part.status, 206)
  assert.equal(part.body.toString(), 'koodrive')
  assert.equal(part.headers['content-range'], `bytes 7-14/${bytes.length}`)
  assert.equal((await k.fetchLink('GET', url, { headers: { range: 'bytes=99-' } })).status, 416)
})

test('a file of several parts: parts in any order, more links on request, sha256 verified at completion', async () => {
  const bytes = randomBytes(8 * 1024 * 1024 + 1000)
  const created = await k.call(k.admin, 'POST', '/files/create', { json: { fileName: 'big.bin', fileType: '45', parentFolder: ['root'], containerId: k.spaceId, length: bytes.length, sha256: sha256(bytes) } })
  expectOk(created)
  const parts = created.json.multiParts
  assert.deepEqual(parts.map((p: { partNumber: number; partSize: number; partOffset: number }) => [p.partNumber, p.partSize, p.partOffset]), [[1, 8 * 1024 * 1024, 0], [2, 1000, 8 * 1024 * 1024]])
  assert.equal((await k.fetchLink('PUT', parts[1].uploadUrl, { body: bytes.subarray(8 * 1024 * 1024) })).status, 200)
  const missing = await k.call(k.admin, 'POST', '/files/complete', { json: { fileId: created.json.fileId } })
  expectError(missing, 400, '13000402', 'part 1 missing')
  const more = await k.call(k.admin, 'POST', '/files/multipart/uploadUrl', { json: { fileId: created.json.fileId, multiParts: [{ partNumber: 1 }] } })
  expectOk(more)
  assert.equal(more.json.multiParts.length, 1)
  assert.equal(more.json.multiParts[0].partNumber, 1)
  expectError(await k.call(k.admin, 'POST', '/files/multipart/uploadUrl', { json: { fileId: created.json.fileId, multiParts: [{ partNumber: 3 }] } }), 400, '13000102', 'part 3')
  assert.equal((await k.fetchLink('PUT', more.json.multiParts[0].uploadUrl, { body: bytes.subarray(0, 8 * 1024 * 1024) })).status, 200)
  expectError(await k.call(k.admin, 'POST', '/files/complete', { json: { fileId: created.json.fileId, sha256: sha256('other') } }), 400, '13000402', 'sha256 differs')
  const done = await k.call(k.admin, 'POST', '/files/complete', { json: { fileId: created.json.fileId } })
  expectOk(done)
  const dl = await k.call(k.admin, 'POST', '/files/download', { json: { containerId: k.spaceId, fileIds: [done.json.id] } })
  const got = await k.fetchLink('GET', dl.json.downloads[0].url)
  assert.equal(sha256(got.body), sha256(bytes))
})

test('bytes that do not match the declared sha256 are never committed (13000402); unknown uploads are 13000401', async () => {
  const created = await k.call(k.admin, 'POST', '/files/create', { json: { fileName: 'liar.bin', fileType: '45', parentFolder: ['root'], containerId: k.spaceId, length: 5, sha256: sha256('right') } })
  assert.equal((await k.fetchLink('PUT', created.json.multiParts[0].uploadUrl, { body: 'wrong' })).status, 200)
  expectError(await k.call(k.admin, 'POST', '/files/complete', { json: { fileId: created.json.fileId } }), 400, '13000402')
  const list = await k.call(k.admin, 'POST', '/files/0', { json: { containerId: k.spaceId, parentFileId: 'root', fileName: 'liar' } })
  assert.deepEqual(list.json.files, [])
  expectError(await k.call(k.admin, 'POST', '/files/complete', { json: { fileId: 'U99999' } }), 400, '13000401', 'unknown upload')
  expectError(await k.call(k.admin, 'POST', '/files/complete', { json: { fileId: 'nonsense' } }), 400, '13000401', 'not an upload id')
  // Another user cannot complete (or even see) someone else's upload.
  const eve = await k.user('eve', ['upload_file'])
  expectError(await k.call(eve, 'POST', '/files/complete', { json: { fileId: created.json.fileId } }), 400, '13000401', 'not the uploader')
})

test('autoRename: 3 refuses a taken name, 2 adds a timestamp, 4 answers exist:true for the same name and content', async () => {
  const first = await k.upload(k.admin, 'same.txt', 'same content')
  const create = (autoRename: number, content: string) =>
    k.call(k.admin, 'POST', '/files/create', { json: { fileName: 'same.txt', fileType: '45', parentFolder: ['root'], containerId: k.spaceId, length: content.length, sha256: sha256(content), autoRename } })
  expectError(await create(3, 'other'), 400, '13000405', 'refuse')
  const flash = await create(4, 'same content')
  expectOk(flash)
  assert.equal(flash.json.exist, true)
  assert.equal(flash.json.fileId, first)
  assert.deepEqual(flash.json.multiParts, [])
  const renamed = await create(2, 'other')
  expectOk(renamed)
  assert.equal(renamed.json.fileName, 'same_20260101120000.txt')
  const differs = await create(4, 'different')
  assert.equal(differs.json.exist, false)
  assert.equal(differs.json.fileName, 'same_20260101120000.txt')
})

test('file details of a file in the recycle bin say recycled; renaming it is 13000306', async () => {
  const f = await k.upload(k.admin, 'to-bin.txt', 'bin me')
  await k.trashJob(k.admin, [f])
  const d = await k.call(k.admin, 'POST', `/files/${f}/detail`, { json: { containerId: k.spaceId } })
  expectOk(d)
  assert.equal(d.json.recycled, true)
  assert.equal(d.json.recycledTime, '2026-01-01T12:00:00.000Z')
  expectError(await k.call(k.admin, 'POST', `/files/rename/${f}`, { json: { containerId: k.spaceId, name: 'x.txt' } }), 400, '13000306')
  expectError(await k.call(k.admin, 'GET', '/files/path', { query: { fileId: f, containerId: k.spaceId } }), 400, '13000306', 'path of a binned file')
  const links = await k.call(k.admin, 'POST', '/files/download', { json: { containerId: k.spaceId, fileIds: [f, '888888'] } })
  expectOk(links)
  assert.equal(links.json.batchCode, 2)
  assert.deepEqual(links.json.downloads.map((d: { code: string }) => d.code), ['13000306', '13000309'])
  expectError(await k.call(k.admin, 'POST', '/files/888888/detail', { json: { containerId: k.spaceId } }), 400, '13000309')
})

test('rename (modes 3 and 2) and the full name and id paths', async () => {
  const a = await k.mkdir(k.admin, 'ren-a')
  const b = await k.mkdir(k.admin, 'ren-b', a)
  const f = await k.upload(k.admin, 'note.txt', 'n', b)
  await k.upload(k.admin, 'taken.txt', 't', b)
  expectOk(await k.call(k.admin, 'POST', `/files/rename/${f}`, { json: { containerId: k.spaceId, name: 'renamed.txt', renameMode: 3 } }))
  expectError(await k.call(k.admin, 'POST', `/files/rename/${f}`, { json: { containerId: k.spaceId, name: 'taken.txt', renameMode: 3 } }), 400, '13000405')
  expectOk(await k.call(k.admin, 'POST', `/files/rename/${f}`, { json: { containerId: k.spaceId, name: 'taken.txt', renameMode: 2 } }))
  expectError(await k.call(k.admin, 'POST', `/files/rename/${f}`, { json: { containerId: k.spaceId, name: 'bad|name' } }), 400, '13000102')
  const path = await k.call(k.admin, 'GET', '/files/path', { query: { fileId: f, containerId: k.spaceId } })
  expectOk(path)
  const root = (await k.c.spaces.get(k.h.admin, k.spaceId)).rootNodeId
  assert.equal(path.json.fileIdPath, `/${root}/${a}/${b}/${f}`)
  assert.equal(path.json.namePath, `/root${k.spaceId}/ren-a/ren-b/taken_20260101120000.txt`)
})

test('download links expire after an hour, and stop working once the file goes to the bin', async () => {
  const f = await k.upload(k.admin, 'expiring.txt', 'soon gone')
  const url = (await k.call(k.admin, 'POST', '/files/download', { json: { containerId: k.spaceId, fileIds: [f] } })).json.downloads[0].url
  assert.equal((await k.fetchLink('GET', url)).status, 200)
  k.clock.advance(3_600_001)
  try {
    expectError(await k.fetchLink('GET', url), 403, '13000407', 'expired')
  } finally {
    k.clock.advance(-3_600_001)
  }
  await k.trashJob(k.admin, [f])
  expectError(await k.fetchLink('GET', url), 404, '13000407', 'file in the bin')
  const folderLinks = await k.call(k.admin, 'POST', '/files/download', { json: { containerId: k.spaceId, fileIds: [await k.mkdir(k.admin, 'not-a-file')] } })
  assert.equal(folderLinks.json.downloads[0].code, '13000406')
  expectError(await k.call(k.admin, 'POST', '/files/download', { json: { containerId: k.spaceId, fileIds: Array.from({ length: 101 }, (_, i) => String(i + 1)) } }), 400, '13000102', '101 ids')
})

test('grants: a read-only token reads but cannot create (13000410); a token limited to another space sees 13000301', async () => {
  const reader = await k.user('reader')
  expectOk(await k.call(reader, 'POST', '/files/0', { json: { containerId: k.spaceId, parentFileId: 'root' } }))
  expectError(await k.call(reader, 'POST', '/directory', dir('nope')), 400, '13000410', 'mkdir')
  expectError(await k.call(reader, 'POST', '/files/create', { json: { fileName: 'n.bin', fileType: '45', parentFolder: ['root'], containerId: k.spaceId, length: 1 } }), 400, '13000410', 'upload')
  const writer = await k.user('writer', ['create_directory'])
  expectOk(await k.call(writer, 'POST', '/directory', dir('writer-dir')))
  const elsewhere = await k.user('elsewhere', ['admin'], { spaceIds: ['424242'] })
  expectError(await k.call(elsewhere, 'POST', '/files/0', { json: { containerId: k.spaceId, parentFileId: 'root' } }), 400, '13000301')
})
