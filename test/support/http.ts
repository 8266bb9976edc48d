/**
 * HTTP test support.
 *
 * - `makeHttp()`: the real container over a temp data dir (through makeHarness, so a ManualClock), the real Fastify app
 *   from `buildApp(c)`, tokens from `c.auth.issueToken(...)`, requests through `app.inject()` (no socket).
 * - `TroveServer`: `bin/trove serve` as a child process (TROVE_PORT=0), the printed URL and first-run credentials parsed
 *   from stdout, SIGKILL and restart on the same data dir.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Readable } from 'node:stream'
import { makeHarness, type Harness } from './harness.ts'
import { buildApp, NATIVE_PREFIX } from '../../src/http/build-app.ts'
import type { App } from '../../src/http/routes/types.ts'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const TROVE_BIN = path.join(REPO_ROOT, 'bin', 'trove')
export { NATIVE_PREFIX }

export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex')
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** A response, whichever transport produced it. `json` is the parsed body when it is JSON, else undefined. */
export interface Res {
  status: number
  headers: Record<string, string | undefined>
  body: Buffer
  text: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any
}

export interface ReqOptions {
  /** Bearer token; `null` sends no Authorization header; undefined uses the helper's default (admin) token. */
  token?: string | null
  /** Sent as JSON (content-type application/json). */
  json?: unknown
  /** Raw body, sent as is. */
  body?: Buffer | string | Readable
  headers?: Record<string, string>
}

function toRes(status: number, headers: Record<string, string | undefined>, body: Buffer): Res {
  const text = body.toString('utf8')
  let json: unknown
  if ((headers['content-type'] ?? '').includes('application/json') && text.length) {
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
  }
  return { status, headers, body, text, json }
}

function requestHeaders(opts: ReqOptions, defaultToken: string | null): Record<string, string> {
  const h: Record<string, string> = { ...(opts.headers ?? {}) }
  const token = opts.token === undefined ? defaultToken : opts.token
  if (token !== null && !Object.keys(h).some((k) => k.toLowerCase() === 'authorization')) h.authorization = `Bearer ${token}`
  if (opts.json !== undefined && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/json'
  return h
}

// ---------------------------------------------------------------------------------------------------------------------
// In-process

export interface HttpHarness {
  h: Harness
  app: App
  c: Harness['c']
  clock: Harness['clock']
  dataDir: string
  libraryId: string
  spaceId: string
  /** An admin token of the harness library (10-year period, so moving the clock a little does not expire it). */
  adminToken: string
  /** Issues a token through `c.auth.issueToken` (default: the harness library, user `alice`, no grants = read-only). */
  token(opts?: { libraryId?: string; userId?: string; grants?: string[]; spaceIds?: string[] | null; periodSeconds?: number }): Promise<string>
  req(method: string, url: string, opts?: ReqOptions): Promise<Res>
  /** `/trove/v1/spaces/<spaceId><suffix>` */
  sp(suffix?: string, spaceId?: string): string
  /** PUT /files; returns the response. */
  upload(name: string, content: Buffer | string, opts?: { parentId?: string; token?: string | null; contentType?: string; query?: Record<string, string>; spaceId?: string }): Promise<Res>
  /** POST /folders; returns the response. */
  mkdir(name: string, parentId?: string, opts?: { token?: string | null; spaceId?: string }): Promise<Res>
  /** Runs queued tasks to completion in this process (when the background worker is not started). */
  drain(): Promise<number>
  /**
   * The same app over a real socket (127.0.0.1, free port), for what `inject()` cannot show faithfully, such as a
   * request body the server stops reading half-way. Resolves to a request function against that socket.
   */
  listen(): Promise<(method: string, url: string, opts?: ReqOptions) => Promise<Res>>
  close(): Promise<void>
}

export async function makeHttp(opts: { quotaBytes?: number; env?: Record<string, string>; worker?: boolean } = {}): Promise<HttpHarness> {
  const h = await makeHarness({ quotaBytes: opts.quotaBytes, env: opts.env })
  const app = await buildApp(h.c)
  await app.ready()
  if (opts.worker) h.c.runner.start()
  const adminToken = (await h.c.auth.issueToken({ libraryId: h.libraryId, userId: 'admin', grants: ['admin'], periodSeconds: 315_360_000 })).accessToken

  const req = async (method: string, url: string, o: ReqOptions = {}): Promise<Res> => {
    const payload = o.json !== undefined ? JSON.stringify(o.json) : o.body
    const r = await app.inject({ method: method as never, url, headers: requestHeaders(o, adminToken), ...(payload !== undefined ? { payload } : {}) })
    const headers: Record<string, string | undefined> = {}
    for (const [k, v] of Object.entries(r.headers)) headers[k.toLowerCase()] = v === undefined ? undefined : Array.isArray(v) ? v.join(', ') : String(v)
    return toRes(r.statusCode, headers, r.rawPayload)
  }
  const sp = (suffix = '', spaceId = h.spaceId) => `${NATIVE_PREFIX}/spaces/${spaceId}${suffix}`

  return {
    h,
    app,
    c: h.c,
    clock: h.clock,
    dataDir: h.dataDir,
    libraryId: h.libraryId,
    spaceId: h.spaceId,
    adminToken,
    async token(t = {}) {
      const issued = await h.c.auth.issueToken({
        libraryId: t.libraryId ?? h.libraryId,
        userId: t.userId ?? 'alice',
        grants: t.grants ?? [],
        spaceIds: t.spaceIds ?? null,
        periodSeconds: t.periodSeconds,
      })
      return issued.accessToken
    },
    req,
    sp,
    upload(name, content, u = {}) {
      const q = new URLSearchParams({ parentId: u.parentId ?? 'root', name, ...(u.query ?? {}) })
      return req('PUT', `${sp('/files', u.spaceId)}?${q}`, {
        token: u.token,
        body: typeof content === 'string' ? Buffer.from(content) : content,
        headers: { 'content-type': u.contentType ?? 'application/octet-stream' },
      })
    },
    mkdir(name, parentId = 'root', m = {}) {
      return req('POST', sp('/folders', m.spaceId), { token: m.token, json: { parentId, name } })
    },
    drain: () => h.c.runner.drain(),
    async listen() {
      const base = await app.listen({ host: '127.0.0.1', port: 0 })
      return (method, url, o = {}) => fetchRes(`${base}${url}`, method, o, adminToken)
    },
    async close() {
      await app.close().catch(() => undefined)
      await h.close()
    },
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Child process

export interface FirstRunCredentials {
  libraryId: string
  spaceId: string
  userId: string
  password: string
  adminToken: string
}

const live = new Set<ChildProcess>()
process.once('exit', () => {
  // Safety net only: every test stops its own servers; this kills, by pid, children this module started and that survived.
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

/** `bin/trove serve` in a child process. `start()` resolves once the URL is printed (and, on first run, the credentials). */
export class TroveServer {
  child: ChildProcess | null = null
  url = ''
  credentials: FirstRunCredentials | null = null
  stdout = ''
  stderr = ''
  starts = 0

  constructor(
    readonly dataDir: string,
    readonly env: Record<string, string> = {},
  ) {}

  get api(): string {
    return `${this.url}${NATIVE_PREFIX}`
  }

  get pid(): number | undefined {
    return this.child?.pid
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null
  }

  async start(timeoutMs = 20_000): Promise<this> {
    if (this.running) throw new Error('server already running')
    const firstRun = !fs.existsSync(path.join(this.dataDir, 'trove.sqlite'))
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('TROVE_')) env[k] = v
    Object.assign(env, { TROVE_HOST: '127.0.0.1', TROVE_PORT: '0', TROVE_LOG_LEVEL: 'warn' }, this.env, { TROVE_DATA_DIR: this.dataDir })
    const child = spawn(process.execPath, [TROVE_BIN, 'serve'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    this.child = child
    this.starts++
    live.add(child)
    child.once('exit', () => live.delete(child))
    let out = ''
    child.stdout!.setEncoding('utf8')
    child.stderr!.setEncoding('utf8')
    child.stdout!.on('data', (d: string) => {
      out += d
      this.stdout += d
    })
    child.stderr!.on('data', (d: string) => {
      this.stderr += d
    })
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const url = /Trove is running at (http:\/\/\S+)/.exec(out)?.[1]
      const credsDone = !firstRun || /somewhere safe/.test(out)
      if (url && credsDone) {
        this.url = url
        if (firstRun) this.credentials = parseCredentials(out)
        return this
      }
      if (!this.running) throw new Error(`trove serve exited (${child.exitCode ?? child.signalCode}) before it was ready\nstdout:\n${out}\nstderr:\n${this.stderr}`)
      if (Date.now() > deadline) {
        await this.kill()
        throw new Error(`trove serve was not ready within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${this.stderr}`)
      }
      await sleep(20)
    }
  }

  /** Kills the child (SIGKILL by default) and waits until it is gone. A no-op when it is not running. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill(signal)
    await exited
  }

  /** SIGKILLs the running child (if any) and starts a new one on the same data dir. */
  async restart(): Promise<this> {
    await this.kill('SIGKILL')
    return this.start()
  }

  /** For `after`/`finally`: SIGKILL, never throws. */
  async stop(): Promise<void> {
    await this.kill('SIGKILL').catch(() => undefined)
  }

  async req(method: string, urlPath: string, opts: ReqOptions = {}): Promise<Res> {
    return fetchRes(`${this.url}${urlPath}`, method, opts, this.credentials?.adminToken ?? null)
  }
}

function parseCredentials(out: string): FirstRunCredentials {
  const field = (label: string) => {
    const m = new RegExp(`^  ${label}:\\s+(\\S+)\\s*$`, 'm').exec(out)
    if (!m) throw new Error(`first-run output has no "${label}" line:\n${out}`)
    return m[1]
  }
  return { libraryId: field('library id'), spaceId: field('space id'), userId: field('admin user'), password: field('password'), adminToken: field('admin token') }
}

/** One HTTP request over a socket (global fetch). */
export async function fetchRes(url: string, method: string, opts: ReqOptions = {}, defaultToken: string | null = null): Promise<Res> {
  const body = opts.json !== undefined ? JSON.stringify(opts.json) : opts.body
  const r = await fetch(url, {
    method,
    headers: requestHeaders(opts, defaultToken),
    body: body as never,
    ...(body && typeof (body as Readable).pipe === 'function' ? { duplex: 'half' } : {}),
  } as RequestInit)
  const headers: Record<string, string | undefined> = {}
  r.headers.forEach((v, k) => (headers[k.toLowerCase()] = v))
  return toRes(r.status, headers, Buffer.from(await r.arrayBuffer()))
}

// ---------------------------------------------------------------------------------------------------------------------
// Misc

export async function tempDir(prefix = 'trove-e2e-'): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), prefix))
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await fsp.rm(dir, { recursive: true, force: true })
}

/** Runs `bin/trove <args>`; never rejects: returns the exit code and output. */
export function runTrove(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<{ code: number; stdout: string; stderr: string }> {
  const full: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('TROVE_')) full[k] = v
  Object.assign(full, env)
  return new Promise((resolve) => {
    execFile(process.execPath, [TROVE_BIN, ...args], { cwd: REPO_ROOT, env: full, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0
      resolve({ code, stdout: String(stdout), stderr: String(stderr) })
    })
  })
}

/** Files (recursively) under a directory; [] when it does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (d: string) => {
    for (const e of await fsp.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) await walk(p)
      else out.push(path.relative(dir, p))
    }
  }
  await walk(dir)
  return out.sort()
}

/** Polls `fn` until it returns a non-undefined value or the timeout passes (then throws with the last value seen). */
export async function waitFor<T>(fn: () => Promise<T | undefined>, opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000)
  for (;;) {
    const v = await fn()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${opts.what ?? 'condition'}`)
    await sleep(opts.intervalMs ?? 25)
  }
}

/** Runs `fn` over `items` with at most `concurrency` in flight; results in input order. */
export async function pool<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    for (;;) {
      const i = next++
      if (i >= items.length) return
      out[i] = await fn(items[i], i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
  return out
}
