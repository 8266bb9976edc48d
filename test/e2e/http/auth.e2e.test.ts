import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { makeHttp, filesUnder, type HttpHarness, type Res } from '../../support/http.ts'
import { blobFiles } from '../../support/harness.ts'
import path from 'node:path'

const V1 = '/trove/v1'

function assertError(r: Res, status: number, code: string): void {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status} ${r.text}`)
  assert.match(r.headers['content-type'] ?? '', /^application\/json/)
  assert.equal(typeof r.json?.error, 'object', r.text)
  assert.equal(r.json.error.code, code, r.text)
  assert.equal(typeof r.json.error.message, 'string')
  assert.ok(r.json.error.message.length > 0)
}

describe('authentication', () => {
  let t: HttpHarness
  before(async () => {
    t = await makeHttp()
  })
  after(async () => {
    await t?.close()
  })

  it('refuses a request without Authorization with 401 auth.unauthenticated in the JSON error shape', async () => {
    const r = await t.req('GET', `${V1}/spaces`, { token: null })
    assertError(r, 401, 'auth.unauthenticated')
    assert.deepEqual(Object.keys(r.json), ['error'])
    assert.deepEqual(Object.keys(r.json.error).sort(), ['code', 'details', 'message'])
    for (const [method, url] of [
      ['GET', t.sp()],
      ['GET', t.sp('/folders/root/children')],
      ['POST', t.sp('/folders')],
      ['GET', t.sp('/trash')],
      ['POST', t.sp('/trash/empty')],
      ['GET', `${V1}/tasks`],
      ['GET', t.sp('/audit')],
    ] as const) {
      assertError(await t.req(method, url, { token: null, ...(method === 'POST' ? { json: { name: 'x' } } : {}) }), 401, 'auth.unauthenticated')
    }
  })

  it('refuses an anonymous upload before storing anything', async () => {
    const r = await t.req('PUT', `${t.sp('/files')}?name=anon.txt`, { token: null, body: 'anonymous bytes', headers: { 'content-type': 'text/plain' } })
    assertError(r, 401, 'auth.unauthenticated')
    assert.deepEqual(await blobFiles(t.dataDir), [])
    assert.deepEqual(await filesUnder(path.join(t.dataDir, 'blobs', 'staging')), [])
    const list = await t.req('GET', t.sp('/folders/root/children'))
    assert.deepEqual(list.json.items, [])
  })

  it('refuses a non-Bearer scheme and an unknown token with 401', async () => {
    assertError(await t.req('GET', `${V1}/spaces`, { token: null, headers: { authorization: `Basic ${Buffer.from('admin:x').toString('base64')}` } }), 401, 'auth.unauthenticated')
    assertError(await t.req('GET', `${V1}/spaces`, { token: 'f'.repeat(64) }), 401, 'auth.unauthenticated')
    assertError(await t.req('GET', `${V1}/spaces`, { token: t.adminToken.slice(0, -1) + (t.adminToken.endsWith('0') ? '1' : '0') }), 401, 'auth.unauthenticated')
    assert.equal((await t.req('GET', `${V1}/spaces`)).status, 200)
  })

  it('expires a token once the clock moves past its period', async () => {
    const token = await t.token({ userId: 'short', periodSeconds: 300 })
    assert.equal((await t.req('GET', t.sp(), { token })).status, 200)
    t.clock.advance(300_000 + 1_000)
    assertError(await t.req('GET', t.sp(), { token }), 401, 'auth.unauthenticated')
    // and it stays dead: moving on does not revive it
    t.clock.advance(1_000)
    assertError(await t.req('GET', t.sp(), { token }), 401, 'auth.unauthenticated')
  })

  it('renews a token on use (sliding expiry)', async () => {
    const token = await t.token({ userId: 'sliding', periodSeconds: 300 })
    // Each use at 200 s after the previous one: without renewal the token would be dead after 300 s.
    for (let i = 0; i < 4; i++) {
      t.clock.advance(200_000)
      const r = await t.req('GET', t.sp(), { token })
      assert.equal(r.status, 200, `use #${i + 1} at ${(i + 1) * 200} s after issue: ${r.text}`)
    }
    // 800 s after issue it is alive; now leave it unused for more than its period.
    t.clock.advance(300_000 + 1_000)
    assertError(await t.req('GET', t.sp(), { token }), 401, 'auth.unauthenticated')
  })
})

describe('space-limited tokens', () => {
  let t: HttpHarness
  let libraryId: string
  let spaceA: string
  let spaceB: string
  before(async () => {
    t = await makeHttp()
    const lib = await t.c.libraries.create({ name: 'multi', multiSpace: true })
    libraryId = lib.libraryId
    spaceA = (await t.c.spaces.createInLibrary(libraryId, {})).id
    spaceB = (await t.c.spaces.createInLibrary(libraryId, {})).id
  })
  after(async () => {
    await t?.close()
  })

  it('sees its own space and gets 404 space.not_found on another space of the same library', async () => {
    const token = await t.token({ libraryId, userId: 'bob', grants: ['upload_file', 'create_directory', 'delete_file'], spaceIds: [spaceA] })
    const adminB = await t.token({ libraryId, userId: 'root', grants: ['admin'] })
    const fileB = await t.upload('b.txt', 'space b', { spaceId: spaceB, token: adminB })
    assert.equal(fileB.status, 201, fileB.text)

    assert.equal((await t.req('GET', t.sp('', spaceA), { token })).status, 200)
    const up = await t.upload('a.txt', 'space a', { spaceId: spaceA, token })
    assert.equal(up.status, 201, up.text)

    assertError(await t.req('GET', t.sp('', spaceB), { token }), 404, 'space.not_found')
    assertError(await t.req('GET', t.sp('/folders/root/children', spaceB), { token }), 404, 'space.not_found')
    assertError(await t.req('GET', t.sp(`/nodes/${fileB.json.id}/content`, spaceB), { token }), 404, 'space.not_found')
    assertError(await t.upload('x.txt', 'nope', { spaceId: spaceB, token }), 404, 'space.not_found')
    assertError(await t.req('GET', t.sp('/trash', spaceB), { token }), 404, 'space.not_found')

    const spaces = await t.req('GET', `${V1}/spaces`, { token })
    assert.equal(spaces.status, 200)
    assert.deepEqual(spaces.json.items.map((s: { id: string }) => s.id), [spaceA])

    // the refused upload left nothing in B
    const listB = await t.req('GET', t.sp('/folders/root/children', spaceB), { token: adminB })
    assert.deepEqual(listB.json.items.map((n: { name: string }) => n.name), ['b.txt'])
  })

  it('a token of one library cannot see the spaces of another (404, not 403)', async () => {
    const other = await t.token({ libraryId, userId: 'root', grants: ['admin'] })
    assertError(await t.req('GET', t.sp(), { token: other }), 404, 'space.not_found')
    assertError(await t.upload('x.txt', 'nope', { token: other }), 404, 'space.not_found')
  })
})

describe('read-only tokens', () => {
  let t: HttpHarness
  before(async () => {
    t = await makeHttp()
  })
  after(async () => {
    await t?.close()
  })

  it('gets 403 auth.forbidden on every write, and the refused writes change nothing', async () => {
    const folder = await t.mkdir('docs')
    assert.equal(folder.status, 201, folder.text)
    const file = await t.upload('a.txt', 'hello', { parentId: folder.json.id })
    assert.equal(file.status, 201, file.text)
    const trashed = await t.upload('old.txt', 'old bytes')
    const del = await t.req('DELETE', t.sp(`/nodes/${trashed.json.id}`))
    assert.equal(del.status, 201, del.text)
    const entryId = del.json.entry.id

    const snapshot = async () => ({
      root: (await t.req('GET', t.sp('/folders/root/children'))).json,
      docs: (await t.req('GET', t.sp(`/folders/${folder.json.id}/children`))).json,
      usage: (await t.req('GET', t.sp('/usage'))).json,
      trash: (await t.req('GET', t.sp('/trash'))).json,
      audit: (await t.req('GET', t.sp('/audit'))).json,
      tasks: (await t.req('GET', `${V1}/tasks`)).json,
      space: (await t.req('GET', t.sp())).json,
      blobs: await blobFiles(t.dataDir),
      staging: await filesUnder(path.join(t.dataDir, 'blobs', 'staging')),
    })
    const before = await snapshot()

    const ro = await t.token({ userId: 'reader', grants: [] })
    // reads work
    assert.equal((await t.req('GET', t.sp('/folders/root/children'), { token: ro })).status, 200)
    const dl = await t.req('GET', t.sp(`/nodes/${file.json.id}/content`), { token: ro })
    assert.equal(dl.status, 200)
    assert.equal(dl.text, 'hello')

    const writes: [string, string, Parameters<HttpHarness['req']>[2]][] = [
      ['PUT', `${t.sp('/files')}?parentId=root&name=new.txt`, { body: 'new content', headers: { 'content-type': 'text/plain' } }],
      ['PUT', `${t.sp('/files')}?parentId=${folder.json.id}&name=a.txt&onConflict=overwrite`, { body: 'overwrite', headers: { 'content-type': 'text/plain' } }],
      ['POST', t.sp('/folders'), { json: { parentId: 'root', name: 'newdir' } }],
      ['PATCH', t.sp(`/nodes/${file.json.id}`), { json: { name: 'renamed.txt' } }],
      ['PATCH', t.sp(`/nodes/${file.json.id}`), { json: { parentId: 'root' } }],
      ['POST', t.sp(`/nodes/${file.json.id}/copy`), { json: { parentId: 'root' } }],
      ['DELETE', t.sp(`/nodes/${file.json.id}`), {}],
      ['DELETE', `${t.sp(`/nodes/${folder.json.id}`)}?permanent=true`, {}],
      ['POST', t.sp(`/nodes/${file.json.id}/trash`), {}],
      ['POST', t.sp(`/trash/${entryId}/restore`), { json: {} }],
      ['POST', t.sp('/trash/restore'), { json: { entryIds: [entryId] } }],
      ['DELETE', t.sp(`/trash/${entryId}`), {}],
      ['POST', t.sp('/trash/delete'), { json: { entryIds: [entryId] } }],
      ['POST', t.sp('/trash/empty'), {}],
      ['POST', t.sp(`/trash/${entryId}/hold`), {}],
      ['PATCH', t.sp(), { json: { quotaBytes: 1 } }],
      ['POST', `${V1}/spaces`, { json: { name: 'new space' } }],
    ]
    for (const [method, url, opts] of writes) {
      const r = await t.req(method, url, { ...opts, token: ro })
      assertError(r, 403, 'auth.forbidden')
    }
    // the audit log is for space admins only
    assertError(await t.req('GET', t.sp('/audit'), { token: ro }), 403, 'auth.forbidden')

    assert.deepEqual(await snapshot(), before)
  })

  it('a grant allows exactly its operation', async () => {
    const uploader = await t.token({ userId: 'uploader', grants: ['upload_file'] })
    const up = await t.upload('up.txt', 'uploaded', { token: uploader })
    assert.equal(up.status, 201, up.text)
    assert.equal(up.json.createdBy, 'uploader')
    assertError(await t.mkdir('nope', 'root', { token: uploader }), 403, 'auth.forbidden')
    assertError(await t.req('DELETE', t.sp(`/nodes/${up.json.id}`), { token: uploader }), 403, 'auth.forbidden')
    assert.equal((await t.req('GET', t.sp(`/nodes/${up.json.id}`))).status, 200)
  })
})
