/**
 * KooDrive conformance: setup calls (CreateUser, CreateSpace, GetSpace, GetSpaceByContainerID, DeleteSpace).
 * A container is a Trove space; its id is the space id and the root folder is addressable as `root`.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Koo, expectError, expectOk, type Who } from './koodrive-helpers.ts'

let k: Koo
let tenant: { libraryId: string; admin: Who }
before(async () => {
  k = await Koo.make()
  tenant = await k.multiSpaceLibrary()
})
after(async () => {
  await k.close()
})

test('create a user, then a space for that user: containerId, root folder, capacity; the space works at once', async () => {
  const u = await k.call(tenant.admin, 'POST', '/users', { json: { userId: 'u1001' } })
  expectOk(u)
  assert.equal(u.json.data.id, 'u1001')

  const created = await k.call(tenant.admin, 'POST', '/space/u1001', { json: { capacity: '1073741824', type: 1 } })
  expectOk(created)
  const d = created.json.data
  assert.match(d.containerId, /^\d+$/)
  assert.match(d.bizRootFileId, /^\d+$/)
  assert.equal(d.ownerId, 'u1001')
  assert.equal(d.type, '1')
  assert.equal(d.capacity, '1073741824')
  assert.equal(d.spaceUsed, '0')
  assert.equal(d.tenantId, tenant.libraryId)
  assert.match(d.createTime, /^\d{14}$/)

  // The user works in their space with their own token: folders under `root`, which is the bizRootFileId.
  const user = await k.user('u1001', ['upload_file', 'create_directory'], { libraryId: tenant.libraryId })
  const dir = await k.mkdir(user, 'docs', 'root', d.containerId)
  const list = await k.call(user, 'POST', '/files/0', { json: { containerId: d.containerId, parentFileId: d.bizRootFileId } })
  expectOk(list)
  assert.deepEqual(list.json.files.map((f: { id: string }) => f.id), [dir])

  const info = await k.call(user, 'GET', `/space/container/${d.containerId}`)
  expectOk(info)
  assert.equal(info.json.data.containerId, d.containerId)
  assert.equal(info.json.data.rootFileId, d.bizRootFileId)
  const byOwner = await k.call(user, 'GET', '/space/u1001', { query: { type: 1 } })
  expectOk(byOwner)
  assert.equal(byOwner.json.data.containerId, d.containerId)
})

test('space usage counts live and recycled bytes; capacity is the quota (13000311 beyond it)', async () => {
  const created = await k.call(tenant.admin, 'POST', '/space/u-quota', { json: { capacity: '10', type: 1 } })
  expectOk(created)
  const c = created.json.data.containerId
  const user = await k.user('u-quota', ['upload_file'], { libraryId: tenant.libraryId })
  await k.upload(user, 'a.txt', '12345', 'root', c)
  const over = await k.call(user, 'POST', '/files/create', { json: { fileName: 'b.txt', fileType: '45', parentFolder: ['root'], containerId: c, length: 6 } })
  expectError(over, 400, '13000311')
  const info = await k.call(user, 'GET', `/space/container/${c}`)
  assert.equal(info.json.data.spaceUsed, '5')
})

test('setup needs an admin token: others get 13000410; unknown containers 13000301', async () => {
  const plain = await k.user('plain', ['upload_file'], { libraryId: tenant.libraryId })
  expectError(await k.call(plain, 'POST', '/users', { json: { userId: 'x' } }), 400, '13000410', 'create user')
  expectError(await k.call(plain, 'POST', '/space/plain', { json: { capacity: '100', type: 1 } }), 400, '13000410', 'create space')
  expectError(await k.call(tenant.admin, 'GET', '/space/container/987654'), 400, '13000301', 'unknown container')
  expectError(await k.call(tenant.admin, 'GET', '/space/nobody', { query: { type: 1 } }), 400, '13000301', 'owner without space')
  expectError(await k.call(tenant.admin, 'POST', '/space/u2', { json: { capacity: 'lots', type: 1 } }), 400, '13000102', 'capacity not a number')
  expectError(await k.call(tenant.admin, 'POST', '/space/u2', { json: { capacity: '100' } }), 400, '13000102', 'type missing')
  expectError(await k.call(tenant.admin, 'POST', '/users', { json: { userId: 'bad id with spaces' } }), 400, '13000102', 'invalid user id')
  // A space of another library does not exist for this caller.
  expectError(await k.call(tenant.admin, 'GET', `/space/container/${k.spaceId}`), 400, '13000301', 'other tenant')
})

test('an owner with several spaces must name one with containerId', async () => {
  const a = await k.call(tenant.admin, 'POST', '/space/multi', { json: { capacity: '100', type: 1 } })
  const b = await k.call(tenant.admin, 'POST', '/space/multi', { json: { capacity: '200', type: 1 } })
  expectOk(a)
  expectOk(b)
  expectError(await k.call(tenant.admin, 'GET', '/space/multi', { query: { type: 1 } }), 400, '13000102')
  const one = await k.call(tenant.admin, 'GET', '/space/multi', { query: { type: 1, containerId: b.json.data.containerId } })
  expectOk(one)
  assert.equal(one.json.data.capacity, '200')
  expectError(await k.call(tenant.admin, 'GET', '/space/multi', { query: { type: 1, containerId: '999999' } }), 400, '13000301')
})

test('deleting a space: refused while it holds anything (files or bin), done once it is empty', async () => {
  const created = await k.call(tenant.admin, 'POST', '/space/leaver', { json: { capacity: '1000', type: 1 } })
  const c = created.json.data.containerId
  const file = await k.upload(tenant.admin, 'keep.txt', 'keep', 'root', c)
  expectError(await k.call(tenant.admin, 'DELETE', '/space/leaver', { query: { type: 1, containerId: c } }), 400, '13000102', 'not empty')
  // In the bin is still "holding something".
  await k.trashJob(tenant.admin, [file], c)
  expectError(await k.call(tenant.admin, 'DELETE', '/space/leaver', { query: { type: 1, containerId: c } }), 400, '13000102', 'bin not empty')
  expectOk(await k.call(tenant.admin, 'POST', '/files/recycle', { json: { containerId: c } }))
  await k.c.runner.drain()
  expectError(await k.call(tenant.admin, 'DELETE', '/space/leaver', { query: { containerId: c } }), 400, '13000102', 'type is required')
  const plain = await k.user('leaver', [], { libraryId: tenant.libraryId })
  expectError(await k.call(plain, 'DELETE', '/space/leaver', { query: { type: 1, containerId: c } }), 400, '13000410', 'not an admin')
  expectOk(await k.call(tenant.admin, 'DELETE', '/space/leaver', { query: { type: 1, containerId: c } }))
  expectError(await k.call(tenant.admin, 'GET', `/space/container/${c}`), 400, '13000301', 'gone')
  // Seen from the native API too.
  assert.equal((await k.native(tenant.admin, 'GET', `/spaces/${c}`)).status, 404)
})
