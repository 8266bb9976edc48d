/**
 * PDS conformance: setup calls (user/create, drive/create, drive/get, drive/list), authentication, the error format
 * and the request validation codes.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { assertPdsError, makePds, type Pds } from './pds-support.ts'

let p: Pds
let multiLib: string
let multiAdmin: string

before(async () => {
  p = await makePds()
  multiLib = (await p.c.libraries.create({ name: 'multi', multiSpace: true })).libraryId
  multiAdmin = await p.token(['admin'], { libraryId: multiLib, userId: 'boss' })
})
after(() => p.close())

describe('user/create', () => {
  test('201 with the user (vendor-content §2.5 step 1); needs an admin token', async () => {
    const r = await p.call('/user/create', { user_id: 'u1', nick_name: 'U One', role: 'user' })
    assert.equal(r.status, 201)
    assert.equal(r.json.user_id, 'u1')
    assert.equal(r.json.domain_id, p.libraryId)
    assert.equal(r.json.nick_name, 'U One')
    assert.equal(r.json.status, 'enabled')
    assert.match(r.json.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    const reader = await p.token([])
    assertPdsError(await p.call('/user/create', { user_id: 'u2' }, { token: reader }), 403, 'ForbiddenNoPermission', 'non-admin')
    assertPdsError(await p.call('/user/create', {}), 400, 'InvalidParameterMissing', 'no user_id')
    assertPdsError(await p.call('/user/create', { user_id: 'a#b' }), 400, 'InvalidParameter.UserId', '# in user_id')
  })
})

describe('drive/create, drive/get, drive/list', () => {
  test('201 {domain_id, drive_id}; total_size is the quota; drive_id is a decimal string', async () => {
    const r = await p.call('/drive/create', { drive_name: 't', owner: 'u1', owner_type: 'user', total_size: 1_073_741_824 }, { token: multiAdmin })
    assert.equal(r.status, 201)
    assert.deepEqual(Object.keys(r.json).sort(), ['domain_id', 'drive_id'])
    assert.equal(r.json.domain_id, multiLib)
    assert.match(r.json.drive_id, /^[0-9]+$/)
    const space = await p.c.spaces.get({ libraryId: multiLib, userId: 'boss', grants: ['admin'], spaceIds: null }, r.json.drive_id)
    assert.equal(space.quotaBytes, 1_073_741_824)
    assert.equal(space.ownerId, 'u1')

    const g = await p.call('/drive/get', { drive_id: r.json.drive_id }, { token: multiAdmin })
    assert.equal(g.status, 200)
    assert.equal(g.json.drive_id, r.json.drive_id)
    assert.equal(g.json.drive_name, 't')
    assert.equal(g.json.owner, 'u1')
    assert.equal(g.json.owner_type, 'user')
    assert.equal(g.json.total_size, 1_073_741_824)
    assert.equal(g.json.used_size, 0)
    assert.equal(g.json.status, 'enabled')
    // A numeric drive_id works too (the PDS samples show both 1 and "1").
    assert.equal((await p.call('/drive/get', { drive_id: Number(r.json.drive_id) }, { token: multiAdmin })).json.drive_id, r.json.drive_id)
  })

  test('unlimited drives report total_size -1; group owners and non-admins are refused', async () => {
    const r = await p.call('/drive/create', { drive_name: 'free', owner: 'u1', owner_type: 'user' }, { token: multiAdmin })
    assert.equal(r.status, 201)
    assert.equal((await p.call('/drive/get', { drive_id: r.json.drive_id }, { token: multiAdmin })).json.total_size, -1)
    assertPdsError(await p.call('/drive/create', { drive_name: 'g', owner: 'team', owner_type: 'group' }, { token: multiAdmin }), 400, 'InvalidParameterNotSupported', 'group')
    assertPdsError(await p.call('/drive/create', { drive_name: 'g', owner: 'u1', owner_type: 'robot' }, { token: multiAdmin }), 400, 'InvalidParameterNotSupported', 'owner_type')
    assertPdsError(await p.call('/drive/create', { drive_name: 'g', owner: 'u1' }, { token: multiAdmin }), 400, 'InvalidParameterMissing', 'owner_type missing')
    const reader = await p.token([], { libraryId: multiLib })
    assertPdsError(await p.call('/drive/create', { drive_name: 'x', owner: 'u1', owner_type: 'user' }, { token: reader }), 403, 'ForbiddenNoPermission', 'reader')
    // A single-space library already has its one drive.
    assertPdsError(await p.call('/drive/create', { drive_name: 'second', owner: 'u1', owner_type: 'user' }), 400, 'InvalidParameter', 'single-space')
  })

  test('drive/list pages by marker through every drive the token sees', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await p.call('/drive/create', { drive_name: `d${i}`, owner: 'u9', owner_type: 'user' }, { token: multiAdmin })).status, 201)
    const seen: string[] = []
    let marker = ''
    for (let pages = 0; pages < 10; pages++) {
      const r = await p.call('/drive/list', { limit: 2, marker }, { token: multiAdmin })
      assert.equal(r.status, 200)
      assert.ok(r.json.items.length <= 2)
      seen.push(...r.json.items.map((d: { drive_id: string }) => d.drive_id))
      marker = r.json.next_marker
      if (!marker) break
    }
    assert.equal(seen.length, 5)
    assert.deepEqual([...seen].sort((a, b) => Number(a) - Number(b)), seen)
    const own = await p.call('/drive/list', { owner: 'u9' }, { token: multiAdmin })
    assert.equal(own.json.items.length, 3)
    assert.equal(own.json.next_marker, '')
    // A token limited to one drive sees only that one; another library's drive does not exist for it.
    const limited = await p.token([], { libraryId: multiLib, spaceIds: [seen[0]] })
    assert.deepEqual((await p.call('/drive/list', {}, { token: limited })).json.items.map((d: { drive_id: string }) => d.drive_id), [seen[0]])
    assertPdsError(await p.call('/drive/get', { drive_id: seen[1] }, { token: limited }), 404, 'NotFound.Drive', 'outside the token')
    assertPdsError(await p.call('/drive/get', { drive_id: p.spaceId }, { token: multiAdmin }), 404, 'NotFound.Drive', 'other library')
  })
})

describe('authentication, errors, validation', () => {
  test('no token, a malformed header, an unknown or expired token: 401 AccessTokenInvalid', async () => {
    assertPdsError(await p.call('/drive/get', { drive_id: p.spaceId }, { token: null }), 401, 'AccessTokenInvalid', 'none')
    assertPdsError(await p.call('/drive/get', { drive_id: p.spaceId }, { token: null, headers: { authorization: 'Basic abc' } }), 401, 'AccessTokenInvalid', 'basic')
    assertPdsError(await p.call('/drive/get', { drive_id: p.spaceId }, { token: 'not-a-token' }), 401, 'AccessTokenInvalid', 'unknown')
    const short = (await p.c.auth.issueToken({ libraryId: p.libraryId, userId: 'brief', periodSeconds: 300 })).accessToken
    assert.equal((await p.call('/drive/get', { drive_id: p.spaceId }, { token: short })).status, 200)
    p.h.clock.advance(301_000)
    assertPdsError(await p.call('/drive/get', { drive_id: p.spaceId }, { token: short }), 401, 'AccessTokenInvalid', 'expired')
  })

  test('every response carries x-ca-request-id; errors repeat it as requestId with lowercase code/message', async () => {
    const good = await p.call('/drive/get', { drive_id: p.spaceId })
    assert.equal(good.status, 200)
    assert.match(good.headers['x-ca-request-id']!, /^[0-9A-F-]{36}$/)
    const bad = await p.call('/drive/get', { drive_id: '99999' })
    assertPdsError(bad, 404, 'NotFound.Drive')
    assert.deepEqual(Object.keys(bad.json).sort(), ['code', 'message', 'requestId'])
    assert.notEqual(bad.headers['x-ca-request-id'], good.headers['x-ca-request-id'])
    // Gateway-style error headers would make the SDKs ignore the body: never sent.
    assert.equal(bad.headers['x-ca-error-message'], undefined)
    assert.equal(bad.headers['x-ca-error-code'], undefined)
  })

  test('unknown calls are 404 NotFound; a GET of a call is not routed either', async () => {
    assertPdsError(await p.call('/drive/delete', { drive_id: p.spaceId }), 404, 'NotFound', 'not implemented')
    const get = await p.req('GET', '/v2/file/list')
    assertPdsError(get, 404, 'NotFound', 'GET')
  })

  test('bodies: JSON whatever the content type; bad JSON is InvalidRequestJSONFormat; field errors by kind', async () => {
    const body = JSON.stringify({ drive_id: p.spaceId })
    for (const headers of [{}, { 'content-type': 'text/plain' }, { 'content-type': 'application/json; charset=utf-8' }] as Record<string, string>[]) {
      const r = await p.call('/drive/get', undefined, { raw: body, headers })
      assert.equal(r.status, 200, JSON.stringify(headers))
      assert.equal(r.json.drive_id, p.spaceId)
    }
    assertPdsError(await p.call('/drive/get', undefined, { raw: '{"drive_id":', headers: { 'content-type': 'application/json' } }), 400, 'InvalidRequestJSONFormat', 'bad json')
    assertPdsError(await p.call('/drive/get', undefined, { raw: '[1,2]', headers: { 'content-type': 'application/json' } }), 400, 'InvalidParameterWrongFormat', 'array body')
    assertPdsError(await p.call('/drive/get', {}), 400, 'InvalidParameterMissing', 'missing')
    assertPdsError(await p.call('/drive/get', { drive_id: true }), 400, 'InvalidParameterWrongFormat', 'wrong type')
    assertPdsError(await p.call('/recyclebin/list', { drive_id: p.spaceId, limit: 201 }), 400, 'InvalidParameterOutOfRange', 'limit > 200')
    assertPdsError(await p.call('/recyclebin/list', { drive_id: p.spaceId, limit: 0 }), 400, 'InvalidParameterOutOfRange', 'limit 0')
    assertPdsError(await p.call('/file/list', { drive_id: p.spaceId, parent_file_id: 'root', type: 'link' }), 400, 'InvalidParameterNotSupported', 'enum')
    const missing = await p.call('/file/get', { drive_id: p.spaceId })
    assertPdsError(missing, 400, 'InvalidParameterMissing')
    assert.match(missing.json.message, /file_id/)
  })
})
