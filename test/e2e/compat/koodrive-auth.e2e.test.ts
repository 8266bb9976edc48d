/**
 * KooDrive conformance: headers, envelope, errors and language.
 * Sources: every KooDrive API page (headers table), ErrorCode.html, seed 000 (clear the recycle bin).
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Koo, expectError, expectOk, xdate } from './koodrive-helpers.ts'

let k: Koo
before(async () => {
  k = await Koo.make()
})
after(async () => {
  await k.close()
})

const space = () => ({ json: { containerId: k.spaceId, parentFileId: 'root' } })

test('Authorization: Bearer+{token} and Bearer {token} are both accepted; the success envelope is {"code":0,"msg"}', async () => {
  const plus = await k.call(k.admin, 'POST', '/files/0', { ...space(), authorization: `Bearer+${k.admin.token}` })
  expectOk(plus)
  assert.equal(plus.json.code, 0)
  assert.equal(typeof plus.json.code, 'number')
  assert.equal(plus.json.msg, 'success')
  expectOk(await k.call(k.admin, 'POST', '/files/0', { ...space(), authorization: `Bearer ${k.admin.token}` }))
  expectOk(await k.call(k.admin, 'POST', '/files/0', { ...space(), authorization: `bearer+${k.admin.token}` }))
})

test('a missing, malformed or unknown token is 401', async () => {
  expectError(await k.call(k.admin, 'POST', '/files/0', { ...space(), authorization: null }), 401, 'APIGW.0301', 'no Authorization')
  expectError(await k.call(k.admin, 'POST', '/files/0', { ...space(), authorization: k.admin.token }), 401, 'APIGW.0301', 'no Bearer')
  expectError(await k.call(k.admin, 'POST', '/files/0', { ...space(), authorization: 'Bearer+' }), 401, 'APIGW.0301', 'empty token')
  expectError(await k.call(k.admin, 'POST', '/files/0', { ...space(), authorization: 'Bearer+0123456789abcdef' }), 401, 'APIGW.0301', 'unknown token')
})

test('X-User-Id must be present and equal to the token user', async () => {
  expectError(await k.call(k.admin, 'POST', '/files/0', { ...space(), userId: null }), 401, 'APIGW.0301', 'missing')
  expectError(await k.call(k.admin, 'POST', '/files/0', { ...space(), userId: 'someone-else' }), 401, 'APIGW.0301', 'mismatch')
  const bob = await k.user('bob')
  expectError(await k.call(bob, 'POST', '/files/0', { ...space(), userId: 'admin' }), 401, 'APIGW.0301', 'token of bob, header admin')
  expectOk(await k.call(bob, 'POST', '/files/0', space()))
})

test('X-Date: yyyyMMddTHHmmssZ, at most 15 minutes old, never in the future (on the injected clock)', async () => {
  const now = k.clock.now()
  expectOk(await k.call(k.admin, 'POST', '/files/0', { ...space(), date: xdate(now) }), 'now')
  expectOk(await k.call(k.admin, 'POST', '/files/0', { ...space(), date: xdate(now - 15 * 60_000) }), 'exactly 15 min old')
  expectError(await k.call(k.admin, 'POST', '/files/0', { ...space(), date: xdate(now - 15 * 60_000 - 1000) }), 401, 'APIGW.0301', 'stale')
  expectError(await k.call(k.admin, 'POST', '/files/0', { ...space(), date: xdate(now + 1000) }), 401, 'APIGW.0301', 'future')
  expectError(await k.call(k.admin, 'POST', '/files/0', { ...space(), date: null }), 401, 'APIGW.0301', 'missing')
  for (const bad of ['2026-01-01T12:00:00Z', '20260101T120000', '20261301T120000Z', '20260230T120000Z', '20260101T250000Z', 'yesterday', '']) {
    expectError(await k.call(k.admin, 'POST', '/files/0', { ...space(), date: bad }), 401, 'APIGW.0301', `malformed ${bad}`)
  }
  // The window follows the clock the server was given, not the machine's.
  const sent = xdate(now)
  k.clock.advance(16 * 60_000)
  try {
    expectError(await k.call(k.admin, 'POST', '/files/0', { ...space(), date: sent }), 401, 'APIGW.0301', 'clock moved on')
    expectOk(await k.call(k.admin, 'POST', '/files/0', space()))
  } finally {
    k.clock.advance(-16 * 60_000)
  }
})

test('X-Traceid is echoed on successes and on every kind of error', async () => {
  const trace = 'a'.repeat(58)
  const okRes = await k.call(k.admin, 'POST', '/files/0', { ...space(), headers: { 'x-traceid': trace } })
  expectOk(okRes)
  assert.equal(okRes.headers['x-traceid'], trace)
  const unauth = await k.call(k.admin, 'POST', '/files/0', { ...space(), date: null, headers: { 'x-traceid': trace } })
  assert.equal(unauth.status, 401)
  assert.equal(unauth.headers['x-traceid'], trace)
  const bad = await k.call(k.admin, 'POST', '/files/0', { json: { containerId: '999999', parentFileId: 'root' }, headers: { 'x-traceid': trace } })
  expectError(bad, 400, '13000301')
  assert.equal(bad.headers['x-traceid'], trace)
  const none = await k.call(k.admin, 'POST', '/files/0', space())
  assert.equal(none.headers['x-traceid'], undefined)
})

test('language picks the message language: en-US by default, zh-CN on request, for successes and errors', async () => {
  const en = await k.call(k.admin, 'POST', '/files/0', { json: { containerId: '999999', parentFileId: 'root' } })
  expectError(en, 400, '13000301')
  assert.equal(en.json.msg, 'Space not found.')
  const zh = await k.call(k.admin, 'POST', '/files/0', { json: { containerId: '999999', parentFileId: 'root' }, lang: 'zh-CN' })
  expectError(zh, 400, '13000301')
  assert.equal(zh.json.msg, '空间不存在或状态异常')
  const zhUnderscore = await k.call(k.admin, 'POST', '/files/0', { ...space(), lang: 'zh_CN' })
  expectOk(zhUnderscore)
  assert.equal(zhUnderscore.json.msg, '成功')
  const unauth = await k.call(k.admin, 'POST', '/files/0', { ...space(), date: 'bad', lang: 'zh-CN' })
  assert.equal(unauth.status, 401)
  assert.equal(unauth.json.msg, '认证信息错误')
  const enExplicit = await k.call(k.admin, 'POST', '/files/0', { ...space(), lang: 'en-US' })
  assert.equal(enExplicit.json.msg, 'success')
})

test('errors are HTTP 400 with an 8-digit string code; bad parameters are 13000102', async () => {
  expectError(await k.call(k.admin, 'POST', '/files/0', { json: { parentFileId: 'root' } }), 400, '13000102', 'no containerId')
  expectError(await k.call(k.admin, 'POST', '/files/2', space()), 400, '13000102', 'type 2')
  expectError(await k.call(k.admin, 'POST', '/files/0', { body: '{not json', headers: { 'content-type': 'application/json' } }), 400, '13000102', 'malformed JSON')
  expectError(await k.call(k.admin, 'POST', '/files/0', { json: { containerId: k.spaceId, parentFileId: 'root', pageInfo: { pageSize: 'ten' } } }), 400, '13000102', 'pageSize')
  expectError(await k.call(k.admin, 'POST', '/files/0', { json: { containerId: k.spaceId, parentFileId: '424242' } }), 400, '13000309', 'unknown folder')
  const r = await k.call(k.admin, 'GET', '/no/such/route/here')
  assert.equal(r.status, 404)
  assert.equal(r.json.code, '13000309')
})

test('numbers sent as strings and empty strings for "not set" are accepted, as in the vendor sample', async () => {
  const r = await k.call(k.admin, 'POST', '/files/0', {
    json: { pageInfo: { pageSize: '10', pageCursor: '' }, sortInfo: { sortType: '', sortDirection: '' }, containerId: k.spaceId, parentFileId: 'root', fileType: '', fileName: '' },
  })
  expectOk(r)
  assert.equal(r.json.category, 'drive#fileList')
  assert.ok(Array.isArray(r.json.files))
  assert.equal('nextCursor' in r.json, false, 'no nextCursor on the last page')
})
