import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { makeSmh, assertSmhError, type Smh } from './smh-support.ts'

/** vendor-apis.md §1.5: issue, renew, delete, delete a user's tokens; access_token + user_id on every call. */
describe('SMH access tokens', () => {
  let s: Smh
  let L: string
  let M: string
  const tokenReq = (q: Record<string, string>, method = 'GET') => s.call(method, '/token', { token: null, query: q })
  before(async () => {
    s = await makeSmh()
    L = s.single.libraryId
    M = s.multi.libraryId
  })
  after(async () => {
    await s?.close()
  })

  it('GET and POST /token issue {accessToken, expiresIn}; period defaults to 86400 and is clamped to [300, 315360000]', async () => {
    const base = { library_id: L, library_secret: s.single.secret }
    const def = await tokenReq(base)
    assert.equal(def.status, 200, def.text)
    assert.deepEqual(Object.keys(def.json).sort(), ['accessToken', 'expiresIn'])
    assert.equal(def.json.expiresIn, 86400)
    assert.equal((await tokenReq({ ...base, period: '10' }, 'POST')).json.expiresIn, 300)
    assert.equal((await tokenReq({ ...base, period: '999999999999' })).json.expiresIn, 315360000)
    assert.equal((await tokenReq({ ...base, period: '3600' })).json.expiresIn, 3600)
    assertSmhError(await tokenReq({ library_id: L }), 400, 'EmptyLibraryIdOrSecret')
    assertSmhError(await tokenReq({ ...base, library_secret: 'wrong' }), 403, 'WrongLibraryIdOrSecret')
    assertSmhError(await tokenReq({ ...base, library_id: 'nosuchlib' }), 403, 'WrongLibraryIdOrSecret')
    assertSmhError(await tokenReq({ ...base, grant: 'admin,fly' }), 400, 'ParamInvalid')
    assertSmhError(await tokenReq({ ...base, user_id: 'not valid!' }), 400, 'InvalidUserId')
    assertSmhError(await tokenReq({ ...base, period: 'soon' }), 400, 'ParamInvalid')
  })

  it('a token is renewed on use (sliding expiry) and expires after its period without use', async () => {
    const tok = await s.token(s.single, { period: '300' })
    for (let i = 0; i < 3; i++) {
      s.t.clock.advance(200_000)
      assert.equal((await s.call('GET', `/directory/${L}/-/`, { token: tok })).status, 200, `use ${i}`)
    }
    s.t.clock.advance(301_000)
    assertSmhError(await s.call('GET', `/directory/${L}/-/`, { token: tok }), 403, 'InvalidAccessToken')
  })

  it('renew (POST /token/{L}/{token}) keeps the period; delete (DELETE /token/{L}/{token}) → 204 and the token stops working', async () => {
    const tok = await s.token(s.single, { period: '600' })
    s.t.clock.advance(500_000)
    const r = await s.call('POST', `/token/${L}/${tok}`, { token: null })
    assert.equal(r.status, 200, r.text)
    assert.deepEqual(r.json, { accessToken: tok, expiresIn: 600 })
    s.t.clock.advance(500_000)
    assert.equal((await s.call('GET', `/directory/${L}/-/`, { token: tok })).status, 200, 'renewed')
    assertSmhError(await s.call('POST', `/token/${M}/${tok}`, { token: null }), 403, 'AccessTokenNotMatchLibrary')
    assertSmhError(await s.call('DELETE', `/token/${M}/${tok}`, { token: null }), 403, 'AccessTokenNotMatchLibrary')
    const del = await s.call('DELETE', `/token/${L}/${tok}`, { token: null })
    assert.equal(del.status, 204)
    assertSmhError(await s.call('GET', `/directory/${L}/-/`, { token: tok }), 403, 'InvalidAccessToken')
    assertSmhError(await s.call('POST', `/token/${L}/${tok}`, { token: null }), 403, 'InvalidAccessToken')
    assert.equal((await s.call('DELETE', `/token/${L}/${tok}`, { token: null })).status, 204, 'deleting twice is fine')
  })

  it("DELETE /token/{L}?library_secret&user_id revokes every token of those users, and only theirs", async () => {
    const a1 = await s.token(s.single, { user_id: 'ann' })
    const a2 = await s.token(s.single, { user_id: 'ann' })
    const b = await s.token(s.single, { user_id: 'bob' })
    const c = await s.token(s.single, { user_id: 'cy' })
    assertSmhError(await s.call('DELETE', `/token/${L}`, { token: null, query: { user_id: 'ann' } }), 400, 'EmptyLibrarySecret')
    assertSmhError(await s.call('DELETE', `/token/${L}`, { token: null, query: { user_id: 'ann', library_secret: 'nope' } }), 403, 'WrongLibraryIdOrSecret')
    const r = await s.call('DELETE', `/token/${L}`, { token: null, query: { user_id: 'ann,bob', library_secret: s.single.secret } })
    assert.equal(r.status, 204, r.text)
    for (const t of [a1, a2, b]) assertSmhError(await s.call('GET', `/directory/${L}/-/`, { token: t }), 403, 'InvalidAccessToken')
    assert.equal((await s.call('GET', `/directory/${L}/-/`, { token: c })).status, 200)
  })

  it('access_token is required, must belong to the library of the URL; user_id lets an admin token without user act as that user', async () => {
    assertSmhError(await s.call('GET', `/directory/${L}/-/`, { token: null }), 400, 'EmptyAccessToken')
    assertSmhError(await s.call('GET', `/directory/${L}/-/`, { token: 'garbage' }), 403, 'InvalidAccessToken')
    const other = await s.token(s.multi, { grant: 'admin' })
    assertSmhError(await s.call('GET', `/directory/${L}/-/`, { token: other }), 403, 'AccessTokenNotMatchLibrary')
    // admin token issued without user_id: user_id names who acts
    await s.call('PUT', `/directory/${L}/-/who`)
    assert.equal((await s.upload(s.single, '-', 'who/by-zoe.txt', 'z', { query: { user_id: 'zoe' } })).status, 200)
    assert.equal((await s.call('DELETE', `/file/${L}/-/who/by-zoe.txt`, { query: { user_id: 'zoe' } })).status, 200)
    const native = await s.t.c.trash.list({ ...s.t.h.admin, libraryId: L }, s.single.spaceId!, {})
    assert.equal(native.items.find((e) => e.name === 'by-zoe.txt')?.removedBy, 'zoe')
    // a token with its own user keeps it, whatever user_id says
    const ann = await s.token(s.single, { user_id: 'ann2', grant: 'admin' })
    assert.equal((await s.upload(s.single, '-', 'who/by-ann.txt', 'a', { token: ann, query: { user_id: 'zoe' } })).status, 200)
    assert.equal((await s.call('DELETE', `/file/${L}/-/who/by-ann.txt`, { token: ann, query: { user_id: 'zoe' } })).status, 200)
    const again = await s.t.c.trash.list({ ...s.t.h.admin, libraryId: L }, s.single.spaceId!, {})
    assert.equal(again.items.find((e) => e.name === 'by-ann.txt')?.removedBy, 'ann2')
    assertSmhError(await s.call('GET', `/directory/${L}/-/`, { query: { user_id: 'bad id!' } }), 400, 'InvalidUserId')
  })

  it('multi-space library: a real space id is required (`-` is EmptySpaceId); token spaces are enforced', async () => {
    const admin = await s.token(s.multi, { grant: 'admin' })
    const a = (await s.call('POST', `/space/${M}`, { token: admin })).json.spaceId
    const b = (await s.call('POST', `/space/${M}`, { token: admin })).json.spaceId
    assertSmhError(await tokenReq({ library_id: M, library_secret: s.multi.secret }), 400, 'EmptySpaceId')
    assertSmhError(await tokenReq({ library_id: M, library_secret: s.multi.secret, space_id: '-' }), 400, 'EmptySpaceId')
    assertSmhError(await tokenReq({ library_id: M, library_secret: s.multi.secret, space_id: '99999' }), 404, 'SpaceNotFound')
    const onlyA = await s.token(s.multi, { space_id: a, grant: 'create_directory' })
    assert.equal((await s.call('PUT', `/directory/${M}/${a}/x`, { token: onlyA })).status, 201)
    assertSmhError(await s.call('PUT', `/directory/${M}/${b}/x`, { token: onlyA }), 403, 'AccessTokenNotMatchSpace')
    assertSmhError(await s.call('GET', `/directory/${M}/-/`, { token: admin }), 400, 'EmptySpaceId')
    assertSmhError(await s.call('GET', `/directory/${M}/space9/`, { token: admin }), 400, 'SpaceIdInvalid')
    assertSmhError(await s.call('GET', `/directory/${M}/99999/`, { token: admin }), 404, 'SpaceNotFound')
    const both = await s.token(s.multi, { space_id: `${a},${b}` })
    assert.equal((await s.call('GET', `/directory/${M}/${b}/`, { token: both })).status, 200)
    // single-space library: `-` (or its own id); anything else is SpaceNotFound
    assert.equal((await s.call('GET', `/directory/${L}/${s.single.spaceId}/`)).status, 200)
    assertSmhError(await s.call('GET', `/directory/${L}/12345/`), 404, 'SpaceNotFound')
  })
})
