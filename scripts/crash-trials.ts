/**
 * Crash trials (`npm run test:crash -- [--trials N] [--seed S] [--json] [--keep-data] [--fail-fast] [--verbose]`).
 *
 * Each trial drives a random mix of writes through the native API of a real `bin/trove serve` child (uploads with
 * known bytes, folders, trash, restore, permanent delete, batch delete, empty, holds, task cancels, a shortened
 * retention), SIGKILLs it at a random moment (a timer, right after a purge was accepted, or while an upload body is
 * still streaming), restarts it on the same data directory (sometimes with its clock moved days ahead so the bin's
 * retention purge has work), waits until no task is running, and then checks:
 *
 * - every acknowledged upload (2xx received) is downloadable byte for byte, or is in the bin (the entry the ledger
 *   expects, or below one), or is gone because an acknowledged permanent delete, batch delete, empty or the retention
 *   purge took it; requests that got no answer may have happened or not, but nothing else may differ;
 * - nothing appears that was never asked for (an unanswered upload that landed is adopted and verified too);
 * - `bin/trove fsck --json` exits 0; the usage counters equal the visible files plus the bin; every purge task we were
 *   given finished `Succeed` (or `Cancelled` when we cancelled it) and no task of any kind failed.
 *
 * The same ledger carries over from trial to trial on one data directory (a "generation" of a few trials), then the
 * generation ends with every bin entry restored and every file downloaded once more. The seed fixes the operation mix,
 * the byte contents and the kill delays; thread timing is not reproducible, so a failure reports its seed, trial and
 * the exact discrepancy, and keeps the data directory.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { createHash, randomInt } from 'node:crypto'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const TROVE_BIN = path.join(REPO_ROOT, 'bin', 'trove')
const API = '/trove/v1'
const DAY_MS = 86_400_000
const RETENTION_KIND = 'trash.purge-expired'

// ---------------------------------------------------------------------------------------------------------------------
// Options

interface Options {
  trials: number
  seed: number
  json: boolean
  keepData: boolean
  failFast: boolean
  verbose: boolean
  concurrency: number
}

function parseArgs(argv: string[]): Options {
  const o: Options = { trials: 20, seed: randomInt(1, 2 ** 31 - 1), json: false, keepData: false, failFast: false, verbose: false, concurrency: 3 }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const val = () => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${a} needs a value`)
      const n = Number(v)
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${a} must be a non-negative integer (got ${v})`)
      return n
    }
    if (a === '--trials') o.trials = val()
    else if (a === '--seed') o.seed = val()
    else if (a === '--concurrency') o.concurrency = Math.max(1, val())
    else if (a === '--json') o.json = true
    else if (a === '--keep-data') o.keepData = true
    else if (a === '--fail-fast') o.failFast = true
    else if (a === '--verbose') o.verbose = true
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: crash-trials [--trials N (20)] [--seed S] [--json] [--keep-data] [--fail-fast] [--verbose] [--concurrency C (3)]\n')
      process.exit(0)
    } else throw new Error(`unknown option ${a}`)
  }
  if (o.trials < 1) throw new Error('--trials must be at least 1')
  return o
}

// ---------------------------------------------------------------------------------------------------------------------
// Deterministic randomness

class Rng {
  private s: number
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9
  }
  /** mulberry32 */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]
  }
  weighted<T extends string>(w: Partial<Record<T, number>>): T {
    const entries = Object.entries(w) as [T, number][]
    let r = this.next() * entries.reduce((n, [, v]) => n + v, 0)
    for (const [k, v] of entries) if ((r -= v) < 0) return k
    return entries[entries.length - 1][0]
  }
  fork(): Rng {
    return new Rng(Math.floor(this.next() * 2 ** 32))
  }
}

/** Bytes from a 32-bit seed (xorshift32): cheap, and every upload's content can be regenerated from the seed. */
function bytesOf(seed: number, size: number, label: string): Buffer {
  const head = Buffer.from(`${label}\n`)
  const buf = Buffer.alloc(Math.max(size, 0))
  let x = seed >>> 0 || 1
  for (let i = 0; i < buf.length; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    buf[i] = x & 0xff
  }
  head.copy(buf, 0, 0, Math.min(head.length, buf.length))
  return buf
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

// ---------------------------------------------------------------------------------------------------------------------
// The server child and the CLI

interface Credentials {
  token: string
  spaceId: string
}

class ServerProcess {
  child: ChildProcess | null = null
  url = ''
  stdout = ''
  stderr = ''
  exitedUnexpectedly: string | null = null
  private killing = false

  /** The server logs (pino, JSON lines on stdout) at warn level and above: what it said about a 5xx. */
  logs(max = 8): string[] {
    return this.stdout
      .split('\n')
      .filter((l) => l.startsWith('{') && /"level":(40|50|60)/.test(l))
      .slice(-max)
  }

  constructor(
    readonly dataDir: string,
    readonly env: Record<string, string>,
  ) {}

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null
  }

  async start(timeoutMs = 60_000): Promise<Credentials | null> {
    const firstRun = !fs.existsSync(path.join(this.dataDir, 'trove.sqlite'))
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('TROVE_')) env[k] = v
    Object.assign(env, { TROVE_HOST: '127.0.0.1', TROVE_PORT: '0', TROVE_LOG_LEVEL: 'warn' }, this.env, { TROVE_DATA_DIR: this.dataDir })
    const child = spawn(process.execPath, [TROVE_BIN, 'serve'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    this.child = child
    children.add(child)
    child.stdout!.setEncoding('utf8')
    child.stderr!.setEncoding('utf8')
    child.stdout!.on('data', (d: string) => (this.stdout += d))
    child.stderr!.on('data', (d: string) => (this.stderr = (this.stderr + d).slice(-20_000)))
    child.once('exit', (code, signal) => {
      children.delete(child)
      if (!this.killing) this.exitedUnexpectedly = `exited by itself (${code ?? signal})`
    })
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const url = /Trove is running at (http:\/\/\S+)/.exec(this.stdout)?.[1]
      if (url && (!firstRun || /somewhere safe/.test(this.stdout))) {
        this.url = url
        if (!firstRun) return null
        const field = (label: string) => {
          const m = new RegExp(`^  ${label}:\\s+(\\S+)\\s*$`, 'm').exec(this.stdout)
          if (!m) throw new Error(`first-run output has no "${label}" line`)
          return m[1]
        }
        return { token: field('admin token'), spaceId: field('space id') }
      }
      if (!this.running) throw new Error(`trove serve exited before it was ready\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`)
      if (Date.now() > deadline) {
        await this.kill()
        throw new Error(`trove serve was not ready within ${timeoutMs} ms\nstderr:\n${this.stderr}`)
      }
      await sleep(15)
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    this.killing = true
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill(signal)
    await exited
  }
}

const children = new Set<ChildProcess>()
const killChildren = () => {
  // Only the children this script started, by pid.
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
}
process.once('exit', killChildren)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killChildren()
    process.exit(130)
  })
}

function runCli(args: string[], env: Record<string, string>, timeoutMs = 180_000): Promise<{ code: number; stdout: string; stderr: string }> {
  const full: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('TROVE_')) full[k] = v
  Object.assign(full, { TROVE_LOG_LEVEL: 'warn' }, env)
  return new Promise((resolve) => {
    execFile(process.execPath, [TROVE_BIN, ...args], { cwd: REPO_ROOT, env: full, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0
      resolve({ code, stdout: String(stdout), stderr: String(stderr) })
    })
  })
}

// ---------------------------------------------------------------------------------------------------------------------
// HTTP

interface Res {
  status: number
  body: Buffer
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any
  headers: Headers
}

class NoAnswer extends Error {}

async function request(base: string, token: string, method: string, url: string, opts: { json?: unknown; body?: Buffer | Readable; timeoutMs?: number } = {}): Promise<Res> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` }
  let body: BodyInit | undefined
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(opts.json)
  } else if (opts.body !== undefined) {
    headers['content-type'] = 'application/octet-stream'
    body = opts.body as unknown as BodyInit
  }
  let r: Response
  let buf: Buffer
  try {
    r = await fetch(`${base}${url}`, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000),
      ...(opts.body instanceof Readable ? { duplex: 'half' } : {}),
    } as RequestInit)
    buf = Buffer.from(await r.arrayBuffer())
  } catch (e) {
    if ((e as Error).name === 'TimeoutError') throw new Error(`${method} ${url}: no answer within ${opts.timeoutMs ?? 60_000} ms (server hung?)`)
    throw new NoAnswer(`${method} ${url}: ${(e as Error).message}`)
  }
  let json: unknown
  if ((r.headers.get('content-type') ?? '').includes('application/json') && buf.length) {
    try {
      json = JSON.parse(buf.toString('utf8'))
    } catch {
      json = undefined
    }
  }
  return { status: r.status, body: buf, json, headers: r.headers }
}

// ---------------------------------------------------------------------------------------------------------------------
// The ledger: what the client was told, and what it may not know

type Own = 'live' | 'bin' | 'gone'

interface LNode {
  id: string
  kind: 'file' | 'folder'
  parentId: string
  name: string
  /** The states the node itself may be in (its ancestors decide visibility). One element: certain. */
  states: Set<Own>
  /** The bin entry whose root it is, when known. */
  entryId?: string
  /** An unanswered trash: a bin entry for this node may exist that the ledger does not know yet. */
  pendingTrash?: boolean
  /** The server's clock when that unanswered trash was sent (its entry expires a retention period later). */
  pendingTrashAt?: number
  content?: Buffer
  sha?: string
  /** An acknowledged upload (2xx received), as opposed to an unanswered one found later. */
  acked: boolean
}

interface LEntry {
  id: string
  rootId: string
  /** bin: still there; gone: purged (acknowledged purge, retention); restored: back in the tree. */
  status: Set<'bin' | 'gone' | 'restored'>
  /** null: a hold or release got no answer. */
  held: boolean | null
  expiresAt: number
  sizeBytes: number
  /** Why it may be gone: the acknowledged request (or retention) that purges it. */
  purgedBy?: string
}

interface LTask {
  id: string
  entries: string[]
  cancelRequested: boolean
}

interface Attempt {
  content: Buffer
  sha: string
  kind: 'file' | 'folder'
}

interface Stats {
  trials: number
  generations: number
  killsMidRequest: number
  killsMidTask: number
  killsMidTaskPartway: number
  killsMidUploadBody: number
  killsByTrigger: Record<string, number>
  clockJumps: number
  requestsAcked: number
  requestsRejected: number
  requestsUnanswered: number
  uploadsAcked: number
  uploadsVerified: number
  unansweredUploadsLanded: number
  downloads: number
  purgesVerified: number
  retentionPurgesVerified: number
  fsckRuns: number
  fsckClean: number
  orphanBlobsSeen: number
}

interface Failure {
  trial: number
  generation: number
  message: string
}

class TrialFailure extends Error {}

/** A gate: ordinary operations share it; `empty` takes it alone so the set of bin entries it empties is known. */
class Gate {
  private shared = 0
  private exclusive = false
  private waiters: (() => void)[] = []
  private wakeAll() {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }
  async withShared<T>(fn: () => Promise<T>): Promise<T> {
    while (this.exclusive) await new Promise<void>((r) => this.waiters.push(r))
    this.shared++
    try {
      return await fn()
    } finally {
      this.shared--
      this.wakeAll()
    }
  }
  async withExclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.exclusive) await new Promise<void>((r) => this.waiters.push(r))
    this.exclusive = true
    try {
      while (this.shared > 0) await new Promise<void>((r) => this.waiters.push(r))
      return await fn()
    } finally {
      this.exclusive = false
      this.wakeAll()
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// A generation: one data directory, several trials

type OpKind =
  | 'upload'
  | 'uploadSlow'
  | 'uploadDuplicate'
  | 'uploadSameName'
  | 'mkdir'
  | 'uploadBatch'
  | 'trash'
  | 'purgeBig'
  | 'permanentDelete'
  | 'restore'
  | 'restoreBatch'
  | 'deleteEntry'
  | 'deleteBatch'
  | 'empty'
  | 'hold'
  | 'release'
  | 'cancel'
  | 'shortenRetention'

class Generation {
  readonly nodes = new Map<string, LNode>()
  readonly entries = new Map<string, LEntry>()
  readonly tasks = new Map<string, LTask>()
  /** Every upload and mkdir sent, by name (names are unique), so an unanswered one that landed can be recognised. */
  readonly attempts = new Map<string, Attempt>()
  readonly recentContents: Buffer[] = []
  readonly verifiedUploads = new Set<string>()
  readonly purgesCounted = new Set<string>()
  creds!: Credentials
  rootId = ''
  offsetMs = 0
  retentionShortened = false
  server: ServerProcess | null = null
  seq = 0
  busy = new Set<string>()
  gate = new Gate()

  constructor(
    readonly index: number,
    readonly dataDir: string,
    readonly opts: Options,
    readonly stats: Stats,
    readonly log: (s: string) => void,
  ) {}

  get base(): string {
    return this.server!.url
  }

  req(method: string, url: string, o: { json?: unknown; body?: Buffer | Readable; timeoutMs?: number } = {}): Promise<Res> {
    return request(this.base, this.creds.token, method, url, o)
  }

  sp(suffix = ''): string {
    return `${API}/spaces/${this.creds.spaceId}${suffix}`
  }

  env(): Record<string, string> {
    return {
      TROVE_PURGE_ENTRY_BATCH: '2',
      TROVE_PURGE_NODE_BATCH: '3',
      TROVE_RETENTION_PERIOD_MS: '1000',
      TROVE_TASK_POLL_MS: '50',
      TROVE_CLOCK_OFFSET_MS: String(this.offsetMs),
    }
  }

  async startServer(): Promise<void> {
    this.server = new ServerProcess(this.dataDir, this.env())
    const creds = await this.server.start()
    if (creds) this.creds = creds
    if (!this.rootId) {
      const space = await this.req('GET', this.sp())
      if (space.status !== 200) throw new TrialFailure(`GET space: ${space.status}`)
      this.rootId = space.json.rootFolderId
    }
  }

  // ---- model helpers ------------------------------------------------------------------------------------------------

  chain(id: string): LNode[] {
    const out: LNode[] = []
    for (let n = this.nodes.get(id); n; n = this.nodes.get(n.parentId)) {
      out.push(n)
      if (out.length > 64) throw new TrialFailure(`ledger: a cycle above node ${id}`)
    }
    return out
  }

  /** Certainly visible: the node and every ancestor certainly live. */
  certainlyVisible(id: string): boolean {
    if (id === this.rootId) return true
    const n = this.nodes.get(id)
    if (!n) return false
    for (const a of this.chain(id)) if (a.states.size !== 1 || !a.states.has('live')) return false
    return this.chain(id).at(-1)!.parentId === this.rootId
  }

  depth(id: string): number {
    return id === this.rootId ? 0 : this.chain(id).length
  }

  liveFolders(): string[] {
    return [this.rootId, ...[...this.nodes.values()].filter((n) => n.kind === 'folder' && !this.busy.has(n.id) && this.certainlyVisible(n.id)).map((n) => n.id)]
  }

  visibleNodes(kind?: 'file' | 'folder'): LNode[] {
    return [...this.nodes.values()].filter((n) => (!kind || n.kind === kind) && !this.busy.has(n.id) && this.certainlyVisible(n.id))
  }

  binEntries(): LEntry[] {
    return [...this.entries.values()].filter((e) => e.status.size === 1 && e.status.has('bin') && !this.busy.has(`e${e.id}`) && !this.busy.has(e.rootId))
  }

  setEntryStatus(e: LEntry, status: LEntry['status'], purgedBy?: string): void {
    e.status = status
    if (purgedBy) e.purgedBy = purgedBy
    const root = this.nodes.get(e.rootId)
    if (!root) return
    const s = new Set<Own>()
    if (status.has('bin')) s.add('bin')
    if (status.has('gone')) s.add('gone')
    if (status.has('restored')) s.add('live')
    root.states = s
  }

  /** Adds possibilities (an unanswered request). */
  widenEntry(e: LEntry, add: 'bin' | 'gone' | 'restored', purgedBy?: string): void {
    e.status.add(add)
    if (purgedBy && !e.purgedBy) e.purgedBy = purgedBy
    const root = this.nodes.get(e.rootId)
    if (root) root.states.add(add === 'restored' ? 'live' : add)
  }

  addEntryFromWire(w: { id: string; nodeId: string; held: boolean; expiresAt: string; sizeBytes: number }, status: LEntry['status']): LEntry {
    const e: LEntry = { id: w.id, rootId: w.nodeId, status, held: w.held, expiresAt: Date.parse(w.expiresAt), sizeBytes: w.sizeBytes }
    this.entries.set(e.id, e)
    return e
  }

  nextName(prefix: string, ext = ''): string {
    return `${prefix}-g${this.index}-${++this.seq}${ext}`
  }

  serverNow(): number {
    return Date.now() + this.offsetMs
  }

  /**
   * A restore that re-created missing folders reports only the new parent's id: the folders above it that the ledger
   * does not know are read from the database (read-only) and added, so that what happens to them later is accounted
   * for. False when the chain could not be read (a concurrent purge already took part of it).
   */
  learnAncestors(id: string): boolean {
    const db = new Database(path.join(this.dataDir, 'trove.sqlite'), { readonly: true, fileMustExist: true })
    try {
      const get = db.prepare('select id, parent_id, name, kind from nodes where id = ?')
      let pid = id
      while (pid !== this.rootId && !this.nodes.has(pid)) {
        const row = get.get(Number(pid)) as { id: number; parent_id: number | null; name: string; kind: 'file' | 'folder' } | undefined
        if (!row || row.parent_id === null) return false
        this.nodes.set(pid, { id: pid, kind: row.kind, parentId: String(row.parent_id), name: row.name, states: new Set(['live']), acked: true })
        pid = String(row.parent_id)
      }
      return true
    } finally {
      db.close()
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Operations. Each one: choose targets from the ledger (never one another operation is using), send, then apply
// what the answer makes certain, or, without an answer, widen what may have happened.

interface Session {
  gen: Generation
  stopped: boolean
  inFlight: Map<number, OpKind>
  opSeq: number
  uploadBodyStreaming: number
  onPurgeAccepted?: () => void
  onUploadStreaming?: () => void
  unexpected: string[]
}

function acked(r: Res): boolean {
  return r.status >= 200 && r.status < 300
}

async function runOp(s: Session, rng: Rng, kind: OpKind): Promise<void> {
  const g = s.gen
  const claim = (...ids: string[]) => {
    for (const id of ids) g.busy.add(id)
    return () => ids.forEach((id) => g.busy.delete(id))
  }
  const opId = ++s.opSeq
  const send = async (method: string, url: string, o: { json?: unknown; body?: Buffer | Readable } = {}): Promise<Res | null> => {
    s.inFlight.set(opId, kind)
    try {
      const r = await g.req(method, url, o)
      if (r.status >= 500) s.unexpected.push(`${method} ${url} → ${r.status} ${r.body.toString('utf8').slice(0, 300)}`)
      if (acked(r)) g.stats.requestsAcked++
      else g.stats.requestsRejected++
      return r
    } catch (e) {
      if (!(e instanceof NoAnswer)) throw e
      g.stats.requestsUnanswered++
      return null
    } finally {
      s.inFlight.delete(opId)
    }
  }

  switch (kind) {
    case 'upload':
    case 'uploadSlow':
    case 'uploadDuplicate':
    case 'uploadSameName': {
      const folders = g.liveFolders().filter((id) => g.depth(id) < 4)
      let parentId = rng.pick(folders)
      let name = g.nextName('f', '.bin')
      let content: Buffer
      if (kind === 'uploadDuplicate' && g.recentContents.length) {
        // The same bytes as an earlier file (live, in the bin or being purged): the blob is shared or re-created.
        content = rng.pick(g.recentContents)
      } else {
        const r = rng.next()
        const size = r < 0.04 ? 0 : r < 0.8 ? rng.int(1, 6000) : r < 0.97 ? rng.int(6000, 200_000) : rng.int(200_000, 700_000)
        content = bytesOf(Math.floor(rng.next() * 2 ** 32), kind === 'uploadSlow' ? Math.max(size, 300_000) : size, `crash-trial ${name} ${rng.next()}`)
      }
      if (kind === 'uploadSameName') {
        // A new file under the name of one in the bin: its later restore must rename ("x (1).bin").
        const e = g.binEntries().map((e) => g.nodes.get(e.rootId)).find((n) => n && n.kind === 'file' && g.certainlyVisible(n.parentId) && !g.busy.has(n.parentId))
        if (e) {
          parentId = e.parentId
          name = e.name
        }
      }
      const release = claim(`name:${parentId}/${name}`)
      const attemptKey = `${parentId}/${name}/${sha256(content)}`
      g.attempts.set(attemptKey, { content, sha: sha256(content), kind: 'file' })
      try {
        const q = new URLSearchParams({ parentId, name, onConflict: 'rename' })
        let body: Buffer | Readable = content
        if (kind === 'uploadSlow') {
          const chunk = Math.ceil(content.length / 12)
          let i = 0
          body = new Readable({
            read() {
              if (i * chunk >= content.length) return void this.push(null)
              const part = content.subarray(i * chunk, (i + 1) * chunk)
              i++
              setTimeout(() => {
                this.push(part)
                if (i === 2) {
                  s.uploadBodyStreaming++
                  s.onUploadStreaming?.()
                }
              }, 25)
            },
          })
        }
        const r = await send('PUT', `${g.sp('/files')}?${q}`, { body })
        if (r && acked(r)) {
          const n = r.json
          if (n.sha256 !== sha256(content) || n.sizeBytes !== content.length) s.unexpected.push(`upload ${name}: acknowledged with sha ${n.sha256} size ${n.sizeBytes}, sent ${sha256(content)} / ${content.length}`)
          g.nodes.set(n.id, { id: n.id, kind: 'file', parentId: n.parentId, name: n.name, states: new Set(['live']), content, sha: n.sha256, acked: true })
          g.stats.uploadsAcked++
          g.recentContents.push(content)
          if (g.recentContents.length > 40) g.recentContents.shift()
        }
      } finally {
        release()
      }
      return
    }
    case 'mkdir': {
      const parentId = rng.pick(g.liveFolders().filter((id) => g.depth(id) < 3))
      const name = g.nextName('d')
      g.attempts.set(`${parentId}/${name}/folder`, { content: Buffer.alloc(0), sha: '', kind: 'folder' })
      const r = await send('POST', g.sp('/folders'), { json: { parentId, name } })
      if (r && acked(r)) g.nodes.set(r.json.id, { id: r.json.id, kind: 'folder', parentId: r.json.parentId, name: r.json.name, states: new Set(['live']), acked: true })
      return
    }
    case 'uploadBatch': {
      // A folder of many small files: purging it later takes many batches, so a kill can land in the middle.
      const parentId = rng.pick(g.liveFolders().filter((id) => g.depth(id) < 2))
      const name = g.nextName('bulk')
      g.attempts.set(`${parentId}/${name}/folder`, { content: Buffer.alloc(0), sha: '', kind: 'folder' })
      const r = await send('POST', g.sp('/folders'), { json: { parentId, name } })
      if (!r || !acked(r)) return
      const folder: LNode = { id: r.json.id, kind: 'folder', parentId: r.json.parentId, name: r.json.name, states: new Set(['live']), acked: true }
      g.nodes.set(folder.id, folder)
      const release = claim(folder.id)
      try {
        for (let i = rng.int(6, 24); i > 0 && !s.stopped; i--) {
          const fname = g.nextName('b', '.bin')
          const content = bytesOf(Math.floor(rng.next() * 2 ** 32), rng.int(0, 3000), `crash-trial ${fname} ${rng.next()}`)
          g.attempts.set(`${folder.id}/${fname}/${sha256(content)}`, { content, sha: sha256(content), kind: 'file' })
          const u = await send('PUT', `${g.sp('/files')}?${new URLSearchParams({ parentId: folder.id, name: fname })}`, { body: content })
          if (u && acked(u)) {
            g.nodes.set(u.json.id, { id: u.json.id, kind: 'file', parentId: folder.id, name: u.json.name, states: new Set(['live']), content, sha: u.json.sha256, acked: true })
            g.stats.uploadsAcked++
          }
          if (!u) return
        }
      } finally {
        release()
      }
      return
    }
    case 'trash':
    case 'permanentDelete':
    case 'purgeBig': {
      const candidates = g.visibleNodes()
      if (!candidates.length) return runOp(s, rng, 'upload')
      // Folders are worth more: a trashed or purged folder takes its whole subtree with it.
      const folders = candidates.filter((n) => n.kind === 'folder')
      const size = (id: string) => [...g.nodes.values()].filter((x) => x.id !== id && g.chain(x.id).some((a) => a.id === id)).length
      const n =
        kind === 'purgeBig' && folders.length
          ? folders.map((f) => [f, size(f.id)] as const).sort((a, b) => b[1] - a[1])[0][0]
          : folders.length && rng.chance(0.35)
            ? rng.pick(folders)
            : rng.pick(candidates)
      const release = claim(n.id)
      try {
        const permanent = kind !== 'trash'
        const r = await send('DELETE', `${g.sp(`/nodes/${n.id}`)}${permanent ? '?permanent=true' : ''}`)
        if (r && acked(r)) {
          const e = g.addEntryFromWire(r.json.entry, new Set([permanent ? 'gone' : 'bin']))
          n.entryId = e.id
          n.states = new Set([permanent ? 'gone' : 'bin'])
          if (permanent) {
            e.purgedBy = `permanent delete (task ${r.json.purgeTaskId})`
            g.tasks.set(r.json.purgeTaskId, { id: r.json.purgeTaskId, entries: [e.id], cancelRequested: false })
            s.onPurgeAccepted?.()
          }
        } else if (!r) {
          n.states.add(permanent ? 'gone' : 'bin')
          if (!permanent) {
            n.pendingTrash = true
            n.pendingTrashAt = g.serverNow()
          }
        }
      } finally {
        release()
      }
      return
    }
    case 'restore':
    case 'restoreBatch': {
      const bin = g.binEntries()
      if (!bin.length) return runOp(s, rng, 'trash')
      const chosen = kind === 'restore' ? [rng.pick(bin)] : [...new Set(Array.from({ length: rng.int(2, 6) }, () => rng.pick(bin)))]
      const release = claim(...chosen.flatMap((e) => [`e${e.id}`, e.rootId]))
      try {
        const onMissingParent = rng.chance(0.8) ? 'recreate' : 'root'
        const r =
          kind === 'restore'
            ? await send('POST', g.sp(`/trash/${chosen[0].id}/restore`), { json: { onConflict: 'rename', onMissingParent } })
            : await send('POST', g.sp('/trash/restore'), { json: { entryIds: chosen.map((e) => e.id), onConflict: 'rename', onMissingParent } })
        if (r && acked(r)) {
          const outcomes: { entryId: string; status: string; nodeId?: string; parentId?: string; name?: string }[] = kind === 'restore' ? [r.json] : r.json.outcomes
          for (const o of outcomes) {
            const e = g.entries.get(o.entryId)
            if (!e || o.status !== 'restored') continue
            g.setEntryStatus(e, new Set(['restored']))
            const n = g.nodes.get(e.rootId)
            if (n) {
              n.parentId = o.parentId!
              n.name = o.name!
              n.entryId = undefined
              // Re-created folders (or the root) are new to the ledger; without them a later purge above could not be traced.
              if (!g.nodes.has(n.parentId) && n.parentId !== g.rootId && !g.learnAncestors(n.parentId)) n.states.add('gone')
            }
            g.entries.delete(e.id)
          }
        } else if (!r) {
          for (const e of chosen) g.widenEntry(e, 'restored')
        }
      } finally {
        release()
      }
      return
    }
    case 'deleteEntry':
    case 'deleteBatch': {
      const bin = g.binEntries().filter((e) => e.held !== true || rng.chance(0.3))
      if (!bin.length) return runOp(s, rng, 'trash')
      const chosen = kind === 'deleteEntry' ? [rng.pick(bin)] : [...new Set(Array.from({ length: rng.int(2, 12) }, () => rng.pick(bin)))]
      const release = claim(...chosen.flatMap((e) => [`e${e.id}`, e.rootId]))
      try {
        const r =
          kind === 'deleteEntry'
            ? await send('DELETE', g.sp(`/trash/${chosen[0].id}`))
            : await send('POST', g.sp('/trash/delete'), { json: { entryIds: [...chosen.map((e) => e.id), ...(rng.chance(0.3) ? ['999999999'] : [])] } })
        if (r && acked(r)) {
          const accepted = new Set<string>(r.json.accepted)
          for (const e of chosen) {
            if (accepted.has(e.id)) g.setEntryStatus(e, new Set(['gone']), `${kind} (task ${r.json.taskId})`)
            else if (e.held === false && e.expiresAt > g.serverNow() + 60_000) s.unexpected.push(`${kind}: entry ${e.id} (not held) was rejected: ${JSON.stringify(r.json.rejected)}`)
          }
          if (r.json.taskId) g.tasks.set(r.json.taskId, { id: r.json.taskId, entries: [...accepted], cancelRequested: false })
          if (accepted.size) s.onPurgeAccepted?.()
        } else if (!r) {
          for (const e of chosen) if (e.held !== true) g.widenEntry(e, 'gone', `unanswered ${kind}`)
        }
      } finally {
        release()
      }
      return
    }
    case 'empty': {
      await g.gate.withExclusive(async () => {
        if (s.stopped) return
        const targets = [...g.entries.values()].filter((e) => e.status.has('bin') && e.held !== true)
        const r = await send('POST', g.sp('/trash/empty'))
        if (r && acked(r)) {
          const sure = targets.filter((e) => e.status.size === 1 && e.held === false)
          for (const e of targets) {
            if (e.status.size === 1 && e.held === false) g.setEntryStatus(e, new Set(['gone']), `empty (task ${r.json.taskId})`)
            else g.widenEntry(e, 'gone', `empty (task ${r.json.taskId})`)
          }
          const certainBin = [...g.entries.values()].filter((e) => e.status.size === 1 && e.status.has('gone') && e.purgedBy === `empty (task ${r.json.taskId})`).length
          if (r.json.entries < sure.length || r.json.entries > targets.length) {
            s.unexpected.push(`empty: ${r.json.entries} entries emptied, the ledger expected between ${sure.length} and ${targets.length} (${certainBin} certain)`)
          }
          g.tasks.set(r.json.taskId, { id: r.json.taskId, entries: targets.map((e) => e.id), cancelRequested: false })
          if (r.json.entries) s.onPurgeAccepted?.()
        } else if (!r) {
          for (const e of targets) g.widenEntry(e, 'gone', 'unanswered empty')
        }
      })
      return
    }
    case 'hold':
    case 'release': {
      const bin = g.binEntries().filter((e) => (kind === 'hold' ? e.held === false : e.held === true))
      if (!bin.length) return
      const e = rng.pick(bin)
      const release = claim(`e${e.id}`, e.rootId)
      try {
        const r = await send('POST', g.sp(`/trash/${e.id}/${kind}`))
        if (r && acked(r)) e.held = kind === 'hold'
        else if (!r) e.held = null
        // A released entry already past its expiry is fair game for the next retention run (every second).
        if (kind === 'release' && (!r || acked(r)) && e.expiresAt <= g.serverNow() + 60_000) g.widenEntry(e, 'gone', 'retention after release')
      } finally {
        release()
      }
      return
    }
    case 'cancel': {
      const open = [...g.tasks.values()].filter((t) => !t.cancelRequested && !g.busy.has(`t${t.id}`))
      if (!open.length) return
      const t = open[open.length - 1 - Math.min(open.length - 1, rng.int(0, 2))]
      const release = claim(`t${t.id}`)
      try {
        const r = await send('POST', `${API}/tasks/${t.id}/cancel`)
        if (!r || acked(r)) {
          t.cancelRequested = true
          // Entries not yet started go back to the bin; a started folder purge finishes.
          for (const id of t.entries) {
            const e = g.entries.get(id)
            if (e && e.status.has('gone')) g.widenEntry(e, 'bin')
          }
        }
      } finally {
        release()
      }
      return
    }
    case 'shortenRetention': {
      if (g.retentionShortened) return runOp(s, rng, 'upload')
      const r = await send('PATCH', g.sp(), { json: { retentionDays: 1 } })
      if (r && acked(r)) g.retentionShortened = true
      return
    }
  }
}

function pickOp(g: Generation, rng: Rng): OpKind {
  const files = [...g.nodes.values()].filter((n) => n.kind === 'file').length
  const many = files > 250
  return rng.weighted<OpKind>({
    upload: many ? 10 : 30,
    uploadSlow: 2,
    uploadDuplicate: 6,
    uploadSameName: 3,
    mkdir: 7,
    uploadBatch: many ? 1 : 4,
    purgeBig: 1,
    trash: many ? 30 : 18,
    permanentDelete: 5,
    restore: 8,
    restoreBatch: 3,
    deleteEntry: 4,
    deleteBatch: many ? 10 : 5,
    empty: many ? 4 : 2,
    hold: 2,
    release: 2,
    cancel: 2,
    shortenRetention: g.retentionShortened ? 0 : 3,
  })
}

// ---------------------------------------------------------------------------------------------------------------------
// One session: drive load, then SIGKILL

type Trigger = 'timer' | 'after-purge-accepted' | 'mid-upload-body'

interface KillRecord {
  trigger: Trigger
  delayMs: number
  inFlight: OpKind[]
  /** An accepted task with work was unfinished at the kill. */
  midTask: boolean | null
  /** … and had already done part of it (done > 0, done < total). */
  midTaskPartway: boolean
  staging: number
}

async function driveAndKill(g: Generation, rng: Rng): Promise<KillRecord> {
  const trigger = rng.weighted<Trigger>({ timer: 55, 'after-purge-accepted': 30, 'mid-upload-body': 15 })
  const s: Session = { gen: g, stopped: false, inFlight: new Map(), opSeq: 0, uploadBodyStreaming: 0, unexpected: [] }
  const t0 = Date.now()
  const workers: Promise<void>[] = []
  let killAt: () => void = () => undefined
  const killed = new Promise<void>((resolve) => (killAt = resolve))

  // The kill itself: after a random delay, or shortly after an event.
  const delay = rng.int(150, 2500)
  const postEventDelay = rng.int(0, 120)
  const fallback = setTimeout(() => killAt(), trigger === 'timer' ? delay : 6000)
  if (trigger === 'after-purge-accepted') s.onPurgeAccepted = () => void sleep(postEventDelay).then(() => killAt())
  if (trigger === 'mid-upload-body') s.onUploadStreaming = () => void sleep(postEventDelay).then(() => killAt())

  const worker = async (wrng: Rng, role: 'mixed' | 'purger' | 'slow') => {
    while (!s.stopped) {
      let kind: OpKind
      if (role === 'purger') {
        await sleep(wrng.int(200, 1200))
        if (s.stopped) return
        // Something big to free: the biggest folder to the bin (or straight to a purge), then empty or delete.
        if (g.binEntries().length < 3) kind = wrng.weighted<OpKind>({ trash: 3, purgeBig: 1, uploadBatch: 1 })
        else kind = wrng.weighted<OpKind>({ empty: 3, deleteBatch: 3, deleteEntry: 1, purgeBig: 2 })
      } else if (role === 'slow') {
        await sleep(wrng.int(50, 500))
        if (s.stopped) return
        kind = 'uploadSlow'
      } else kind = pickOp(g, wrng)
      const w = kind === 'empty' ? runOp(s, wrng, kind) : g.gate.withShared(() => runOp(s, wrng, kind))
      await w.catch((e) => {
        if (!(e instanceof NoAnswer)) s.unexpected.push(`operation ${kind} threw: ${(e as Error).stack ?? e}`)
      })
    }
  }
  // Each worker's choices come from its own fork of the trial's generator.
  const roles: ('mixed' | 'purger' | 'slow')[] = Array.from({ length: g.opts.concurrency }, () => 'mixed' as const)
  if (trigger === 'after-purge-accepted') roles.push('purger')
  if (trigger === 'mid-upload-body') roles.push('slow')
  for (const role of roles) workers.push(worker(rng.fork(), role))
  await killed
  clearTimeout(fallback)
  // No new request from here on; those in flight stay in flight until the process dies under them.
  s.stopped = true
  const inFlight = [...s.inFlight.values()]
  const delayMs = Date.now() - t0
  // A server that died before our signal crashed by itself: that is a failure, not a trial.
  if (g.server!.exitedUnexpectedly) throw new TrialFailure(`the server ${g.server!.exitedUnexpectedly} under load, before the kill\nstderr:\n${g.server!.stderr.slice(-3000)}`)
  await g.server!.kill('SIGKILL')
  await Promise.all(workers)
  if (s.unexpected.length) throw new TrialFailure(`during the load: ${s.unexpected.join('\n  ')}`)

  // What the dead process left: a task part-way, staging of an upload in progress.
  let midTask: boolean | null = null
  let midTaskPartway = false
  try {
    const db = new Database(path.join(g.dataDir, 'trove.sqlite'), { readonly: true, fileMustExist: true })
    try {
      const row = db.prepare(`select count(*) as n from tasks where state = 'Running' and (kind <> ? or total > 0)`).get(RETENTION_KIND) as { n: number }
      midTask = row.n > 0
      const part = db.prepare(`select count(*) as n from tasks where state = 'Running' and done > 0 and done < total`).get() as { n: number }
      midTaskPartway = part.n > 0
    } finally {
      db.close()
    }
  } catch {
    midTask = null
  }
  const staging = (await fsp.readdir(path.join(g.dataDir, 'blobs', 'staging')).catch(() => [] as string[])).length
  return { trigger, delayMs, inFlight, midTask, midTaskPartway, staging }
}

// ---------------------------------------------------------------------------------------------------------------------
// After a restart: wait, observe, compare with the ledger

interface WireNode {
  id: string
  parentId: string
  name: string
  kind: 'file' | 'folder'
  sizeBytes: number
  itemCount: number
  sha256: string | null
}

interface WireEntry {
  id: string
  nodeId: string
  name: string
  kind: 'file' | 'folder'
  sizeBytes: number
  held: boolean
  expiresAt: string
  originalPath: string
}

async function pages<T>(g: Generation, url: string, key = 'items'): Promise<T[]> {
  const out: T[] = []
  let cursor: string | null = null
  for (;;) {
    const sep = url.includes('?') ? '&' : '?'
    const r = await g.req('GET', `${url}${sep}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    if (r.status !== 200) throw new TrialFailure(`GET ${url}: ${r.status} ${r.body.toString('utf8').slice(0, 300)}`)
    out.push(...(r.json[key] as T[]))
    cursor = r.json.nextCursor
    if (!cursor) return out
  }
}

async function walkTree(g: Generation): Promise<Map<string, WireNode>> {
  const visible = new Map<string, WireNode>()
  const queue = [g.rootId]
  while (queue.length) {
    const id = queue.shift()!
    for (const n of await pages<WireNode>(g, g.sp(`/folders/${id}/children?sort=name`))) {
      if (visible.has(n.id)) throw new TrialFailure(`node ${n.id} listed twice`)
      visible.set(n.id, n)
      if (n.kind === 'folder') queue.push(n.id)
    }
  }
  return visible
}

async function runningTasks(g: Generation): Promise<{ id: string; kind: string }[]> {
  const r = await g.req('GET', `${API}/tasks?state=Running&limit=500`)
  if (r.status !== 200) throw new TrialFailure(`GET /tasks: ${r.status}`)
  return r.json.items
}

async function waitQuiet(g: Generation, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const running = await runningTasks(g)
    if (!running.length) return
    if (Date.now() > deadline) throw new TrialFailure(`${what}: tasks still Running after ${timeoutMs / 1000} s: ${JSON.stringify(running.slice(0, 5))}`)
    await sleep(60)
  }
}

async function allTasks(g: Generation): Promise<{ id: string; kind: string; state: string; total: number; done: number; failed: number; failures: unknown[]; cancelRequested: boolean }[]> {
  const out: Awaited<ReturnType<typeof allTasks>> = []
  let before = ''
  for (;;) {
    const r = await g.req('GET', `${API}/tasks?limit=500${before}`)
    if (r.status !== 200) throw new TrialFailure(`GET /tasks: ${r.status}`)
    out.push(...r.json.items)
    if (r.json.items.length < 500) return out
    before = `&before=${r.json.items.at(-1).id}`
  }
}

async function fsckClean(g: Generation, what: string): Promise<void> {
  g.stats.fsckRuns++
  const r = await runCli(['fsck', '--json'], { TROVE_DATA_DIR: g.dataDir, TROVE_CLOCK_OFFSET_MS: String(g.offsetMs) })
  let report: { ok: boolean; summary: string; problems: { kind: string; message: string }[] } | null = null
  try {
    report = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '')
  } catch {
    report = null
  }
  if (report) g.stats.orphanBlobsSeen += report.problems.filter((p) => p.kind === 'orphan_blob').length
  if (r.code !== 0 || !report?.ok) {
    const problems = report ? report.problems.map((p) => `${p.kind}: ${p.message}`).join('\n    ') : `${r.stdout}\n${r.stderr}`
    throw new TrialFailure(`${what}: bin/trove fsck --json exited ${r.code}: ${report?.summary ?? ''}\n    ${problems}`)
  }
  g.stats.fsckClean++
}

/** The whole check after a restart. Afterwards the ledger is certain again (it equals what was observed). */
async function verify(g: Generation, trial: number, opts: { restoreAll?: boolean } = {}): Promise<void> {
  const problems: string[] = []
  const fail = (m: string) => problems.push(m)

  await waitQuiet(g, 'after the restart')
  // Retention: entries past their expiry (the clock may have jumped) must go, and only those.
  const margin = 60_000
  const deadline = Date.now() + 60_000
  let bin: WireEntry[]
  for (;;) {
    bin = await pages<WireEntry>(g, g.sp('/trash?sort=removed'))
    const due = bin.filter((e) => !e.held && Date.parse(e.expiresAt) <= g.serverNow() - margin)
    if (!due.length) break
    if (Date.now() > deadline) throw new TrialFailure(`retention: ${due.length} expired unheld entries still in the bin 60 s after the restart (e.g. ${JSON.stringify(due[0])})`)
    await sleep(100)
  }
  await waitQuiet(g, 'after the retention purge')
  bin = await pages<WireEntry>(g, g.sp('/trash?sort=removed'))
  const now = g.serverNow()
  for (const e of g.entries.values()) {
    if (!e.status.has('bin')) continue
    if (e.held === false && e.expiresAt <= now - margin) {
      if (e.status.size === 1) g.setEntryStatus(e, new Set(['gone']), 'retention')
      else g.widenEntry(e, 'gone', 'retention')
    } else if (e.held !== true && e.expiresAt <= now + margin) g.widenEntry(e, 'gone', 'retention')
  }
  // An unanswered trash may have made an entry the ledger never saw; after a clock jump retention may have taken it.
  for (const n of g.nodes.values()) {
    if (n.pendingTrash && n.pendingTrashAt !== undefined && n.pendingTrashAt + DAY_MS <= now + margin) n.states.add('gone')
  }

  const visible = await walkTree(g)
  const binByNode = new Map(bin.map((e) => [e.nodeId, e]))
  const binById = new Map(bin.map((e) => [e.id, e]))

  // Adopt what unanswered requests created: uploads and folders we sent (recognised by parent, name and bytes), folders
  // a restore re-created, bin entries of an unanswered trash.
  for (const w of visible.values()) {
    if (g.nodes.has(w.id)) continue
    const base = w.name.replace(/ \(\d+\)(\.[^.]*)?$/, '$1')
    if (w.kind === 'file') {
      const a = g.attempts.get(`${w.parentId}/${w.name}/${w.sha256}`) ?? g.attempts.get(`${w.parentId}/${base}/${w.sha256}`)
      if (!a) {
        fail(`unknown visible file ${w.id} "${w.name}" (${w.sizeBytes} bytes, parent ${w.parentId}): no upload was sent with that name and content`)
        continue
      }
      g.nodes.set(w.id, { id: w.id, kind: 'file', parentId: w.parentId, name: w.name, states: new Set(['live']), content: a.content, sha: a.sha, acked: false })
      g.stats.unansweredUploadsLanded++
    } else {
      const sent = g.attempts.has(`${w.parentId}/${w.name}/folder`)
      const recreated = [...g.nodes.values()].some((n) => n.kind === 'folder' && n.name === base) || [...g.attempts.keys()].some((k) => k.endsWith(`/${base}/folder`))
      if (!sent && !recreated) fail(`unknown visible folder ${w.id} "${w.name}"`)
      g.nodes.set(w.id, { id: w.id, kind: 'folder', parentId: w.parentId, name: w.name, states: new Set(['live']), acked: false })
    }
  }
  for (const e of bin) {
    if (g.entries.has(e.id)) continue
    const n = g.nodes.get(e.nodeId)
    if (n?.pendingTrash) g.addEntryFromWire(e, new Set(['bin']))
    else fail(`unknown bin entry ${e.id} for node ${e.nodeId} "${e.name}" (${e.originalPath}): nothing the ledger sent makes it`)
  }

  // Observed state of every node the ledger knows. The API shows nothing below a bin entry (by design), so whether
  // such a node still exists is read from the database (read-only; the server is idle).
  const unseen = [...g.nodes.keys()].filter((id) => !binByNode.has(id) && !visible.has(id))
  const rows = new Map<string, string>()
  /** For nodes that exist unseen: the bin entry root above them, by the database's own parent chain. */
  const binnedAbove = new Map<string, string | null>()
  try {
    const db = new Database(path.join(g.dataDir, 'trove.sqlite'), { readonly: true, fileMustExist: true })
    try {
      for (let i = 0; i < unseen.length; i += 500) {
        const ids = unseen.slice(i, i + 500).map(Number)
        const found = db.prepare(`select id, state from nodes where id in (${ids.map(() => '?').join(',')})`).all(...ids) as { id: number; state: string }[]
        for (const r of found) rows.set(String(r.id), r.state)
      }
      const parentOf = db.prepare('select parent_id from nodes where id = ?')
      for (const id of rows.keys()) {
        let above: string | null = null
        for (let p = (parentOf.get(Number(id)) as { parent_id: number | null } | undefined)?.parent_id, hops = 0; p != null && hops < 64; hops++) {
          if (binByNode.has(String(p))) {
            above = String(p)
            break
          }
          p = (parentOf.get(p) as { parent_id: number | null } | undefined)?.parent_id
        }
        binnedAbove.set(id, above)
      }
    } finally {
      db.close()
    }
  } catch (e) {
    throw new TrialFailure(`could not read the node table: ${(e as Error).message}`)
  }
  const observed = new Map<string, Own | 'hidden'>()
  for (const id of g.nodes.keys()) {
    if (binByNode.has(id)) observed.set(id, 'bin')
    else if (visible.has(id)) observed.set(id, 'live')
    else if (rows.has(id)) {
      observed.set(id, 'hidden')
      if (rows.get(id) !== 'live') fail(`node ${id} is ${rows.get(id)} in the database but neither visible nor in the bin`)
    } else observed.set(id, 'gone')
  }
  const obs = (id: string) => observed.get(id)!
  const mayBeGone = (n: LNode): string | null => {
    for (const a of g.chain(n.id)) {
      if (a.states.has('gone')) {
        const e = a.entryId ? g.entries.get(a.entryId) : undefined
        const by = e?.purgedBy ?? (a.pendingTrash ? 'retention of the entry of an unanswered trash' : 'purge')
        return `${a.id === n.id ? 'itself' : `ancestor ${a.id}`}: ${by}`
      }
    }
    return null
  }
  const describe = (n: LNode) => `${n.kind} ${n.id} "${n.name}"${n.acked ? '' : ' (landed without an answer)'}`
  for (const n of g.nodes.values()) {
    const o = obs(n.id)
    const expected = [...n.states].join('|')
    if (o === 'live') {
      if (!n.states.has('live')) fail(`${describe(n)} is visible; expected ${expected}`)
      else {
        const w = visible.get(n.id)!
        if (n.kind === 'file' && (w.sha256 !== n.sha || w.sizeBytes !== n.content!.length)) fail(`${describe(n)}: listed with sha ${w.sha256} and ${w.sizeBytes} bytes, uploaded ${n.sha} and ${n.content!.length}`)
      }
    } else if (o === 'hidden') {
      if (!n.states.has('live')) fail(`${describe(n)} lies under a bin entry; expected ${expected}`)
      else if (!binnedAbove.get(n.id)) fail(`${describe(n)} exists but is neither visible nor below a bin entry`)
    } else if (o === 'bin') {
      const e = binByNode.get(n.id)!
      if (!n.states.has('bin')) fail(`${describe(n)} is in the bin (entry ${e.id}); expected ${expected}`)
      else if (n.entryId && n.entryId !== e.id && !n.pendingTrash) fail(`${describe(n)} is in the bin as entry ${e.id}; the ledger knows it as entry ${n.entryId}`)
    } else {
      const why = mayBeGone(n)
      if (!why) fail(`${describe(n)} is GONE: not visible, not in the bin, and no acknowledged purge took it (expected ${expected}; ledger chain ${g.chain(n.id).map((a) => `${a.id}:${[...a.states].join('|')}`).join(' < ')})`)
      else if (n.kind === 'file' && n.acked) {
        const certain = g.chain(n.id).some((a) => a.states.size === 1 && a.states.has('gone'))
        if (certain && !g.purgesCounted.has(n.id)) {
          g.purgesCounted.add(n.id)
          g.stats.purgesVerified++
          if (why.includes('retention')) g.stats.retentionPurgesVerified++
        }
      }
    }
  }
  for (const e of g.entries.values()) {
    const w = binById.get(e.id)
    if (!w) continue
    if (e.held !== null && w.held !== e.held) fail(`bin entry ${e.id}: held=${w.held}, the ledger expected ${e.held}`)
    if (w.sizeBytes !== e.sizeBytes) fail(`bin entry ${e.id}: ${w.sizeBytes} bytes, ${e.sizeBytes} when trashed`)
    if (Date.parse(w.expiresAt) !== e.expiresAt) fail(`bin entry ${e.id}: expires ${w.expiresAt}, ${new Date(e.expiresAt).toISOString()} when trashed`)
  }

  // Tasks: every one we were given finished as it should; none failed.
  const tasks = await allTasks(g)
  const byId = new Map(tasks.map((t) => [t.id, t]))
  for (const t of tasks) {
    if (t.state === 'Running') fail(`task ${t.id} (${t.kind}) still Running`)
    if (t.state === 'Failed' || t.state === 'PartialSucceed') fail(`task ${t.id} (${t.kind}) ended ${t.state}: ${JSON.stringify(t.failures).slice(0, 400)}`)
  }
  for (const lt of g.tasks.values()) {
    const t = byId.get(lt.id)
    if (!t) fail(`task ${lt.id} was accepted but GET /tasks does not list it`)
    else if (!(t.state === 'Succeed' || (lt.cancelRequested && t.state === 'Cancelled'))) fail(`task ${lt.id} (${t.kind}) ended ${t.state}${lt.cancelRequested ? ' (we cancelled it)' : ''}`)
    else if (t.state === 'Succeed' && t.done !== t.total) fail(`task ${lt.id} Succeed with done ${t.done} of ${t.total}`)
  }
  // The API hides tasks of no library (retention); read the database for those, read-only.
  try {
    const db = new Database(path.join(g.dataDir, 'trove.sqlite'), { readonly: true, fileMustExist: true })
    try {
      const bad = db.prepare(`select id, kind, state, failures from tasks where state in ('Failed', 'PartialSucceed')`).all() as { id: number; kind: string; state: string; failures: string }[]
      for (const t of bad) if (!byId.has(String(t.id))) fail(`task ${t.id} (${t.kind}) ended ${t.state}: ${String(t.failures).slice(0, 300)}`)
    } finally {
      db.close()
    }
  } catch (e) {
    fail(`could not read the task table: ${(e as Error).message}`)
  }

  // Quota: the counters equal what is visible plus what is in the bin.
  const usage = (await g.req('GET', g.sp('/usage'))).json
  const liveBytes = [...visible.values()].filter((n) => n.kind === 'file').reduce((s, n) => s + n.sizeBytes, 0)
  const trashBytes = bin.reduce((s, e) => s + e.sizeBytes, 0)
  if (usage.liveBytes !== liveBytes) fail(`usage.liveBytes ${usage.liveBytes}, visible files hold ${liveBytes}`)
  if (usage.trashBytes !== trashBytes) fail(`usage.trashBytes ${usage.trashBytes}, bin entries hold ${trashBytes}`)
  if (usage.trashEntries !== bin.length) fail(`usage.trashEntries ${usage.trashEntries}, the bin lists ${bin.length}`)
  if (usage.usedBytes !== liveBytes + trashBytes) fail(`usage.usedBytes ${usage.usedBytes}, visible + bin = ${liveBytes + trashBytes}`)
  const binTotal = (await g.req('GET', g.sp('/trash?limit=1'))).json.total
  if (binTotal !== bin.length) fail(`bin total ${binTotal}, ${bin.length} listed`)
  const rootFolder = (await g.req('GET', g.sp(`/nodes/${g.rootId}`))).json
  if (rootFolder.sizeBytes !== liveBytes) fail(`root folder aggregate ${rootFolder.sizeBytes} bytes, visible files hold ${liveBytes}`)

  // Bytes: every visible file downloads exactly; fsck runs meanwhile (both only read).
  const files = [...g.nodes.values()].filter((n) => n.kind === 'file' && observed.get(n.id) === 'live')
  const fsckRun = fsckClean(g, `trial ${trial}`).then(
    () => null,
    (e: Error) => e.message,
  )
  await pool(files, 6, async (n) => {
    const r = await g.req('GET', g.sp(`/nodes/${n.id}/content`))
    g.stats.downloads++
    if (r.status !== 200) return fail(`${describe(n)}: download ${r.status} ${r.body.toString('utf8').slice(0, 200)}`)
    if (!r.body.equals(n.content!)) return fail(`${describe(n)}: downloaded ${r.body.length} bytes (sha ${sha256(r.body)}) differ from the ${n.content!.length} uploaded (sha ${n.sha})`)
    if (r.headers.get('etag') !== `"${n.sha}"`) fail(`${describe(n)}: etag ${r.headers.get('etag')}`)
  })
  const fsckProblem = await fsckRun
  if (fsckProblem) fail(fsckProblem)
  if (problems.length) throw new TrialFailure(problems.join('\n  '))

  // Count what this check proved, then make the ledger certain: it is what we saw.
  for (const n of g.nodes.values()) if (n.kind === 'file' && n.acked && observed.get(n.id) !== 'gone') g.verifiedUploads.add(n.id)
  for (const [id, n] of g.nodes) {
    const o = observed.get(id)!
    if (o === 'gone') {
      g.nodes.delete(id)
      continue
    }
    n.states = new Set([o === 'hidden' ? 'live' : o])
    n.pendingTrash = false
    n.pendingTrashAt = undefined
    n.entryId = o === 'bin' ? binByNode.get(id)!.id : undefined
    const w = visible.get(id)
    if (w) {
      n.parentId = w.parentId
      n.name = w.name
    }
  }
  for (const [id, e] of g.entries) {
    const w = binById.get(id)
    if (!w) g.entries.delete(id)
    else {
      e.status = new Set(['bin'])
      e.held = w.held
      e.purgedBy = undefined
    }
  }
  for (const [id, t] of g.tasks) if (byId.get(id)?.state !== 'Running') g.tasks.delete(id)
  const space = (await g.req('GET', g.sp())).json
  g.retentionShortened = space.retentionDays === 1

  if (opts.restoreAll) await restoreEverything(g, trial)
}

/** End of a generation: everything in the bin comes back, and every file downloads once more. */
async function restoreEverything(g: Generation, trial: number): Promise<void> {
  const bin = await pages<WireEntry>(g, g.sp('/trash?sort=removed'))
  for (let i = 0; i < bin.length; i += 1000) {
    const ids = bin.slice(i, i + 1000).map((e) => e.id)
    const r = await g.req('POST', g.sp('/trash/restore'), { json: { entryIds: ids, onConflict: 'rename', onMissingParent: 'recreate' } })
    if (r.status !== 200) throw new TrialFailure(`final restore: ${r.status} ${r.body.toString('utf8').slice(0, 300)}`)
    const failed = r.json.outcomes.filter((o: { status: string }) => o.status !== 'restored')
    if (failed.length) throw new TrialFailure(`final restore: ${failed.length} entries not restored: ${JSON.stringify(failed.slice(0, 3))}`)
  }
  const visible = await walkTree(g)
  const problems: string[] = []
  const files = [...g.nodes.values()].filter((n) => n.kind === 'file')
  for (const n of files) if (!visible.has(n.id)) problems.push(`file ${n.id} "${n.name}" is not visible after restoring the whole bin`)
  await pool(files.filter((n) => visible.has(n.id)), 6, async (n) => {
    const r = await g.req('GET', g.sp(`/nodes/${n.id}/content`))
    g.stats.downloads++
    if (r.status !== 200 || !r.body.equals(n.content!)) problems.push(`file ${n.id} "${n.name}": after restoring the bin it downloads ${r.status} with ${r.body.length} bytes, uploaded ${n.content!.length}`)
  })
  const usage = (await g.req('GET', g.sp('/usage'))).json
  const live = [...visible.values()].filter((n) => n.kind === 'file').reduce((s, n) => s + n.sizeBytes, 0)
  if (usage.trashEntries !== 0 || usage.trashBytes !== 0 || usage.liveBytes !== live) problems.push(`usage after restoring everything: ${JSON.stringify(usage)}, visible ${live}`)
  const f = await fsckClean(g, `trial ${trial} (after restoring the whole bin)`).then(
    () => null,
    (e: Error) => e.message,
  )
  if (f) problems.push(f)
  if (problems.length) throw new TrialFailure(problems.join('\n  '))
}

async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++])
    }),
  )
}

// ---------------------------------------------------------------------------------------------------------------------
// The run

export interface Summary {
  ok: boolean
  seed: number
  stats: Stats
  failures: Failure[]
  keptDataDirs: string[]
  durationMs: number
  machine: string
}

export async function runCrashTrials(opts: Options, log: (s: string) => void): Promise<Summary> {
  const t0 = Date.now()
  const rng = new Rng(opts.seed)
  const stats: Stats = {
    trials: 0,
    generations: 0,
    killsMidRequest: 0,
    killsMidTask: 0,
    killsMidTaskPartway: 0,
    killsMidUploadBody: 0,
    killsByTrigger: {},
    clockJumps: 0,
    requestsAcked: 0,
    requestsRejected: 0,
    requestsUnanswered: 0,
    uploadsAcked: 0,
    uploadsVerified: 0,
    unansweredUploadsLanded: 0,
    downloads: 0,
    purgesVerified: 0,
    retentionPurgesVerified: 0,
    fsckRuns: 0,
    fsckClean: 0,
    orphanBlobsSeen: 0,
  }
  const failures: Failure[] = []
  const kept: string[] = []
  let trial = 0
  let genIndex = 0
  while (trial < opts.trials) {
    genIndex++
    stats.generations++
    const length = Math.min(opts.trials - trial, rng.int(3, 7))
    const grng = rng.fork()
    const dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), `trove-crash-s${opts.seed}-g${genIndex}-`))
    const g = new Generation(genIndex, dataDir, opts, stats, log)
    let failed = false
    try {
      await g.startServer()
      for (let k = 0; k < length; k++) {
        trial++
        stats.trials++
        const trng = grng.fork()
        const kill = await driveAndKill(g, trng)
        stats.killsByTrigger[kill.trigger] = (stats.killsByTrigger[kill.trigger] ?? 0) + 1
        if (kill.inFlight.length) stats.killsMidRequest++
        if (kill.midTask) stats.killsMidTask++
        if (kill.midTaskPartway) stats.killsMidTaskPartway++
        if (kill.inFlight.includes('uploadSlow') && kill.trigger === 'mid-upload-body') stats.killsMidUploadBody++
        // Sometimes the restarted process's clock runs days ahead: the bin's retention purge then has work.
        if (g.retentionShortened && trng.chance(0.35)) {
          g.offsetMs += 2 * DAY_MS + trng.int(0, 12) * 3_600_000
          stats.clockJumps++
        }
        const t1 = Date.now()
        await g.startServer()
        const t2 = Date.now()
        if (g.server!.exitedUnexpectedly) throw new TrialFailure(`server ${g.server!.exitedUnexpectedly}`)
        await verify(g, trial, { restoreAll: k === length - 1 })
        log(
          `trial ${String(trial).padStart(3)} gen ${genIndex} ok: kill ${kill.trigger} after ${kill.delayMs} ms, in flight [${kill.inFlight.join(',')}]` +
            `${kill.midTask ? `, task running${kill.midTaskPartway ? ' part-way' : ''}` : ''}${kill.staging ? `, ${kill.staging} staging` : ''}; ${g.nodes.size} nodes, ${g.entries.size} in bin, clock +${Math.round(g.offsetMs / 3_600_000)} h` +
            (opts.verbose ? `; restart ${t2 - t1} ms, check ${Date.now() - t2} ms` : ''),
        )
      }
      await g.server!.kill('SIGTERM')
    } catch (e) {
      failed = true
      const message = e instanceof TrialFailure ? e.message : ((e as Error).stack ?? String(e))
      failures.push({ trial, generation: genIndex, message })
      const said = [...(g.server?.logs() ?? []), ...(g.server?.stderr.trim() ? [g.server.stderr.slice(-2000)] : [])]
      log(`trial ${trial} gen ${genIndex} FAILED (seed ${opts.seed}, data dir ${dataDir}):\n  ${message}${said.length ? `\n  the server logged:\n    ${said.join('\n    ')}` : ''}`)
      failures.at(-1)!.message += said.length ? `\n  the server logged:\n    ${said.join('\n    ')}` : ''
      await g.server?.kill('SIGKILL')
      // The rest of this generation's trials are not run: its ledger can no longer be trusted.
    }
    stats.uploadsVerified += g.verifiedUploads.size
    if (failed || opts.keepData) kept.push(dataDir)
    else await fsp.rm(dataDir, { recursive: true, force: true })
    if (failed && opts.failFast) break
  }
  return { ok: failures.length === 0, seed: opts.seed, stats, failures, keptDataDirs: [...new Set(kept)], durationMs: Date.now() - t0, machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}` }
}

function table(s: Summary): string {
  const st = s.stats
  const rows: [string, string][] = [
    ['seed', String(s.seed)],
    ['trials (kills)', String(st.trials)],
    ['generations (data dirs)', String(st.generations)],
    ['kills mid-request', String(st.killsMidRequest)],
    ['kills mid-task (of which part-way)', `${st.killsMidTask} (${st.killsMidTaskPartway})`],
    ['kills mid-upload-body', String(st.killsMidUploadBody)],
    ['kill triggers', Object.entries(st.killsByTrigger).map(([k, v]) => `${k} ${v}`).join(', ')],
    ['clock jumps (retention)', String(st.clockJumps)],
    ['requests acked / rejected / unanswered', `${st.requestsAcked} / ${st.requestsRejected} / ${st.requestsUnanswered}`],
    ['uploads acked', String(st.uploadsAcked)],
    ['uploads verified after a crash', String(st.uploadsVerified)],
    ['unanswered uploads that landed', String(st.unansweredUploadsLanded)],
    ['downloads compared byte for byte', String(st.downloads)],
    ['purges verified (of which retention)', `${st.purgesVerified} (${st.retentionPurgesVerified})`],
    ['fsck clean / runs', `${st.fsckClean} / ${st.fsckRuns}`],
    ['orphan blobs fsck reported', String(st.orphanBlobsSeen)],
    ['failures', String(s.failures.length)],
    ['time', `${(s.durationMs / 1000).toFixed(1)} s`],
  ]
  const w = Math.max(...rows.map(([k]) => k.length))
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n')
}

async function main(): Promise<void> {
  let opts: Options
  try {
    opts = parseArgs(process.argv.slice(2))
  } catch (e) {
    process.stderr.write(`crash-trials: ${(e as Error).message}\n`)
    process.exit(2)
  }
  const log = (line: string) => {
    if (!opts.json || opts.verbose) process.stderr.write(line + '\n')
  }
  log(`crash trials: ${opts.trials} trials, seed ${opts.seed}`)
  const summary = await runCrashTrials(opts, log)
  if (opts.json) process.stdout.write(JSON.stringify(summary) + '\n')
  else {
    process.stdout.write(table(summary) + '\n')
    for (const f of summary.failures) process.stdout.write(`\nFAILED trial ${f.trial} (generation ${f.generation}):\n  ${f.message}\n`)
    if (summary.keptDataDirs.length) process.stdout.write(`\ndata directories kept: ${summary.keptDataDirs.join(' ')}\n`)
    if (!summary.ok) process.stdout.write(`\nreproduce with: npm run test:crash -- --trials ${opts.trials} --seed ${opts.seed}\n`)
  }
  process.exitCode = summary.ok ? 0 : 1
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main()
