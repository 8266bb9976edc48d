/**
 * Support for the PDS conformance suite: the real container over a temp data dir (makeHarness, ManualClock), the real
 * app from buildApp(c), requests through app.inject(). PDS calls are `POST /v2/<path>` with a JSON body and a bearer
 * token; signed URLs come back absolute and are replayed through inject by their path.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { makeHarness, type Harness } from '../../support/harness.ts'
import { buildApp } from '../../../src/http/build-app.ts'
import type { App } from '../../../src/http/routes/types.ts'

export interface Res {
  status: number
  headers: Record<string, string | undefined>
  body: Buffer
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any
}

export interface Pds {
  h: Harness
  app: App
  c: Harness['c']
  spaceId: string
  libraryId: string
  adminToken: string
  /** POST /v2<path> with a JSON body (admin token unless `token` is given; `null` sends none). */
  call(path: string, body?: unknown, opts?: { token?: string | null; headers?: Record<string, string>; raw?: string }): Promise<Res>
  /** Any request (native API, signed URLs given absolute or as a path). */
  req(method: string, url: string, opts?: { token?: string | null; json?: unknown; body?: Buffer | string; headers?: Record<string, string> }): Promise<Res>
  token(grants?: string[], opts?: { userId?: string; spaceIds?: string[]; libraryId?: string }): Promise<string>
  mkdir(parent: string, name: string, opts?: { token?: string; driveId?: string }): Promise<string>
  /** create → PUT each part → complete; returns the completed File. */
  upload(parent: string, name: string, content: Buffer | string, opts?: { parts?: number; token?: string; driveId?: string; mode?: string }): Promise<Record<string, unknown>>
  drain(): Promise<number>
  close(): Promise<void>
}

export const sha1 = (b: Buffer | string) => createHash('sha1').update(b).digest('hex')

export async function makePds(opts: { quotaBytes?: number } = {}): Promise<Pds> {
  const h = await makeHarness({ quotaBytes: opts.quotaBytes })
  const app = await buildApp(h.c)
  await app.ready()
  const adminToken = (await h.c.auth.issueToken({ libraryId: h.libraryId, userId: 'admin', grants: ['admin'], periodSeconds: 315_360_000 })).accessToken

  const req: Pds['req'] = async (method, url, o = {}) => {
    const path = url.replace(/^https?:\/\/[^/]+/, '')
    const headers: Record<string, string> = { ...(o.headers ?? {}) }
    const token = o.token === undefined ? adminToken : o.token
    if (token !== null && !headers.authorization) headers.authorization = `Bearer ${token}`
    let payload: string | Buffer | undefined = o.body
    if (o.json !== undefined) {
      payload = JSON.stringify(o.json)
      headers['content-type'] ??= 'application/json'
    }
    const r = await app.inject({ method: method as never, url: path, headers, ...(payload !== undefined ? { payload } : {}) })
    const hs: Record<string, string | undefined> = {}
    for (const [k, v] of Object.entries(r.headers)) hs[k.toLowerCase()] = v === undefined ? undefined : String(v)
    let json: unknown
    if ((hs['content-type'] ?? '').includes('json') && r.rawPayload.length) json = JSON.parse(r.rawPayload.toString('utf8'))
    return { status: r.statusCode, headers: hs, body: r.rawPayload, json }
  }

  const pds: Pds = {
    h,
    app,
    c: h.c,
    spaceId: h.spaceId,
    libraryId: h.libraryId,
    adminToken,
    call: (path, body = {}, o = {}) =>
      o.raw !== undefined
        ? req('POST', `/v2${path}`, { token: o.token, body: o.raw, headers: o.headers })
        : req('POST', `/v2${path}`, { token: o.token, json: body, headers: o.headers }),
    req,
    async token(grants = [], o = {}) {
      return (await h.c.auth.issueToken({ libraryId: o.libraryId ?? h.libraryId, userId: o.userId ?? 'alice', grants, spaceIds: o.spaceIds ?? null, periodSeconds: 315_360_000 })).accessToken
    },
    async mkdir(parent, name, o = {}) {
      const r = await pds.call('/file/create', { drive_id: o.driveId ?? h.spaceId, parent_file_id: parent, name, type: 'folder', check_name_mode: 'refuse' }, { token: o.token })
      assert.equal(r.status, 201, JSON.stringify(r.json))
      return r.json.file_id as string
    },
    async upload(parent, name, content, o = {}) {
      const data = typeof content === 'string' ? Buffer.from(content) : content
      const n = o.parts ?? 1
      const size = Math.ceil(data.length / n)
      const driveId = o.driveId ?? h.spaceId
      const created = await pds.call(
        '/file/create',
        {
          drive_id: driveId,
          parent_file_id: parent,
          name,
          type: 'file',
          size: data.length,
          check_name_mode: o.mode ?? 'auto_rename',
          part_info_list: Array.from({ length: n }, (_, i) => ({ part_number: i + 1 })),
        },
        { token: o.token },
      )
      assert.equal(created.status, 201, JSON.stringify(created.json))
      for (const [i, part] of (created.json.part_info_list as { upload_url: string }[]).entries()) {
        const put = await req('PUT', part.upload_url, { token: null, body: data.subarray(i * size, (i + 1) * size) })
        assert.equal(put.status, 200, put.body.toString())
      }
      const done = await pds.call('/file/complete', { drive_id: driveId, file_id: created.json.file_id, upload_id: created.json.upload_id }, { token: o.token })
      assert.equal(done.status, 200, JSON.stringify(done.json))
      return done.json
    },
    drain: () => h.c.runner.drain(),
    async close() {
      await app.close().catch(() => undefined)
      await h.close()
    },
  }
  return pds
}

/** Asserts a PDS error: status, code, a message, and the request id in the body and the header. */
export function assertPdsError(r: Res, status: number, code: string, what = ''): void {
  assert.equal(r.status, status, `${what}: status ${r.status} ${r.body.toString()}`)
  assert.equal(r.json?.code, code, `${what}: code ${r.body.toString()}`)
  assert.equal(typeof r.json.message, 'string')
  assert.ok(r.json.requestId, `${what}: requestId in the body`)
  assert.equal(r.headers['x-ca-request-id'], r.json.requestId, `${what}: x-ca-request-id header = body requestId`)
}
