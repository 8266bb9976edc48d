import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { makeSmh, assertSmhError, type Smh } from './smh-support.ts'

const DAY = 86_400_000

/** vendor-apis.md §1.2: restore (S4, S5), delete (S6, S7), empty (S8, seed 001), lifecycle (S9), item info (S2). */
describe('SMH recycle bin operations', () => {
  let s: Smh
  let L: string
  const bin = (q: Record<string, string> = {}) => s.call('GET', `/recycled/${L}/-`, { query: { page_size: '1000', ...q } })
  const trash = async (path: string) => {
    const r = await s.call('DELETE', `/file/${L}/-/${path}`)
    assert.equal(r.status, 200, r.text)
    return r.json.recycledItemId as number
  }
  const trashDir = async (path: string) => {
    const r = await s.call('DELETE', `/directory/${L}/-/${path}`)
    assert.equal(r.status, 200, r.text)
    return r.json.recycledItemId as number
  }
  const put = async (path: string, content = path) => assert.equal((await s.upload(s.single, '-', path, content)).status, 200)
  const mkdir = async (path: string) => assert.equal((await s.call('PUT', `/directory/${L}/-/${path}`)).status, 201)
  const names = async (dir: string) => (await s.call('GET', `/directory/${L}/-/${dir}`, { query: { page_size: '1000' } })).json.contents.map((c: { name: string }) => c.name)

  before(async () => {
    s = await makeSmh()
    L = s.single.libraryId
  })
  after(async () => {
    await s?.close()
  })

  it('?info of a recycled file: the item fields plus contentType, eTag, crc64 and a signed cosUrl that serves the bytes (Range too)', async () => {
    await mkdir('info')
    await put('info/report.txt', 'in the bin but readable')
    const id = await trash('info/report.txt')
    const r = await s.call('GET', `/recycled/${L}/-/${id}?info`)
    assert.equal(r.status, 200, r.text)
    assert.equal(r.json.recycledItemId, id)
    assert.deepEqual(r.json.originalPath, ['info', 'report.txt'])
    assert.equal(r.json.contentType, 'text/plain')
    assert.match(r.json.crc64, /^\d+$/)
    const url = new URL(r.json.cosUrl)
    const got = await s.t.req('GET', url.pathname, { token: null, headers: { range: 'bytes=3-5' } })
    assert.equal(got.status, 206)
    assert.equal(got.text, 'the')
    const preview = await s.call('GET', `/recycled/${L}/-/${id}?preview`)
    assert.equal(preview.status, 302)
    assert.equal((await s.t.req('GET', new URL(preview.headers.location!).pathname, { token: null })).text, 'in the bin but readable')
    assertSmhError(await s.call('GET', `/recycled/${L}/-/999999?info`), 404, 'RecycledItemNotFound')
    assertSmhError(await s.call('GET', `/recycled/${L}/-/abc?info=1`), 404, 'RecycledItemNotFound')
  })

  it('restore one (S4): 200 {path}; default rename on a clash (`name (1).ext`), ask → 409, overwrite replaces the file', async () => {
    await mkdir('r')
    await put('r/a.txt', 'first')
    const first = await trash('r/a.txt')
    await put('r/a.txt', 'second')
    const second = await trash('r/a.txt')
    await put('r/a.txt', 'third')
    const third = await trash('r/a.txt')
    await put('r/a.txt', 'live')
    // default (rename)
    const r1 = await s.call('POST', `/recycled/${L}/-/${first}?restore`)
    assert.equal(r1.status, 200, r1.text)
    assert.deepEqual(r1.json, { path: ['r', 'a (1).txt'] })
    // ask
    assertSmhError(await s.call('POST', `/recycled/${L}/-/${second}?restore`, { query: { conflict_resolution_strategy: 'ask' } }), 409, 'SameNameDirectoryOrFileExists')
    assert.ok((await bin()).json.contents.some((e: { recycledItemId: number }) => e.recycledItemId === second), 'a refused restore leaves the entry in the bin')
    // overwrite: the live file goes to the bin, the restored one takes its name
    const r3 = await s.call('POST', `/recycled/${L}/-/${third}?restore`, { query: { conflict_resolution_strategy: 'overwrite' } })
    assert.equal(r3.status, 200, r3.text)
    assert.deepEqual(r3.json, { path: ['r', 'a.txt'] })
    const dl = await s.call('GET', `/file/${L}/-/r/a.txt`)
    assert.equal((await s.t.req('GET', new URL(dl.headers.location!).pathname, { token: null })).text, 'third')
    assert.ok((await bin()).json.contents.some((e: { name: string; originalPath: string[] }) => e.name === 'a.txt' && e.originalPath.join('/') === 'r/a.txt'))
    assertSmhError(await s.call('POST', `/recycled/${L}/-/${second}?restore`, { query: { conflict_resolution_strategy: 'merge' } }), 400, 'InvalidConflictResolutionStrategy')
    assertSmhError(await s.call('POST', `/recycled/${L}/-/${first}?restore`), 404, 'RecycledItemNotFound')
  })

  it('a directory restores with `ask` by default; rename gives `dir (1)`; overwrite of a directory is refused', async () => {
    await mkdir('dirs/photos')
    await put('dirs/photos/p.jpg', 'jpg')
    const id = await trashDir('dirs/photos')
    await mkdir('dirs/photos')
    assertSmhError(await s.call('POST', `/recycled/${L}/-/${id}?restore`), 409, 'SameNameDirectoryOrFileExists')
    assertSmhError(await s.call('POST', `/recycled/${L}/-/${id}?restore`, { query: { conflict_resolution_strategy: 'overwrite' } }), 409, 'SameNameDirectoryOrFileExists')
    const r = await s.call('POST', `/recycled/${L}/-/${id}?restore`, { query: { conflict_resolution_strategy: 'rename' } })
    assert.equal(r.status, 200, r.text)
    assert.deepEqual(r.json, { path: ['dirs', 'photos (1)'] })
    assert.deepEqual(await names('dirs/photos (1)'), ['p.jpg'])
  })

  it('restore_path_strategy: originalPath fails with DirectoryNotFound when the folder is gone; fallbackToRoot restores at the root', async () => {
    await mkdir('gone')
    await put('gone/orphan.txt')
    const id = await trash('gone/orphan.txt')
    await trashDir('gone')
    assertSmhError(await s.call('POST', `/recycled/${L}/-/${id}?restore`), 404, 'DirectoryNotFound')
    assertSmhError(await s.call('POST', `/recycled/${L}/-/${id}?restore`, { query: { restore_path_strategy: 'elsewhere' } }), 400, 'ParamInvalid')
    const r = await s.call('POST', `/recycled/${L}/-/${id}?restore`, { query: { restore_path_strategy: 'fallbackToRoot' } })
    assert.equal(r.status, 200, r.text)
    assert.deepEqual(r.json, { path: ['orphan.txt'] })
  })

  it('restore batch (S5): an array of ids; always renames; 207 with per-item statuses as in the documented sample', async () => {
    await mkdir('b/sub')
    await put('b/x.txt')
    await put('b/sub/y.txt')
    await mkdir('b/new_directory')
    const x = await trash('b/x.txt')
    const y = await trash('b/sub/y.txt')
    const nd = await trashDir('b/new_directory')
    await trashDir('b/sub')
    await put('b/x.txt', 'clash')
    await mkdir('b/new_directory')
    const r = await s.call('POST', `/recycled/${L}/-?restore`, { json: [x, 424242, y, nd] })
    assert.equal(r.status, 207, r.text)
    assert.deepEqual(r.json.result[0], { status: 200, path: ['b', 'x (1).txt'], recycledItemId: x })
    assert.equal(r.json.result[1].status, 404)
    assert.equal(r.json.result[1].code, 'RecycledItemNotFound')
    assert.equal(r.json.result[1].recycledItemId, 424242)
    assert.equal(typeof r.json.result[1].message, 'string')
    assert.equal(r.json.result[2].status, 404)
    assert.equal(r.json.result[2].code, 'DirectoryNotFound')
    assert.deepEqual(r.json.result[3], { status: 200, path: ['b', 'new_directory (1)'], recycledItemId: nd })
    // all good → 200
    await put('b/z.txt')
    const z = await trash('b/z.txt')
    const ok = await s.call('POST', `/recycled/${L}/-?restore`, { json: [z] })
    assert.equal(ok.status, 200, ok.text)
    assert.deepEqual(ok.json, { result: [{ status: 200, path: ['b', 'z.txt'], recycledItemId: z }] })
    // fallbackToRoot applies to batches too
    const root = await s.call('POST', `/recycled/${L}/-?restore`, { query: { restore_path_strategy: 'fallbackToRoot' }, json: [String(y)] })
    assert.deepEqual(root.json.result, [{ status: 200, path: ['y.txt'], recycledItemId: y }])
    assertSmhError(await s.call('POST', `/recycled/${L}/-?restore`, { json: [] }), 400, 'NoItemsProvided')
    assertSmhError(await s.call('POST', `/recycled/${L}/-?restore`), 400, 'NoItemsProvided')
    assertSmhError(await s.call('POST', `/recycled/${L}/-?restore`, { json: { ids: [1] } }), 400, 'ParamInvalid')
    assertSmhError(await s.call('POST', `/recycled/${L}/-?restore`, { json: Array.from({ length: 1001 }, (_, i) => i + 1) }), 400, 'TooManyItems')
  })

  it('delete one (S6) → 204; delete batch (S7) → 204, or 207 naming the ids that were not in the bin; purge runs as a task', async () => {
    await mkdir('del')
    const ids = []
    for (const n of ['1', '2', '3', '4']) {
      await put(`del/${n}.txt`, `delete me ${n}`)
      ids.push(await trash(`del/${n}.txt`))
    }
    const usedBefore = Number((await s.call('GET', `/usage/${L}/-`)).json[0].size)
    const one = await s.call('DELETE', `/recycled/${L}/-/${ids[0]}`)
    assert.equal(one.status, 204, one.text)
    assert.equal(one.body.length, 0)
    assertSmhError(await s.call('DELETE', `/recycled/${L}/-/${ids[0]}`), 404, 'RecycledItemNotFound')
    const batch = await s.call('POST', `/recycled/${L}/-?delete`, { json: [ids[1], ids[2]] })
    assert.equal(batch.status, 204, batch.text)
    const partial = await s.call('POST', `/recycled/${L}/-?delete`, { json: [ids[3], ids[1]] })
    assert.equal(partial.status, 207, partial.text)
    assert.deepEqual(partial.json.result[0], { status: 204, recycledItemId: ids[3] })
    assert.equal(partial.json.result[1].status, 404)
    assert.equal(partial.json.result[1].code, 'RecycledItemNotFound')
    const listed = (await bin()).json.contents.map((e: { recycledItemId: number }) => e.recycledItemId)
    for (const id of ids) assert.ok(!listed.includes(id), 'deleted entries are gone from the bin at once')
    // the bytes are released by the purge task, not by the request
    assert.equal(Number((await s.call('GET', `/usage/${L}/-`)).json[0].size), usedBefore)
    await s.t.drain()
    assert.equal(Number((await s.call('GET', `/usage/${L}/-`)).json[0].size), usedBefore - ids.length * 'delete me 1'.length)
  })

  it('empty (seed 001): DELETE /recycled/{L}/{S} → 204, no body; entries invisible at once; space released asynchronously', async () => {
    await mkdir('empty')
    await put('empty/a.txt', 'aaaa')
    await trash('empty/a.txt')
    assert.ok((await bin()).json.totalNum > 0)
    const before = Number((await s.call('GET', `/usage/${L}/-`)).json[0].size)
    const r = await s.call('DELETE', `/recycled/${L}/-`)
    assert.equal(r.status, 204, r.text)
    assert.equal(r.body.length, 0)
    const after = await bin()
    assert.equal(after.json.totalNum, 0)
    assert.deepEqual(after.json.contents, [])
    assert.equal(Number((await s.call('GET', `/usage/${L}/-`)).json[0].size), before, 'space is released by the task')
    await s.t.drain()
    assert.ok(Number((await s.call('GET', `/usage/${L}/-`)).json[0].size) < before)
    assert.equal((await s.call('DELETE', `/recycled/${L}/-`)).status, 204, 'emptying an empty bin succeeds')
  })

  it('lifecycle (S9): extending reaches entries already in the bin, shortening only new ones; retention is enforced by the clock', async () => {
    await mkdir('life')
    await put('life/old.txt')
    await trash('life/old.txt')
    const remaining = async (name: string) => (await bin()).json.contents.find((e: { name: string }) => e.name === name)?.remainingTime
    assert.equal(await remaining('old.txt'), 30)
    assert.equal((await s.call('POST', `/recycled/${L}/-?lifecycle`, { json: { retentionDays: 90 } })).status, 204)
    assert.equal(await remaining('old.txt'), 90, 'extended')
    assert.equal((await s.call('POST', `/recycled/${L}/-?lifecycle`, { json: { retentionDays: 2 } })).status, 204)
    assert.equal(await remaining('old.txt'), 90, 'not shortened')
    await put('life/new.txt')
    await trash('life/new.txt')
    assert.equal(await remaining('new.txt'), 2)
    s.t.clock.advance(2 * DAY + 1)
    await s.t.c.trash.schedulePurgeExpired(3_600_000)
    await s.t.drain()
    assert.equal(await remaining('new.txt'), undefined, 'purged by retention')
    assert.equal(await remaining('old.txt'), 87)
    for (const bad of [0, 10001, 1.5, '30', null]) {
      assertSmhError(await s.call('POST', `/recycled/${L}/-?lifecycle`, { json: { retentionDays: bad } }), 400, 'ParamInvalid')
    }
    assertSmhError(await s.call('POST', `/recycled/${L}/-?lifecycle`, { json: { retentionDays: 5000 } }), 400, 'ParamInvalid')
    assertSmhError(await s.call('POST', `/recycled/${L}/-?lifecycle`), 400, 'ParamInvalid')
  })

  it('with the bin disabled: deletes are permanent (204) and the bin calls answer RecycleBinNotEnabled', async () => {
    const admin = { ...s.t.h.admin, libraryId: L }
    await mkdir('off')
    await put('off/f.txt')
    await s.t.c.spaces.updateSettings(admin, s.single.spaceId!, { recycleBinEnabled: false })
    try {
      const r = await s.call('DELETE', `/file/${L}/-/off/f.txt`)
      assert.equal(r.status, 204, r.text)
      assert.equal((await s.call('DELETE', `/directory/${L}/-/off`)).status, 204)
      assertSmhError(await bin(), 400, 'RecycleBinNotEnabled')
      assertSmhError(await s.call('DELETE', `/recycled/${L}/-`), 400, 'RecycleBinNotEnabled')
      assertSmhError(await s.call('POST', `/recycled/${L}/-?lifecycle`, { json: { retentionDays: 3 } }), 400, 'RecycleBinNotEnabled')
    } finally {
      await s.t.c.spaces.updateSettings(admin, s.single.spaceId!, { recycleBinEnabled: true })
    }
    assert.ok(!(await bin()).json.contents.some((e: { name: string }) => e.name === 'f.txt'))
  })
})
