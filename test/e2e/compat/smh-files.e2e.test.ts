import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { makeSmh, assertSmhError, type Smh } from './smh-support.ts'
import { buildContainer } from '../../../src/app/container.ts'
import { buildApp } from '../../../src/http/build-app.ts'
import { crc64 } from '../../../src/compat/smh/crc64.ts'

/** vendor-content-apis.md §1.4 (SF1–SF9) and §1.9: the simple upload, info, download, HEAD, move, delete. */
describe('SMH files', () => {
  let s: Smh
  let L: string
  const base = () => `/file/${L}/-`
  before(async () => {
    s = await makeSmh()
    L = s.single.libraryId
    assert.equal((await s.call('PUT', `/directory/${L}/-/docs`)).status, 201)
  })
  after(async () => {
    await s?.close()
  })

  it('the minimal flow (§1.9 steps 4–8): start 201, PUT the bytes with the returned headers, confirm 200 with the file', async () => {
    const content = Buffer.alloc(1024, 7)
    const start = await s.call('PUT', `${base()}/docs/hello.bin`, { query: { filesize: '1024', conflict_resolution_strategy: 'rename' } })
    assert.equal(start.status, 201, start.text)
    assert.deepEqual(Object.keys(start.json).sort(), ['confirmKey', 'domain', 'expiration', 'headers', 'path'])
    assert.equal(start.json.domain, 'localhost:80', 'the host the client used')
    assert.match(start.json.path, /^\/api\/v1\/_upload\//)
    assert.match(start.json.expiration, /Z$/)
    const put = await s.t.req('PUT', start.json.path, { token: null, body: content, headers: start.json.headers })
    assert.equal(put.status, 200, put.text)
    assert.equal(put.headers['x-cos-hash-crc64ecma'], crc64(content))
    const confirm = await s.call('POST', `${base()}/${start.json.confirmKey}?confirm`, { json: { crc64: crc64(content) } })
    assert.equal(confirm.status, 200, confirm.text)
    assert.deepEqual(confirm.json.path, ['docs', 'hello.bin'])
    assert.equal(confirm.json.name, 'hello.bin')
    assert.equal(confirm.json.type, 'file')
    assert.equal(confirm.json.size, '1024')
    assert.equal(confirm.json.crc64, crc64(content))
    assert.equal(confirm.json.isOverwritten, false)
    const listed = await s.call('GET', `/directory/${L}/-/docs`, { query: { page: '1', page_size: '20' } })
    assert.equal(listed.json.fileCount, 1)
    assert.deepEqual(listed.json.contents.map((c: { name: string; size: string }) => [c.name, c.size]), [['hello.bin', '1024']])
    assertSmhError(await s.call('POST', `${base()}/${start.json.confirmKey}?confirm`), 404, 'UploadNotFound')
  })

  it('confirm checks crc64 (BadCrc64), refuses before the bytes (UploadIncomplete); a bad credential cannot upload', async () => {
    const start = await s.call('PUT', `${base()}/docs/crc.txt`)
    assertSmhError(await s.call('POST', `${base()}/${start.json.confirmKey}?confirm`), 400, 'UploadIncomplete')
    const bad = await s.t.req('PUT', start.json.path, { token: null, body: 'x', headers: { 'x-trove-upload-token': start.json.headers['x-trove-upload-token'].slice(0, -2) + 'AA' } })
    assertSmhError(bad, 403, 'InvalidAccessToken')
    const other = await s.call('PUT', `${base()}/docs/other.txt`)
    assertSmhError(await s.t.req('PUT', start.json.path, { token: null, body: 'x', headers: other.json.headers }), 403, 'NoPermission')
    assertSmhError(await s.t.req('PUT', start.json.path, { token: null, body: 'x' }), 403, 'NoPermission')
    await s.t.req('PUT', start.json.path, { token: null, body: 'checked bytes', headers: start.json.headers })
    assertSmhError(await s.call('POST', `${base()}/${start.json.confirmKey}?confirm`, { json: { crc64: '12345' } }), 400, 'BadCrc64')
    const ok = await s.call('POST', `${base()}/${start.json.confirmKey}?confirm`, { json: { crc64: crc64('checked bytes') } })
    assert.equal(ok.status, 200, ok.text)
    // a credential expires with its upload
    const late = await s.call('PUT', `${base()}/docs/late.txt`)
    s.t.clock.advance(60 * 60 * 1000 + 1)
    assertSmhError(await s.t.req('PUT', late.json.path, { token: null, body: 'x', headers: late.json.headers }), 403, 'InvalidAccessToken')
    assertSmhError(await s.call('POST', `${base()}/${late.json.confirmKey}?confirm`), 404, 'UploadNotFound')
  })

  it('conflict strategies: ask → 409 at start; rename (default) → `name (1).ext`; overwrite replaces (isOverwritten) and the old file goes to the bin', async () => {
    assert.equal((await s.upload(s.single, '-', 'docs/c.txt', 'one')).status, 200)
    assertSmhError(await s.call('PUT', `${base()}/docs/c.txt`, { query: { conflict_resolution_strategy: 'ask' } }), 409, 'SameNameDirectoryOrFileExists')
    const renamed = await s.upload(s.single, '-', 'docs/c.txt', 'two')
    assert.deepEqual(renamed.json.path, ['docs', 'c (1).txt'])
    const over = await s.upload(s.single, '-', 'docs/c.txt', 'three', { query: { conflict_resolution_strategy: 'overwrite' } })
    assert.equal(over.status, 200, over.text)
    assert.deepEqual(over.json.path, ['docs', 'c.txt'])
    assert.equal(over.json.isOverwritten, true)
    const bin = await s.call('GET', `/recycled/${L}/-`)
    assert.ok(bin.json.contents.some((e: { name: string; size: string }) => e.name === 'c.txt' && e.size === '3'))
    assertSmhError(await s.call('PUT', `${base()}/docs/c.txt`, { query: { conflict_resolution_strategy: 'merge' } }), 400, 'InvalidConflictResolutionStrategy')
    assertSmhError(await s.call('PUT', `${base()}/nowhere/c.txt`), 404, 'DirectoryNotFound')
  })

  it('upload status (?upload), renew (?renew) and abort (DELETE ?upload → 204)', async () => {
    const start = await s.call('PUT', `${base()}/docs/st.txt`)
    const st = await s.call('GET', `${base()}/${start.json.confirmKey}?upload`)
    assert.equal(st.status, 200, st.text)
    assert.equal(st.json.uploaded, false)
    assert.equal(st.json.confirmKey, start.json.confirmKey)
    await s.t.req('PUT', start.json.path, { token: null, body: 'abc', headers: start.json.headers })
    const after = await s.call('GET', `${base()}/${start.json.confirmKey}?upload`)
    assert.equal(after.json.uploaded, true)
    assert.equal(after.json.size, '3')
    s.t.clock.advance(30 * 60 * 1000)
    const renewed = await s.call('POST', `${base()}/${start.json.confirmKey}?renew`)
    assert.equal(renewed.status, 200)
    assert.ok(renewed.json.expiration > start.json.expiration)
    assert.equal((await s.call('DELETE', `${base()}/${start.json.confirmKey}?upload`)).status, 204)
    assertSmhError(await s.call('GET', `${base()}/${start.json.confirmKey}?upload`), 404, 'UploadNotFound')
    assertSmhError(await s.call('POST', `${base()}/${start.json.confirmKey}?confirm`), 404, 'UploadNotFound')
  })

  it('an upload continues on another node: start on one, bytes on a second (own container over the same data), confirm on the first', async () => {
    const other = await buildContainer(s.t.c.config, { clock: s.t.clock })
    const app2 = await buildApp(other)
    try {
      const start = await s.call('PUT', `${base()}/docs/cross-node.txt`)
      const put = await app2.inject({ method: 'PUT', url: start.json.path, headers: start.json.headers, payload: 'made on two nodes' })
      assert.equal(put.statusCode, 200, put.body)
      const confirm = await s.call('POST', `${base()}/${start.json.confirmKey}?confirm`)
      assert.equal(confirm.status, 200, confirm.text)
      assert.equal(confirm.json.size, String('made on two nodes'.length))
      // and the download URL signed by the first node is honoured by the second
      const dl = await s.call('GET', `${base()}/docs/cross-node.txt`)
      const got = await app2.inject({ method: 'GET', url: new URL(dl.headers.location!).pathname })
      assert.equal(got.body, 'made on two nodes')
    } finally {
      await app2.close()
      await other.close()
    }
  })

  it('download: 302 to a signed URL (Range honoured) with the x-smh-* headers; HEAD gives the same headers; ?info has cosUrl', async () => {
    const content = 'The quick brown fox'
    assert.equal((await s.upload(s.single, '-', 'docs/fox.txt', content)).status, 200)
    const r = await s.call('GET', `${base()}/docs/fox.txt`)
    assert.equal(r.status, 302)
    assert.equal(r.headers['x-smh-type'], 'file')
    assert.equal(r.headers['x-smh-size'], String(content.length))
    assert.equal(r.headers['x-smh-content-type'], 'text/plain')
    assert.equal(r.headers['x-smh-crc64'], crc64(content))
    assert.match(r.headers['x-smh-etag']!, /^"[0-9a-f]{64}"$/)
    assert.match(r.headers['x-smh-creation-time']!, /Z$/)
    const url = new URL(r.headers.location!)
    assert.equal(url.protocol, 'http:')
    const whole = await s.t.req('GET', url.pathname, { token: null })
    assert.equal(whole.status, 200)
    assert.equal(whole.text, content)
    const part = await s.t.req('GET', url.pathname, { token: null, headers: { range: 'bytes=4-8' } })
    assert.equal(part.status, 206)
    assert.equal(part.text, 'quick')
    assert.equal(part.headers['content-range'], `bytes 4-8/${content.length}`)
    assertSmhError(await s.t.req('GET', url.pathname.slice(0, -3) + 'xyz', { token: null }), 403, 'InvalidAccessToken')
    const head = await s.call('HEAD', `${base()}/docs/fox.txt`)
    assert.equal(head.status, 200)
    assert.equal(head.headers['x-smh-size'], String(content.length))
    assert.equal((await s.call('HEAD', `${base()}/docs/none.txt`)).status, 404)
    const info = await s.call('GET', `${base()}/docs/fox.txt?info`)
    assert.equal(info.status, 200)
    assert.equal(info.json.size, String(content.length))
    assert.equal(info.json.crc64, crc64(content))
    assert.equal((await s.t.req('GET', new URL(info.json.cosUrl).pathname, { token: null })).text, content)
    const pre = await s.call('GET', `${base()}/docs/fox.txt?info`, { query: { pre_check: '1' } })
    assert.equal(pre.json.cosUrl, undefined)
    // the signed URL stops working once the file is in the bin, and after it expires
    assert.equal((await s.call('DELETE', `${base()}/docs/fox.txt`)).status, 200)
    assertSmhError(await s.t.req('GET', url.pathname, { token: null }), 404, 'PathNotFound')
    assertSmhError(await s.call('GET', `${base()}/docs/fox.txt`), 404, 'FileNotFound')
  })

  it('move/rename with {from}: 200 {path}; rename by default on a clash; parents must exist; delete permanent=1 → 204', async () => {
    assert.equal((await s.upload(s.single, '-', 'docs/m.txt', 'm')).status, 200)
    assert.equal((await s.upload(s.single, '-', 'docs/n.txt', 'n')).status, 200)
    const r = await s.call('PUT', `${base()}/docs/n.txt`, { json: { from: 'docs/m.txt' } })
    assert.equal(r.status, 200, r.text)
    assert.deepEqual(r.json, { path: ['docs', 'n (1).txt'] })
    assertSmhError(await s.call('PUT', `${base()}/docs/n.txt`, { query: { conflict_resolution_strategy: 'ask' }, json: { from: 'docs/n (1).txt' } }), 409, 'SameNameDirectoryOrFileExists')
    assertSmhError(await s.call('PUT', `${base()}/nope/n.txt`, { json: { from: 'docs/n.txt' } }), 404, 'DirectoryNotFound')
    assertSmhError(await s.call('PUT', `${base()}/docs/z.txt`, { json: { from: 'docs/none.txt' } }), 404, 'SourceFileNotFound')
    assert.equal((await s.call('PUT', `/directory/${L}/-/docs/sub`)).status, 201)
    assert.deepEqual((await s.call('PUT', `${base()}/docs/sub/moved.txt`, { json: { from: '/docs/n.txt' } })).json, { path: ['docs', 'sub', 'moved.txt'] })
    const del = await s.call('DELETE', `${base()}/docs/sub/moved.txt`, { query: { permanent: '1' } })
    assert.equal(del.status, 204)
    assertSmhError(await s.call('DELETE', `${base()}/docs/sub/moved.txt`), 404, 'FileNotFound')
    assertSmhError(await s.call('DELETE', `${base()}/docs/sub`), 404, 'FileNotFound')
  })
})
