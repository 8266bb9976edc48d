/**
 * SMH conformance support: the real app over the harness container (ManualClock), requests through `app.inject()`
 * with `access_token` in the query as SMH clients send it, and libraries made with known secrets.
 */
import assert from 'node:assert/strict'
import { makeHttp, type HttpHarness, type Res } from '../../support/http.ts'

export const API = '/api/v1'

export interface Library {
  libraryId: string
  secret: string
  /** The one space of a single-space library (null for multi-space libraries). */
  spaceId: string | null
}

export interface Smh {
  t: HttpHarness
  single: Library
  multi: Library
  /** Admin token of `single`, issued through SMH without a user. */
  admin: string
  /** An SMH request: `query` goes into the URL (with `access_token` unless `token: null`). */
  call(method: string, path: string, opts?: { token?: string | null; query?: Record<string, string>; json?: unknown; body?: Buffer | string; headers?: Record<string, string> }): Promise<Res>
  /** Issues a token through `GET /api/v1/token`. */
  token(lib: Library, q?: Record<string, string>): Promise<string>
  /** Full upload: start, PUT the bytes to the returned endpoint, confirm. Returns the confirm response. */
  upload(lib: Library, space: string, path: string, content: Buffer | string, opts?: { token?: string; query?: Record<string, string>; confirm?: unknown }): Promise<Res>
  close(): Promise<void>
}

export async function makeSmh(opts: { worker?: boolean } = {}): Promise<Smh> {
  const t = await makeHttp({ worker: opts.worker })
  const s = await t.c.libraries.create({ name: 'smh single' })
  const m = await t.c.libraries.create({ name: 'smh multi', multiSpace: true })
  const single: Library = { libraryId: s.libraryId, secret: s.librarySecret, spaceId: s.spaceId }
  const multi: Library = { libraryId: m.libraryId, secret: m.librarySecret, spaceId: null }
  let admin = ''
  const call: Smh['call'] = (method, path, o = {}) => {
    const q = new URLSearchParams(o.query ?? {})
    const token = o.token === undefined ? admin : o.token
    if (token !== null) q.set('access_token', token)
    const qs = q.toString()
    return t.req(method, `${API}${path}${qs ? (path.includes('?') ? '&' : '?') + qs : ''}`, { token: null, json: o.json, body: o.body, headers: o.headers })
  }
  const token: Smh['token'] = async (lib, q = {}) => {
    const r = await call('GET', '/token', { token: null, query: { library_id: lib.libraryId, library_secret: lib.secret, ...q } })
    assert.equal(r.status, 200, r.text)
    return r.json.accessToken
  }
  admin = await token(single, { grant: 'admin', period: '315360000' })
  const upload: Smh['upload'] = async (lib, space, path, content, u = {}) => {
    const tok = u.token ?? admin
    const start = await call('PUT', `/file/${lib.libraryId}/${space}/${path}`, { token: tok, query: u.query })
    if (start.status !== 201) return start
    const put = await t.req('PUT', start.json.path, { token: null, body: content, headers: { ...start.json.headers } })
    assert.equal(put.status, 200, put.text)
    return call('POST', `/file/${lib.libraryId}/${space}/${start.json.confirmKey}?confirm`, { token: tok, json: u.confirm })
  }
  return { t, single, multi, get admin() { return admin }, call, token, upload, close: () => t.close() }
}

/** Asserts an SMH error: status, `code`, a message and the request id in body and header. */
export function assertSmhError(r: Res, status: number, code: string): void {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status} ${r.text}`)
  assert.equal(r.json?.code, code, r.text)
  assert.equal(typeof r.json.message, 'string')
  assert.ok(r.json.requestId, 'requestId in the body')
  assert.equal(r.headers['x-request-id'], r.json.requestId)
}

/** A harness view of one of the SMH libraries, for the bulk factories of test/support. */
export function harnessOf(s: Smh, lib: Library, spaceId = lib.spaceId!) {
  return { ...s.t.h, spaceId, libraryId: lib.libraryId, admin: { ...s.t.h.admin, libraryId: lib.libraryId } }
}
