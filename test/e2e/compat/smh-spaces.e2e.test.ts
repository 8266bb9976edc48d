import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { makeSmh, assertSmhError, type Smh } from './smh-support.ts'
import { blobFiles } from '../../support/harness.ts'

/** vendor-content-apis.md §1.2 (spaces) and vendor-apis.md §1.6 (quota, usage, file counts). */
describe('SMH spaces, quota and usage', () => {
  let s: Smh
  let L: string
  let M: string
  let madmin: string
  before(async () => {
    s = await makeSmh()
    L = s.single.libraryId
    M = s.multi.libraryId
    madmin = await s.token(s.multi, { grant: 'admin' })
  })
  after(async () => {
    await s?.close()
  })

  it('create (201 {spaceId}), list, delete (409 SpaceNotEmpty without force, 204 with force=1; content and bytes gone)', async () => {
    const created = await s.call('POST', `/space/${M}`, { token: madmin, json: { isPublicRead: false, isMultiAlbum: true } })
    assert.equal(created.status, 201, created.text)
    assert.match(created.json.spaceId, /^[1-9]\d*$/)
    const sp = created.json.spaceId
    const empty = (await s.call('POST', `/space/${M}`, { token: madmin })).json.spaceId
    const list = await s.call('GET', `/space/${M}/list`, { token: madmin })
    assert.equal(list.status, 200)
    assert.deepEqual(list.json.list.map((x: { spaceId: string }) => x.spaceId), [sp, empty])
    assert.match(list.json.list[0].creationTime, /Z$/)
    assert.equal(list.json.nextMarker, undefined)
    const page = await s.call('GET', `/space/${M}/list`, { token: madmin, query: { limit: '1' } })
    assert.deepEqual(page.json.list.map((x: { spaceId: string }) => x.spaceId), [sp])
    assert.equal(page.json.nextMarker, sp)
    const next = await s.call('GET', `/space/${M}/list`, { token: madmin, query: { limit: '1', marker: page.json.nextMarker } })
    assert.deepEqual(next.json.list.map((x: { spaceId: string }) => x.spaceId), [empty])

    assert.equal((await s.call('PUT', `/directory/${M}/${sp}/docs`, { token: madmin })).status, 201)
    assert.equal((await s.upload(s.multi, sp, 'docs/only-here.bin', 'unique bytes of the deleted space', { token: madmin })).status, 200)
    assert.equal((await s.call('DELETE', `/file/${M}/${sp}/docs/only-here.bin`, { token: madmin })).status, 200)
    const blobsBefore = await blobFiles(s.t.dataDir)
    assertSmhError(await s.call('DELETE', `/space/${M}/${sp}`, { token: madmin }), 409, 'SpaceNotEmpty')
    assert.equal((await s.call('DELETE', `/space/${M}/${empty}`, { token: madmin })).status, 204)
    const forced = await s.call('DELETE', `/space/${M}/${sp}`, { token: madmin, query: { force: '1' } })
    assert.equal(forced.status, 204, forced.text)
    assertSmhError(await s.call('GET', `/directory/${M}/${sp}/`, { token: madmin }), 404, 'SpaceNotFound')
    assert.equal((await s.call('GET', `/space/${M}/list`, { token: madmin })).json.list.length, 0)
    assert.equal((await blobFiles(s.t.dataDir)).length, blobsBefore.length - 1, 'the bytes only that space held are freed')

    assertSmhError(await s.call('POST', `/space/${L}`), 400, 'NotMultiSpaceLibrary')
    assertSmhError(await s.call('DELETE', `/space/${L}/-`), 400, 'NotMultiSpaceLibrary')
    const reader = await s.token(s.multi, { space_id: (await s.call('POST', `/space/${M}`, { token: madmin })).json.spaceId })
    assertSmhError(await s.call('POST', `/space/${M}`, { token: reader }), 403, 'NoPermission')
  })

  it('quota: create (201 {quotaId}), get, update; uploads beyond it are QuotaLimitReached; bytes in the bin count', async () => {
    assertSmhError(await s.call('POST', `/quota/${L}`, { json: {} }), 400, 'QuotaCapacityRequired')
    assertSmhError(await s.call('POST', `/quota/${L}`, { json: { capacity: 'lots' } }), 400, 'QuotaCapacityInvalid')
    const q = await s.call('POST', `/quota/${L}`, { json: { capacity: '100', removeWhenExceed: true, removeAfterDays: 30, removeNewest: false } })
    assert.equal(q.status, 201, q.text)
    assert.equal(typeof q.json.quotaId, 'number')
    const got = await s.call('GET', `/quota/${L}/${q.json.quotaId}`)
    assert.equal(got.status, 200)
    assert.deepEqual(got.json.spaces, ['-'])
    assert.equal(got.json.capacity, '100')
    await s.call('PUT', `/directory/${L}/-/q`)
    assert.equal((await s.upload(s.single, '-', 'q/sixty.bin', 'x'.repeat(60))).status, 200)
    assertSmhError(await s.call('PUT', `/file/${L}/-/q/fifty.bin`, { query: { filesize: '50' } }), 400, 'QuotaLimitReached')
    // without a declared size the bytes themselves are stopped
    const start = await s.call('PUT', `/file/${L}/-/q/fifty.bin`)
    assert.equal(start.status, 201)
    assertSmhError(await s.t.req('PUT', start.json.path, { token: null, body: 'y'.repeat(50), headers: start.json.headers }), 400, 'QuotaLimitReached')
    // the bin still counts
    assert.equal((await s.call('DELETE', `/file/${L}/-/q/sixty.bin`)).status, 200)
    assertSmhError(await s.call('PUT', `/file/${L}/-/q/fifty.bin`, { query: { filesize: '50' } }), 400, 'QuotaLimitReached')
    const usage = await s.call('GET', `/usage/${L}/-`)
    assert.deepEqual(usage.json, [{ spaceId: '-', size: '60', capacity: '100', availableSpace: '40' }])
    assert.equal((await s.call('PUT', `/quota/${L}/${q.json.quotaId}`, { json: { capacity: '1000' } })).status, 204)
    assert.equal((await s.call('GET', `/quota/${L}/-`)).json.capacity, '1000')
    assert.equal((await s.upload(s.single, '-', 'q/fifty.bin', 'y'.repeat(50))).status, 200)
    assert.deepEqual((await s.call('GET', `/usage/${L}`)).json, { totalFileSize: '110' })
    const ro = await s.token(s.single, { user_id: 'ro' })
    assertSmhError(await s.call('GET', `/usage/${L}`, { token: ro }), 403, 'NoPermission')
    assertSmhError(await s.call('POST', `/quota/${L}`, { token: ro, json: { capacity: '1' } }), 403, 'NoPermission')
  })

  it('multi-space quota names its spaces (QuotaSpacesRequired otherwise); unknown quota ids are QuotaNotFound; usage of several spaces', async () => {
    const a = (await s.call('POST', `/space/${M}`, { token: madmin })).json.spaceId
    const b = (await s.call('POST', `/space/${M}`, { token: madmin })).json.spaceId
    assertSmhError(await s.call('POST', `/quota/${M}`, { token: madmin, json: { capacity: '10' } }), 400, 'QuotaSpacesRequired')
    const q = await s.call('POST', `/quota/${M}`, { token: madmin, json: { spaces: [a, b], capacity: 4096 } })
    assert.equal(q.status, 201, q.text)
    assert.equal(q.json.quotaId, Number(a))
    assert.deepEqual((await s.call('GET', `/quota/${M}/${a}`, { token: madmin })).json.spaces, [a])
    assertSmhError(await s.call('GET', `/quota/${M}/99999`, { token: madmin }), 404, 'QuotaNotFound')
    const usage = await s.call('GET', `/usage/${M}/${a},${b}`, { token: madmin })
    assert.deepEqual(usage.json, [
      { spaceId: a, size: '0', capacity: '4096', availableSpace: '4096' },
      { spaceId: b, size: '0', capacity: '4096', availableSpace: '4096' },
    ])
  })

  it('file counts: fileNum and dirNum include the bin; recycledFileNum and recycledDirNum count what is in it', async () => {
    const sp = (await s.call('POST', `/space/${M}`, { token: madmin })).json.spaceId
    const up = (p: string) => s.upload(s.multi, sp, p, p, { token: madmin })
    await s.call('PUT', `/directory/${M}/${sp}/a/b`, { token: madmin })
    await s.call('PUT', `/directory/${M}/${sp}/keep`, { token: madmin })
    for (const p of ['a/1.txt', 'a/b/2.txt', 'a/b/3.txt', 'keep/4.txt', 'keep/5.txt']) assert.equal((await up(p)).status, 200)
    const count = async () => (await s.call('GET', `/space/${M}/${sp}/file-count`, { token: madmin })).json
    assert.deepEqual(await count(), { fileNum: 5, dirNum: 3, recycledFileNum: 0, recycledDirNum: 0, historyFileNum: 0 })
    await s.call('DELETE', `/file/${M}/${sp}/keep/5.txt`, { token: madmin })
    await s.call('DELETE', `/directory/${M}/${sp}/a`, { token: madmin })
    assert.deepEqual(await count(), { fileNum: 5, dirNum: 3, recycledFileNum: 4, recycledDirNum: 2, historyFileNum: 0 })
    assert.equal((await s.call('DELETE', `/recycled/${M}/${sp}`, { token: madmin })).status, 204)
    assert.deepEqual(await count(), { fileNum: 1, dirNum: 1, recycledFileNum: 0, recycledDirNum: 0, historyFileNum: 0 }, 'purging entries are not counted')
  })
})
