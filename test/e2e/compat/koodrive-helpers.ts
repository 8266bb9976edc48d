/**
 * Support for the KooDrive conformance suite: the real container (harness: temp SQLite + disk, ManualClock), the real
 * app from `buildApp(c)`, requests through `app.inject()` with KooDrive's headers built from the injected clock.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { makeHarness, type Harness } from '../../support/harness.ts'
import { buildApp } from '../../../src/http/build-app.ts'
import type { App } from '../../../src/http/routes/types.ts'

export const P = '/koodrive/ose/v1'
export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex')

/** `yyyyMMdd'T'HHmmss'Z'` of an instant. */
export function xdate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
}

export interface Who {
  token: string
  userId: string
}

export interface Res {
  status: number
  headers: Record<string, string | undefined>
  body: Buffer
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any
}

export interface CallOptions {
  json?: unknown
  body?: Buffer | string
  query?: Record<string, string | number>
  headers?: Record<string, string>
  /** X-Date; null leaves it out. Default: now on the harness clock. */
  date?: string | null
  lang?: string
  /** Authorization header as sent; default `Bearer+{token}`. */
  authorization?: string | null
  userId?: string | null
}

export class Koo {
  private constructor(
    readonly h: Harness,
    readonly app: App,
    readonly admin: Who,
  ) {}

  static async make(opts: { quotaBytes?: number } = {}): Promise<Koo> {
    const h = await makeHarness({ quotaBytes: opts.quotaBytes })
    const app = await buildApp(h.c)
    await app.ready()
    const admin = await h.c.auth.issueToken({ libraryId: h.libraryId, userId: 'admin', grants: ['admin'], periodSeconds: 315_360_000 })
    return new Koo(h, app, { token: admin.accessToken, userId: 'admin' })
  }

  get c() {
    return this.h.c
  }
  get clock() {
    return this.h.clock
  }
  get spaceId() {
    return this.h.spaceId
  }

  /** A token of the harness library (or another) for `userId` with these grants. */
  async user(userId: string, grants: string[] = [], opts: { libraryId?: string; spaceIds?: string[] } = {}): Promise<Who> {
    const t = await this.c.auth.issueToken({ libraryId: opts.libraryId ?? this.h.libraryId, userId, grants, spaceIds: opts.spaceIds, periodSeconds: 315_360_000 })
    return { token: t.accessToken, userId }
  }

  /** A multi-space library (KooDrive's setup calls create spaces per user) and its admin. */
  async multiSpaceLibrary(): Promise<{ libraryId: string; admin: Who }> {
    const lib = await this.c.libraries.create({ name: 'koo-tenant', multiSpace: true })
    return { libraryId: lib.libraryId, admin: await this.user('tenant-admin', ['admin'], { libraryId: lib.libraryId }) }
  }

  async call(who: Who | null, method: string, path: string, o: CallOptions = {}): Promise<Res> {
    const headers: Record<string, string> = { ...(o.headers ?? {}) }
    if (who && o.authorization !== null) headers.authorization = o.authorization ?? `Bearer+${who.token}`
    if (who && o.userId !== null) headers['x-user-id'] = o.userId ?? who.userId
    if (o.date !== null) headers['x-date'] = o.date ?? xdate(this.clock.now())
    if (o.lang) headers.language = o.lang
    let payload: string | Buffer | undefined = o.body
    if (o.json !== undefined) {
      payload = JSON.stringify(o.json)
      headers['content-type'] = 'application/json'
    }
    const qs = o.query ? '?' + new URLSearchParams(Object.entries(o.query).map(([k, v]) => [k, String(v)])).toString() : ''
    return this.inject(method, `${P}${path}${qs}`, headers, payload)
  }

  /** A link the dialect handed out (absolute URL), requested as a plain client would: no KooDrive headers. */
  async fetchLink(method: string, url: string, o: { body?: Buffer | string; headers?: Record<string, string> } = {}): Promise<Res> {
    const u = new URL(url)
    return this.inject(method, u.pathname + u.search, { ...(o.headers ?? {}), ...(o.body !== undefined ? { 'content-type': 'application/octet-stream' } : {}) }, o.body)
  }

  private async inject(method: string, url: string, headers: Record<string, string>, payload?: string | Buffer): Promise<Res> {
    const r = await this.app.inject({ method: method as never, url, headers, ...(payload !== undefined ? { payload } : {}) })
    const h: Record<string, string | undefined> = {}
    for (const [k, v] of Object.entries(r.headers)) h[k.toLowerCase()] = v === undefined ? undefined : String(v)
    let json: unknown
    if ((h['content-type'] ?? '').includes('application/json') && r.rawPayload.length) json = JSON.parse(r.rawPayload.toString('utf8'))
    return { status: r.statusCode, headers: h, body: r.rawPayload, json }
  }

  /** Native API call (`/trove/v1`, plain Bearer token). */
  async native(who: Who, method: string, path: string, json?: unknown): Promise<Res> {
    const headers: Record<string, string> = { authorization: `Bearer ${who.token}` }
    if (json !== undefined) headers['content-type'] = 'application/json'
    return this.inject(method, `/trove/v1${path}`, headers, json === undefined ? undefined : JSON.stringify(json))
  }

  async close(): Promise<void> {
    await this.app.close().catch(() => undefined)
    await this.h.close()
  }

  // --- KooDrive calls used by many tests -----------------------------------------------------------------------

  async mkdir(who: Who, name: string, parent = 'root', spaceId = this.spaceId): Promise<string> {
    const r = await this.call(who, 'POST', '/directory', { json: { fileName: name, fileType: '10', containerId: spaceId, parentFolder: parent === 'root' ? [] : [parent], renameMode: 3 } })
    expectOk(r)
    return r.json.id
  }

  /** create → PUT every part → complete; returns the file's id. */
  async upload(who: Who, name: string, content: Buffer | string, parent = 'root', spaceId = this.spaceId): Promise<string> {
    const bytes = Buffer.from(content)
    const created = await this.call(who, 'POST', '/files/create', {
      json: { fileName: name, fileType: '45', parentFolder: [parent], containerId: spaceId, length: bytes.length, sha256: sha256(bytes), uploadMode: 'multipart', uploadType: 1, autoRename: 3 },
    })
    expectOk(created)
    for (const p of created.json.multiParts) {
      const put = await this.fetchLink('PUT', p.uploadUrl, { body: bytes.subarray(p.partOffset, p.partOffset + p.partSize) })
      assert.equal(put.status, 200, put.body.toString())
    }
    const done = await this.call(who, 'POST', '/files/complete', { json: { fileId: created.json.fileId, sha256: sha256(bytes) } })
    expectOk(done)
    return done.json.id
  }

  async idPath(who: Who, fileId: string, spaceId = this.spaceId): Promise<string> {
    const r = await this.call(who, 'GET', '/files/path', { query: { fileId, containerId: spaceId } })
    expectOk(r)
    return r.json.fileIdPath
  }

  /** POST /jobs; returns the job id. */
  async job(who: Who, body: Record<string, unknown>): Promise<string> {
    const r = await this.call(who, 'POST', '/jobs', { json: body })
    expectOk(r)
    assert.match(r.json.data, /^\d+$/)
    return r.json.data
  }

  async trashJob(who: Who, ids: string[], spaceId = this.spaceId): Promise<string> {
    const fileInfo = []
    for (const fileId of ids) fileInfo.push({ fileId, filePath: await this.idPath(who, fileId, spaceId) })
    return this.job(who, { taskType: 2, actionType: 201, taskInfo: { fileInfo, srcContainerId: spaceId }, dstContainerId: spaceId })
  }

  async restoreJob(who: Who, ids: string[], spaceId = this.spaceId): Promise<string> {
    return this.job(who, { taskType: 4, taskInfo: { fileInfo: ids.map((fileId) => ({ fileId })), srcContainerId: spaceId }, dstContainerId: spaceId })
  }

  async jobDetail(who: Who, jobId: string) {
    const r = await this.call(who, 'GET', `/${jobId}`)
    expectOk(r)
    return r.json.data as { jobInfo: Record<string, unknown>; taskInfos: Record<string, unknown>[] }
  }
}

export function expectOk(r: Res, what = ''): void {
  assert.equal(r.status, 200, `${what} ${r.status} ${r.body.toString()}`)
  assert.equal(r.json.code, 0, `${what} ${r.body.toString()}`)
  assert.equal(typeof r.json.msg, 'string')
}

/** A KooDrive error: HTTP status, the 8-digit (or gateway) code as a string, and a message. */
export function expectError(r: Res, status: number, code: string, what = ''): void {
  assert.equal(r.status, status, `${what}: ${r.body.toString()}`)
  assert.deepEqual(Object.keys(r.json).sort(), ['code', 'msg'], `${what}: ${r.body.toString()}`)
  assert.equal(r.json.code, code, `${what}: ${r.body.toString()}`)
  assert.ok(r.json.msg.length > 0)
}
