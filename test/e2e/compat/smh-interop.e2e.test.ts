import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { makeSmh, type Smh } from './smh-support.ts'

/** One bin for every transport: what SMH trashes the native API lists and restores, and the reverse. */
describe('SMH ↔ native API interoperability', () => {
  let s: Smh
  let L: string
  let native: string
  let spaceId: string
  const v1 = (path: string) => `/trove/v1/spaces/${spaceId}${path}`
  before(async () => {
    s = await makeSmh()
    L = s.single.libraryId
    spaceId = s.single.spaceId!
    native = (await s.t.c.auth.issueToken({ libraryId: L, userId: 'native-user', grants: ['admin'] })).accessToken
  })
  after(async () => {
    await s?.close()
  })

  it('uploaded and trashed through SMH → listed and restored through /trove/v1 (Bearer) → visible again through SMH', async () => {
    assert.equal((await s.call('PUT', `/directory/${L}/-/shared`)).status, 201)
    assert.equal((await s.upload(s.single, '-', 'shared/from-smh.txt', 'written by an SMH client')).status, 200)
    const trashed = await s.call('DELETE', `/file/${L}/-/shared/from-smh.txt`)
    assert.equal(trashed.status, 200)
    const list = await s.t.req('GET', v1('/trash'), { token: native })
    assert.equal(list.status, 200, list.text)
    const entry = list.json.items.find((e: { id: string }) => e.id === String(trashed.json.recycledItemId))
    assert.ok(entry, 'the same entry id')
    assert.equal(entry.originalPath, '/shared/from-smh.txt')
    assert.equal(entry.sizeBytes, 'written by an SMH client'.length)
    const restored = await s.t.req('POST', v1(`/trash/${entry.id}/restore`), { token: native, json: {} })
    assert.equal(restored.status, 200, restored.text)
    assert.equal(restored.json.path, '/shared/from-smh.txt')
    assert.equal((await s.call('GET', `/recycled/${L}/-`)).json.totalNum, 0)
    const dl = await s.call('GET', `/file/${L}/-/shared/from-smh.txt`)
    assert.equal(dl.status, 302)
    assert.equal((await s.t.req('GET', new URL(dl.headers.location!).pathname, { token: null })).text, 'written by an SMH client')
    const content = await s.t.req('GET', v1(`/nodes/${restored.json.nodeId}/content`), { token: native })
    assert.equal(content.text, 'written by an SMH client')
  })

  it('uploaded and trashed through /trove/v1 → listed and restored through SMH → visible again natively', async () => {
    const folder = (await s.t.req('POST', v1('/folders'), { token: native, json: { parentId: 'root', name: 'native' } })).json.id
    const file = await s.t.req('PUT', `${v1('/files')}?parentId=${folder}&name=from-native.txt`, { token: native, body: 'written natively', headers: { 'content-type': 'text/plain' } })
    assert.equal(file.status, 201, file.text)
    const trashed = await s.t.req('DELETE', v1(`/nodes/${file.json.id}`), { token: native })
    assert.equal(trashed.status, 201)
    const bin = await s.call('GET', `/recycled/${L}/-`)
    const item = bin.json.contents.find((e: { recycledItemId: number }) => e.recycledItemId === Number(trashed.json.entry.id))
    assert.ok(item)
    assert.deepEqual(item.originalPath, ['native', 'from-native.txt'])
    assert.equal(item.size, '16')
    assert.equal(item.type, 'file')
    const restored = await s.call('POST', `/recycled/${L}/-/${item.recycledItemId}?restore`)
    assert.equal(restored.status, 200, restored.text)
    assert.deepEqual(restored.json, { path: ['native', 'from-native.txt'] })
    const children = await s.t.req('GET', v1(`/folders/${folder}/children`), { token: native })
    assert.deepEqual(children.json.items.map((n: { name: string }) => n.name), ['from-native.txt'])
    assert.equal((await s.t.req('GET', v1('/trash'), { token: native })).json.total, 0)
  })

  it('one token store: a native token works as access_token, an SMH token as Bearer', async () => {
    assert.equal((await s.call('GET', `/directory/${L}/-/`, { token: native })).status, 200)
    assert.equal((await s.t.req('GET', v1('/trash'), { token: s.admin })).status, 200, 'the same token store: an SMH token works as Bearer')
  })
})
