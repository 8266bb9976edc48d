import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { makeSmh, assertSmhError, type Smh } from './smh-support.ts'

/** vendor-content-apis.md §1.3 (SD1–SD7) and §1.5.1: create, list, info, HEAD, move, delete. */
describe('SMH directories', () => {
  let s: Smh
  let L: string
  const dir = (path: string, opts: Parameters<Smh['call']>[2] = {}) => s.call('GET', `/directory/${L}/-/${path}`, opts)
  before(async () => {
    s = await makeSmh()
    L = s.single.libraryId
  })
  after(async () => {
    await s?.close()
  })

  it('create: 201 with an empty body; missing parents are created; ask → 409; rename → {path}; a file on the way → 409', async () => {
    const r = await s.call('PUT', `/directory/${L}/-/foo/bar/baz`)
    assert.equal(r.status, 201, r.text)
    assert.equal(r.body.length, 0)
    assert.equal((await dir('foo/bar')).json.subDirCount, 1)
    assertSmhError(await s.call('PUT', `/directory/${L}/-/foo/bar`), 409, 'SameNameDirectoryOrFileExists')
    const renamed = await s.call('PUT', `/directory/${L}/-/foo/bar`, { query: { conflict_resolution_strategy: 'rename' } })
    assert.equal(renamed.status, 201)
    assert.deepEqual(renamed.json.path, ['foo', 'bar (1)'])
    const inode = await s.call('PUT', `/directory/${L}/-/foo/withinode`, { query: { with_inode: '1' } })
    assert.equal(inode.status, 201)
    assert.match(inode.json.inode, /^\d+$/)
    assert.match(inode.json.creationTime, /Z$/)
    assert.equal((await s.upload(s.single, '-', 'foo/file.txt', 'f')).status, 200)
    assertSmhError(await s.call('PUT', `/directory/${L}/-/foo/file.txt/sub`, { query: { conflict_resolution_strategy: 'rename' } }), 409, 'SameNameDirectoryOrFileExists')
    assertSmhError(await s.call('PUT', `/directory/${L}/-/foo/x`, { query: { conflict_resolution_strategy: 'overwrite' } }), 400, 'InvalidConflictResolutionStrategy')
    assertSmhError(await s.call('PUT', `/directory/${L}/-/foo/a%00b`), 400, 'InvalidFilePath')
    assertSmhError(await s.call('PUT', `/directory/${L}/-/`), 400, 'RootDirectoryNotAllowed')
  })

  it('list: path, fileCount, subDirCount, totalNum, contents; directories first; page and marker modes; order_by; filter', async () => {
    await s.call('PUT', `/directory/${L}/-/list/zdir`)
    await s.call('PUT', `/directory/${L}/-/list/adir`)
    for (const [name, size] of [['b.txt', 3], ['a.txt', 1], ['c.txt', 2]] as const) {
      assert.equal((await s.upload(s.single, '-', `list/${name}`, 'x'.repeat(size))).status, 200)
      s.t.clock.advance(1000)
    }
    const r = await dir('list')
    assert.equal(r.status, 200, r.text)
    assert.deepEqual(r.json.path, ['list'])
    assert.equal(r.json.fileCount, 3)
    assert.equal(r.json.subDirCount, 2)
    assert.equal(r.json.totalNum, 5)
    assert.equal(r.json.nextMarker, undefined)
    assert.deepEqual(r.json.contents.map((c: { name: string }) => c.name), ['adir', 'zdir', 'a.txt', 'b.txt', 'c.txt'])
    const file = r.json.contents[2]
    assert.deepEqual(file.path, ['list', 'a.txt'])
    assert.equal(file.type, 'file')
    assert.equal(file.size, '1')
    assert.match(file.eTag, /^"[0-9a-f]{64}"$/)
    assert.equal(r.json.contents[0].type, 'dir')
    const names = async (q: Record<string, string>) => (await dir('list', { query: q })).json.contents.map((c: { name: string }) => c.name)
    assert.deepEqual(await names({ order_by: 'name', order_by_type: 'desc' }), ['zdir', 'adir', 'c.txt', 'b.txt', 'a.txt'])
    assert.deepEqual(await names({ order_by: 'size', filter: 'onlyFile' }), ['a.txt', 'c.txt', 'b.txt'])
    assert.deepEqual(await names({ order_by: 'modificationTime', order_by_type: 'desc', filter: 'onlyFile' }), ['c.txt', 'a.txt', 'b.txt'])
    assert.deepEqual(await names({ order_by: 'creationTime', filter: 'onlyFile' }), ['b.txt', 'a.txt', 'c.txt'])
    assert.deepEqual(await names({ filter: 'onlyDir' }), ['adir', 'zdir'])
    assert.deepEqual(await names({ sort_type: 'union' }), ['a.txt', 'adir', 'b.txt', 'c.txt', 'zdir'])
    assert.equal((await dir('list', { query: { filter: 'onlyDir' } })).json.totalNum, 2)
    // page mode
    const p2 = await dir('list', { query: { page: '2', page_size: '2' } })
    assert.deepEqual(p2.json.contents.map((c: { name: string }) => c.name), ['a.txt', 'b.txt'])
    assert.equal(p2.json.totalNum, 5)
    // marker mode
    const seen: string[] = []
    let marker: string | undefined
    for (let i = 0; i < 5; i++) {
      const m = await dir('list', { query: { limit: '2', ...(marker ? { marker } : {}) } })
      seen.push(...m.json.contents.map((c: { name: string }) => c.name))
      marker = m.json.nextMarker
      if (!marker) break
    }
    assert.deepEqual(seen, ['adir', 'zdir', 'a.txt', 'b.txt', 'c.txt'])
    assertSmhError(await dir('list', { query: { page: '1', marker: '2' } }), 400, 'ParamInvalid')
    assertSmhError(await dir('list', { query: { order_by: 'colour' } }), 400, 'OrderByNotAllowed')
    assertSmhError(await dir('list', { query: { filter: 'onlyLinks' } }), 400, 'ParamInvalid')
    assertSmhError(await dir('nope'), 404, 'DirectoryNotFound')
    assertSmhError(await dir('list/a.txt'), 404, 'DirectoryNotFound')
    // the root, with or without a trailing slash
    const root = await s.call('GET', `/directory/${L}/-/`)
    assert.deepEqual(root.json.path, [])
    assert.ok(root.json.contents.some((c: { name: string }) => c.name === 'list'))
    assert.equal((await s.call('GET', `/directory/${L}/-`)).status, 200)
  })

  it('?info (also `info=` and `info=1`) describes a directory or a file; HEAD answers 200 or 404', async () => {
    await s.call('PUT', `/directory/${L}/-/inf/sub`)
    assert.equal((await s.upload(s.single, '-', 'inf/f.bin', 'abc')).status, 200)
    for (const flag of ['?info', '?info=', '?info=1']) {
      const r = await s.call('GET', `/directory/${L}/-/inf${flag}`)
      assert.equal(r.status, 200, r.text)
      assert.equal(r.json.type, 'dir')
      assert.equal(r.json.fileCount, 1)
      assert.equal(r.json.subDirCount, 1)
    }
    const f = await s.call('GET', `/directory/${L}/-/inf/f.bin?info`)
    assert.equal(f.json.type, 'file')
    assert.equal(f.json.size, '3')
    assertSmhError(await s.call('GET', `/directory/${L}/-/inf/none?info`), 404, 'PathNotFound')
    assert.equal((await s.call('HEAD', `/directory/${L}/-/inf/sub`)).status, 200)
    assert.equal((await s.call('HEAD', `/directory/${L}/-/inf/none`)).status, 404)
  })

  it('move/rename with {from}: ask → 204, rename → 200 {path}; parents created; a clash under ask is 409', async () => {
    await s.call('PUT', `/directory/${L}/-/mv/src/inner`)
    await s.call('PUT', `/directory/${L}/-/mv/taken`)
    const r = await s.call('PUT', `/directory/${L}/-/mv/new/place/moved`, { json: { from: 'mv/src' } })
    assert.equal(r.status, 204, r.text)
    assert.equal((await s.call('HEAD', `/directory/${L}/-/mv/new/place/moved/inner`)).status, 200)
    assertSmhError(await s.call('PUT', `/directory/${L}/-/mv/taken`, { json: { from: '/mv/new/place/moved' } }), 409, 'SameNameDirectoryOrFileExists')
    const renamed = await s.call('PUT', `/directory/${L}/-/mv/taken`, { query: { conflict_resolution_strategy: 'rename' }, json: { from: 'mv/new/place/moved' } })
    assert.equal(renamed.status, 200, renamed.text)
    assert.deepEqual(renamed.json, { path: ['mv', 'taken (1)'] })
    assertSmhError(await s.call('PUT', `/directory/${L}/-/mv/x`, { json: { from: 'mv/none' } }), 404, 'SourceDirectoryNotFound')
    assertSmhError(await s.call('PUT', `/directory/${L}/-/mv/taken (1)/inner/deeper`, { json: { from: 'mv/taken (1)' } }), 400, 'SourceDirectoryIsParentOfDestination')
  })

  it('delete: into the bin → 200 {recycledItemId}; permanent=1 → 204; the root cannot be deleted', async () => {
    await s.call('PUT', `/directory/${L}/-/del/a`)
    await s.call('PUT', `/directory/${L}/-/del/b`)
    const r = await s.call('DELETE', `/directory/${L}/-/del/a`)
    assert.equal(r.status, 200, r.text)
    assert.equal(typeof r.json.recycledItemId, 'number')
    const bin = await s.call('GET', `/recycled/${L}/-`)
    assert.equal(bin.json.contents.find((e: { recycledItemId: number }) => e.recycledItemId === r.json.recycledItemId).type, 'dir')
    const p = await s.call('DELETE', `/directory/${L}/-/del/b`, { query: { permanent: '1' } })
    assert.equal(p.status, 204)
    assert.equal((await s.call('GET', `/recycled/${L}/-`)).json.totalNum, bin.json.totalNum, 'a permanent delete skips the bin')
    assertSmhError(await s.call('DELETE', `/directory/${L}/-/del/b`), 404, 'DirectoryNotFound')
    assertSmhError(await s.call('DELETE', `/directory/${L}/-/`), 400, 'RootDirectoryNotAllowed')
  })
})
