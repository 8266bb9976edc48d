/**
 * Shared machinery of the benchmark suite: temporary data directories, the real server (in this process or as a child
 * process), an HTTP client, percentiles, machine facts, /proc memory readings and fast bulk population.
 *
 * Bulk population writes rows with prepared better-sqlite3 statements on a second connection to the same SQLite file
 * (WAL, synchronous=OFF for that connection only, large transactions), but keeps every invariant the services keep:
 * closure rows (including the depth-0 self row) for every node, maintained folder sizes and counts, space counters,
 * blob reference counts with the bytes on disk, and for bin entries a `trashed` root node pointing at a complete
 * recycle_entries row. `verifyInvariants` checks all of that with SQL after population.
 */
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { buildContainer, type Container } from '../src/app/container.ts'
import { buildApp } from '../src/http/build-app.ts'
import { loadConfig } from '../src/config/load-config.ts'
import type { Actor } from '../src/access/grants.ts'

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
export const DAY_MS = 86_400_000
export const KiB = 1024
export const MiB = 1024 * KiB
export const GiB = 1024 * MiB

// ---------------------------------------------------------------------------------------------------------------
// The shape of a benchmark and its result
// ---------------------------------------------------------------------------------------------------------------

export type Scale = 'small' | 'full'

export interface BenchContext {
  scale: Scale
  /** Where temporary data directories go (same filesystem as the blob store under test). */
  tmpRoot: string
  /** Check every population with SQL (on by default). */
  verify: boolean
  /** Drop the page cache before raw/HTTP reads (root only; off by default because it disturbs other work). */
  dropCaches: boolean
  log(msg: string): void
}

export interface Row {
  metric: string
  value: string
  target: string
  /** true: target met, false: missed, null: no target (a figure for information). */
  ok: boolean | null
}

export interface BenchResult {
  rows: Row[]
  notes: string[]
}

export interface Benchmark {
  name: string
  title: string
  run(ctx: BenchContext): Promise<BenchResult>
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------------------------

/** Linear interpolation between closest ranks; `p` in [0, 100]. */
export function percentile(samples: readonly number[], p: number): number {
  if (!samples.length) return NaN
  const s = [...samples].sort((a, b) => a - b)
  const rank = (p / 100) * (s.length - 1)
  const lo = Math.floor(rank)
  const hi = Math.ceil(rank)
  return s[lo] + (s[hi] - s[lo]) * (rank - lo)
}

export interface Summary {
  n: number
  p50: number
  p95: number
  min: number
  max: number
  mean: number
}

export function summarize(samples: readonly number[]): Summary {
  return {
    n: samples.length,
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    min: Math.min(...samples),
    max: Math.max(...samples),
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
  }
}

export const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2))
export const mb = (bytes: number) => (bytes / 1e6).toFixed(1)
export const mib = (bytes: number) => (bytes / MiB).toFixed(1)
export const int = (n: number) => Math.round(n).toLocaleString('en-US')
export const ratio = (v: number) => `${v.toFixed(2)}×`
export const pct = (v: number) => `${(v * 100).toFixed(0)}%`

export function now(): number {
  return performance.now()
}

/** Seeded PRNG (mulberry32) so every run populates the same data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Machine facts and /proc readings
// ---------------------------------------------------------------------------------------------------------------

export function cpuModel(): string {
  try {
    const line = fs
      .readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'))
    if (line) return line.split(':').slice(1).join(':').trim()
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown'
}

/** The mount (device, type) that holds `dir`. */
export function filesystemOf(dir: string): string {
  try {
    const mounts = fs
      .readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' '))
      .filter((p) => p.length > 2)
    const real = fs.realpathSync(dir)
    let best: string[] | null = null
    for (const m of mounts) {
      const mp = m[1]
      if ((real === mp || real.startsWith(mp.endsWith('/') ? mp : mp + '/')) && (!best || mp.length > best[1].length)) best = m
    }
    if (best) return `${best[0]} (${best[2]}) mounted at ${best[1]}`
  } catch {
    // not Linux
  }
  return 'unknown'
}

export function sqliteVersion(): string {
  const db = new Database(':memory:')
  try {
    return (db.prepare('select sqlite_version() as v').get() as { v: string }).v
  } finally {
    db.close()
  }
}

/** Latency of a 4 KiB write + fsync in `dir`: what every SQLite commit with synchronous=FULL pays at least once. */
export function fsyncLatency(dir: string, n = 100): Summary {
  const file = path.join(dir, `.fsync-probe-${process.pid}`)
  const fd = fs.openSync(file, 'w')
  const buf = Buffer.alloc(4096, 7)
  const samples: number[] = []
  try {
    for (let i = 0; i < n; i++) {
      fs.writeSync(fd, buf, 0, buf.length, (i % 16) * 4096)
      const t = now()
      fs.fsyncSync(fd)
      samples.push(now() - t)
    }
  } finally {
    fs.closeSync(fd)
    fs.rmSync(file, { force: true })
  }
  return summarize(samples)
}

export function loadAvg(): string {
  return os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')
}

export interface ProcMemory {
  rssBytes: number
  hwmBytes: number
}

/** VmRSS and VmHWM (peak RSS since start or since the last resetPeakRss) of a process. */
export function procMemory(pid: number): ProcMemory {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024
  return { rssBytes: kb('VmRSS'), hwmBytes: kb('VmHWM') }
}

let clockTicks = 0

/** CPU time (user + system) a process has used so far, from /proc/<pid>/stat. */
export function procCpuMs(pid: number): number {
  if (!clockTicks) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    } catch {
      clockTicks = 100
    }
  }
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0, `echo 5 > /proc/<pid>/clear_refs`). Returns false when not allowed. */
export function resetPeakRss(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5')
    return true
  } catch {
    return false
  }
}

/**
 * Watches the RSS of a process during an operation: resets its peak, samples VmRSS every `everyMs` and reads VmHWM at
 * the end. `peakBytes` is the larger of the sampled maximum and VmHWM (when the reset worked).
 */
export function watchRss(pid: number, everyMs = 50) {
  const reset = resetPeakRss(pid)
  const baseline = procMemory(pid).rssBytes
  const cpu0 = procCpuMs(pid)
  const t0 = now()
  let sampledMax = baseline
  let samples = 0
  const timer = setInterval(() => {
    try {
      sampledMax = Math.max(sampledMax, procMemory(pid).rssBytes)
      samples++
    } catch {
      // process gone
    }
  }, everyMs)
  return {
    baselineBytes: baseline,
    /** Also reports the CPU share of the process over the watch (1.0 = one core busy all the time). */
    stop(): { baselineBytes: number; peakBytes: number; growthBytes: number; samples: number; hwmUsed: boolean; cpuShare: number } {
      clearInterval(timer)
      let peak = sampledMax
      let cpuShare = NaN
      try {
        const m = procMemory(pid)
        peak = Math.max(peak, m.rssBytes, reset ? m.hwmBytes : 0)
        cpuShare = (procCpuMs(pid) - cpu0) / (now() - t0)
      } catch {
        // process gone
      }
      return { baselineBytes: baseline, peakBytes: peak, growthBytes: peak - baseline, samples, hwmUsed: reset, cpuShare }
    },
  }
}

/** Drops the page cache (root only). Only used with --drop-caches. */
export function dropPageCache(): boolean {
  try {
    fs.writeFileSync('/proc/sys/vm/drop_caches', '1')
    return true
  } catch {
    return false
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Temporary data directories (they can hold GBs: always removed, also on Ctrl-C)
// ---------------------------------------------------------------------------------------------------------------

const liveDirs = new Set<string>()
const liveChildren = new Set<ChildProcess>()

export function cleanupNow(): void {
  for (const child of liveChildren) child.kill('SIGKILL')
  for (const dir of liveDirs) fs.rmSync(dir, { recursive: true, force: true })
  liveDirs.clear()
}

export async function withDataDir<T>(ctx: BenchContext, label: string, fn: (dataDir: string) => Promise<T>): Promise<T> {
  const dir = await fsp.mkdtemp(path.join(ctx.tmpRoot, `trove-bench-${label}-`))
  liveDirs.add(dir)
  try {
    return await fn(dir)
  } finally {
    await fsp.rm(dir, { recursive: true, force: true })
    liveDirs.delete(dir)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The system under test
// ---------------------------------------------------------------------------------------------------------------

export interface Fixture {
  c: Container
  dataDir: string
  dbFile: string
  libraryId: string
  spaceId: string
  admin: Actor
  token: string
}

function benchConfig(dataDir: string) {
  return loadConfig({ TROVE_DATA_DIR: dataDir, TROVE_HOST: '127.0.0.1', TROVE_PORT: '0', TROVE_LOG_LEVEL: 'warn' })
}

/** A real container over `dataDir` with a single-space library and an admin token (task runner not started). */
export async function openFixture(dataDir: string): Promise<Fixture> {
  const cfg = benchConfig(dataDir)
  const c = await buildContainer(cfg)
  const lib = await c.libraries.create({ name: 'bench' })
  const issued = await c.auth.issueToken({ libraryId: lib.libraryId, userId: 'admin', grants: ['admin'], periodSeconds: 7 * 86_400 })
  if (cfg.db.kind !== 'sqlite') throw new Error('the benchmarks run on SQLite')
  return {
    c,
    dataDir,
    dbFile: cfg.db.file,
    libraryId: lib.libraryId,
    spaceId: lib.spaceId!,
    admin: { libraryId: lib.libraryId, userId: 'admin', grants: ['admin'], spaceIds: null },
    token: issued.accessToken,
  }
}

export interface RunningServer {
  url: string
  close(): Promise<void>
}

/** The real HTTP app in this process: buildApp + app.listen on 127.0.0.1:0, with the task runner started like `serve`. */
export async function startInProcess(fx: Fixture): Promise<RunningServer> {
  const app = await buildApp(fx.c)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  fx.c.runner.start()
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      await fx.c.runner.stop()
      await app.close()
    },
  }
}

export interface ChildServer extends RunningServer {
  pid: number
  output(): string
  /** process.memoryUsage() of the server, over IPC (answered between two event-loop turns of the server). */
  memoryUsage(opts?: { gc?: boolean }): Promise<NodeJS.MemoryUsage>
}

/**
 * The real `trove serve` (src/app/server.ts) in a child process over `dataDir`, so its memory can be read cleanly from
 * /proc/<pid>/status. Log level warn (no per-request lines); the task worker runs as in production.
 */
export async function startChild(dataDir: string): Promise<ChildServer> {
  // BENCH_SERVER_NODE_ARGS: extra node flags for the server only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const extra = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', path.join(BENCH_DIR, 'server-child.ts')], {
    cwd: path.dirname(BENCH_DIR),
    // Only the settings given here: a TROVE_* variable of the caller's shell (a database URL…) must not leak in.
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TROVE_'))), TROVE_DATA_DIR: dataDir, TROVE_HOST: '127.0.0.1', TROVE_PORT: '0', TROVE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  liveChildren.add(child)
  let out = ''
  child.stdout!.on('data', (d) => (out = (out + d).slice(-20_000)))
  child.stderr!.on('data', (d) => (out = (out + d).slice(-20_000)))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = await new Promise<string>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`server child exited (${code}) before it was ready:\n${out}`))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`server child not ready after 120 s:\n${out}`))
    }, 120_000)
    child.once('exit', onExit)
    child.on('message', (m: { url?: string }) => {
      if (m?.url) {
        clearTimeout(timer)
        child.off('exit', onExit)
        resolve(m.url)
      }
    })
  })
  let memSeq = 0
  const memWaiters = new Map<number, (u: NodeJS.MemoryUsage) => void>()
  child.on('message', (m: { mem?: number; usage?: NodeJS.MemoryUsage }) => {
    if (m?.mem !== undefined && m.usage) {
      memWaiters.get(m.mem)?.(m.usage)
      memWaiters.delete(m.mem)
    }
  })
  return {
    pid: child.pid!,
    url,
    output: () => out,
    memoryUsage: (opts = {}) =>
      new Promise((resolve) => {
        const id = ++memSeq
        memWaiters.set(id, resolve)
        child.send({ mem: id, gc: !!opts.gc })
      }),
    async close() {
      if (child.exitCode === null) {
        child.send({ close: true })
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
        await exited
        clearTimeout(timer)
      }
      liveChildren.delete(child)
    },
  }
}

/** A small client for the native API: keep-alive fetch, bearer token, JSON both ways. */
export class Api {
  readonly prefix: string
  constructor(
    readonly base: string,
    readonly token: string,
  ) {
    this.prefix = base + '/trove/v1'
  }

  async call<T = any>(method: string, pathAndQuery: string, opts: { json?: unknown; expect?: number[] } = {}): Promise<{ status: number; body: T }> {
    const res = await fetch(this.prefix + pathAndQuery, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(opts.json !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: opts.json !== undefined ? JSON.stringify(opts.json) : undefined,
    })
    const text = await res.text()
    const body = text ? (JSON.parse(text) as T) : (undefined as T)
    const expect = opts.expect ?? [200, 201, 202]
    if (!expect.includes(res.status)) throw new Error(`${method} ${pathAndQuery} → ${res.status}: ${text.slice(0, 500)}`)
    return { status: res.status, body }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Blobs on disk, in the store's layout: <dataDir>/blobs/blobs/ab/cd/<sha256>
// ---------------------------------------------------------------------------------------------------------------

export interface BlobRef {
  sha256: string
  sizeBytes: number
}

export class BlobWriter {
  private readonly root: string
  private readonly dirs = new Set<string>()
  written = 0

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'blobs', 'blobs')
  }

  /** Writes `content` where the disk blob store would (no fsync: population, not the thing measured). */
  write(content: Buffer): BlobRef {
    const sha256 = createHash('sha256').update(content).digest('hex')
    const dir = path.join(this.root, sha256.slice(0, 2), sha256.slice(2, 4))
    if (!this.dirs.has(dir)) {
      fs.mkdirSync(dir, { recursive: true })
      this.dirs.add(dir)
    }
    fs.writeFileSync(path.join(dir, sha256), content)
    this.written++
    return { sha256, sizeBytes: content.length }
  }

  /** `n` blobs made by `make(i)`, written `concurrency` at a time (file creation is I/O-bound, not CPU-bound). */
  async writeAll(n: number, make: (i: number) => Buffer, concurrency = 16): Promise<BlobRef[]> {
    const out: BlobRef[] = new Array(n)
    let next = 0
    const worker = async () => {
      while (next < n) {
        const i = next++
        const content = make(i)
        const sha256 = createHash('sha256').update(content).digest('hex')
        const dir = path.join(this.root, sha256.slice(0, 2), sha256.slice(2, 4))
        if (!this.dirs.has(dir)) {
          this.dirs.add(dir)
          await fsp.mkdir(dir, { recursive: true })
        }
        await fsp.writeFile(path.join(dir, sha256), content)
        this.written++
        out[i] = { sha256, sizeBytes: content.length }
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
    return out
  }
}

/** A pool of distinct blobs many file rows can share (content-addressed dedupe), with varied sizes. */
export function blobPool(writer: BlobWriter, count: number, sizeOf: (k: number) => number, seed = 1): BlobRef[] {
  const rand = rng(seed)
  const pool: BlobRef[] = []
  for (let k = 0; k < count; k++) {
    const buf = Buffer.allocUnsafe(sizeOf(k))
    for (let i = 0; i < buf.length; i++) buf[i] = (rand() * 256) | 0
    buf.write(`trove-bench-pool-${seed}-${k}`, 0)
    pool.push(writer.write(buf))
  }
  return pool
}

/** Every blob file currently on disk (the "no orphan bytes" check). */
export function countBlobFiles(dataDir: string): number {
  const root = path.join(dataDir, 'blobs', 'blobs')
  let n = 0
  for (const a of safeReaddir(root)) for (const b of safeReaddir(path.join(root, a))) n += safeReaddir(path.join(root, a, b)).length
  return n
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir)
  } catch {
    return []
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Bulk population
// ---------------------------------------------------------------------------------------------------------------

export interface SpaceRow {
  id: number
  libraryId: string
  rootNodeId: number
  retentionDays: number
}

interface NodeInsert {
  spaceId: number
  parentId: number | null
  name: string
  kind: 'file' | 'folder'
  state: 'live' | 'trashed'
  sizeBytes: number
  itemCount: number
  contentType: string | null
  blobSha256: string | null
  recycleEntryId: number | null
  createdBy: string | null
  createdAt: number
  modifiedAt: number
}

/** Closure rows of a node: [ancestorId, depth] including [self, 0]. */
export type Ancestry = [number, number][]

/**
 * Fast writer on its own connection. Ids are assigned here (explicit INTEGER PRIMARY KEY values continue the
 * AUTOINCREMENT sequence), so a node can point at its entry and the entry at its node without a second pass.
 */
export class Bulk {
  readonly db: Database.Database
  private nextNodeId: number
  private nextEntryId: number
  private readonly blobRefs = new Map<string, { size: number; refs: number }>()
  private readonly stmts

  constructor(dbFile: string) {
    this.db = new Database(dbFile)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = OFF')
    this.db.pragma('cache_size = -262144')
    this.db.pragma('busy_timeout = 10000')
    this.nextNodeId = Number((this.db.prepare('select coalesce(max(id), 0) + 1 as n from nodes').get() as { n: number }).n)
    this.nextEntryId = Number((this.db.prepare('select coalesce(max(id), 0) + 1 as n from recycle_entries').get() as { n: number }).n)
    this.stmts = {
      node: this.db.prepare(
        `insert into nodes (id, space_id, parent_id, name, kind, state, size_bytes, item_count, content_type, blob_sha256, recycle_entry_id, created_by, created_at, modified_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      closure: this.db.prepare('insert into node_ancestors (node_id, ancestor_id, depth) values (?, ?, ?)'),
      entry: this.db.prepare(
        `insert into recycle_entries (id, space_id, root_node_id, name, kind, size_bytes, item_count, original_parent_id, original_path, modified_at, removed_at, removed_by, expires_at, state, held, purge_task_id)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'trashed', 0, null)`,
      ),
      ancestry: this.db.prepare('select ancestor_id as a, depth as d from node_ancestors where node_id = ? order by depth'),
      adjustAncestors: this.db.prepare(
        'update nodes set size_bytes = size_bytes + ?, item_count = item_count + ? where id in (select ancestor_id from node_ancestors where node_id = ?)',
      ),
      adjustSpace: this.db.prepare('update spaces set live_bytes = live_bytes + ?, trash_bytes = trash_bytes + ?, trash_entries = trash_entries + ? where id = ?'),
      blob: this.db.prepare(
        `insert into blobs (sha256, size_bytes, ref_count, created_at) values (?, ?, ?, ?)
         on conflict (sha256) do update set ref_count = ref_count + excluded.ref_count`,
      ),
    }
  }

  space(spaceId: number | string): SpaceRow {
    const r = this.db.prepare('select id, library_id, root_node_id, retention_days from spaces where id = ?').get(Number(spaceId)) as Record<string, number | string>
    return { id: Number(r.id), libraryId: String(r.library_id), rootNodeId: Number(r.root_node_id), retentionDays: Number(r.retention_days) }
  }

  ancestry(nodeId: number): Ancestry {
    return (this.stmts.ancestry.all(nodeId) as { a: number; d: number }[]).map((r) => [Number(r.a), Number(r.d)])
  }

  /** Inserts a node and its closure rows (self at depth 0, then the parent's ancestry one deeper). */
  insertNode(n: NodeInsert, parentAncestry: Ancestry | null): { id: number; ancestry: Ancestry } {
    const id = this.nextNodeId++
    this.stmts.node.run(id, n.spaceId, n.parentId, n.name, n.kind, n.state, n.sizeBytes, n.itemCount, n.contentType, n.blobSha256, n.recycleEntryId, n.createdBy, n.createdAt, n.modifiedAt)
    const ancestry: Ancestry = [[id, 0]]
    this.stmts.closure.run(id, id, 0)
    if (parentAncestry) {
      for (const [a, d] of parentAncestry) {
        this.stmts.closure.run(id, a, d + 1)
        ancestry.push([a, d + 1])
      }
    }
    return { id, ancestry }
  }

  reserveEntryId(): number {
    return this.nextEntryId++
  }

  insertEntry(e: {
    id: number
    spaceId: number
    rootNodeId: number
    name: string
    kind: 'file' | 'folder'
    sizeBytes: number
    itemCount: number
    originalParentId: number
    originalPath: string
    modifiedAt: number
    removedAt: number
    removedBy: string
    expiresAt: number
  }): void {
    this.stmts.entry.run(e.id, e.spaceId, e.rootNodeId, e.name, e.kind, e.sizeBytes, e.itemCount, e.originalParentId, e.originalPath, e.modifiedAt, e.removedAt, e.removedBy, e.expiresAt)
  }

  /** Adds to the size and count of `folderId` and every folder above it (what NodesRepository.adjustAncestors does). */
  adjustAncestors(folderId: number, bytes: number, items: number): void {
    this.stmts.adjustAncestors.run(bytes, items, folderId)
  }

  adjustSpace(spaceId: number, d: { liveBytes?: number; trashBytes?: number; trashEntries?: number }): void {
    this.stmts.adjustSpace.run(d.liveBytes ?? 0, d.trashBytes ?? 0, d.trashEntries ?? 0, spaceId)
  }

  /** Counts a reference from a file row; written by flushBlobRefs. */
  refBlob(b: BlobRef, count = 1): void {
    const cur = this.blobRefs.get(b.sha256)
    if (cur) cur.refs += count
    else this.blobRefs.set(b.sha256, { size: b.sizeBytes, refs: count })
  }

  flushBlobRefs(at: number): void {
    this.tx(() => {
      for (const [sha, { size, refs }] of this.blobRefs) this.stmts.blob.run(sha, size, refs, at)
    })
    this.blobRefs.clear()
  }

  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)()
  }

  /** Runs `fn(i)` for i in [0, n) in transactions of `chunk` calls. */
  chunked(n: number, chunk: number, fn: (i: number) => void, progress?: (done: number) => void): void {
    for (let start = 0; start < n; start += chunk) {
      const end = Math.min(n, start + chunk)
      this.tx(() => {
        for (let i = start; i < end; i++) fn(i)
      })
      progress?.(end)
    }
  }

  close(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)')
    this.db.close()
  }
}

export const FILES_PER_FOLDER = 99

/**
 * A live folder `name` under `parentId` with exactly `descendants` nodes below it: ⌈N/100⌉ subfolders holding the
 * files (99 each for the standard sizes), files sharing blobs from `pool`. Aggregates are computed before inserting, so
 * every folder row is right from the start; the folders above get the totals.
 */
export function buildTree(
  bulk: Bulk,
  opts: { space: SpaceRow; parentId: number; name: string; descendants: number; pool: BlobRef[]; at: number; createdBy?: string },
): { folderId: number; sizeBytes: number; itemCount: number } {
  const { space, pool, at } = opts
  const createdBy = opts.createdBy ?? 'admin'
  const subfolders = Math.max(1, Math.ceil(opts.descendants / (FILES_PER_FOLDER + 1)))
  const files = opts.descendants - subfolders
  if (files < 0) throw new Error('a tree needs at least one descendant per subfolder')
  const perFolder = Array.from({ length: subfolders }, (_, k) => Math.floor(files / subfolders) + (k < files % subfolders ? 1 : 0))
  let fileIndex = 0
  const subSizes = perFolder.map((count) => {
    let bytes = 0
    for (let j = 0; j < count; j++) bytes += pool[(fileIndex + j) % pool.length].sizeBytes
    fileIndex += count
    return bytes
  })
  const totalBytes = subSizes.reduce((a, b) => a + b, 0)
  const parentAncestry = bulk.ancestry(opts.parentId)
  let folderId = 0
  bulk.tx(() => {
    const top = bulk.insertNode(
      { spaceId: space.id, parentId: opts.parentId, name: opts.name, kind: 'folder', state: 'live', sizeBytes: totalBytes, itemCount: opts.descendants, contentType: null, blobSha256: null, recycleEntryId: null, createdBy, createdAt: at, modifiedAt: at },
      parentAncestry,
    )
    folderId = top.id
    let f = 0
    for (let k = 0; k < subfolders; k++) {
      const sub = bulk.insertNode(
        { spaceId: space.id, parentId: top.id, name: `sub-${String(k).padStart(4, '0')}`, kind: 'folder', state: 'live', sizeBytes: subSizes[k], itemCount: perFolder[k], contentType: null, blobSha256: null, recycleEntryId: null, createdBy, createdAt: at, modifiedAt: at },
        top.ancestry,
      )
      for (let j = 0; j < perFolder[k]; j++, f++) {
        const blob = pool[f % pool.length]
        bulk.insertNode(
          { spaceId: space.id, parentId: sub.id, name: `file-${String(j).padStart(3, '0')}.bin`, kind: 'file', state: 'live', sizeBytes: blob.sizeBytes, itemCount: 0, contentType: 'application/octet-stream', blobSha256: blob.sha256, recycleEntryId: null, createdBy, createdAt: at, modifiedAt: at },
          sub.ancestry,
        )
        bulk.refBlob(blob)
      }
    }
    bulk.adjustAncestors(opts.parentId, totalBytes, opts.descendants + 1)
    bulk.adjustSpace(space.id, { liveBytes: totalBytes })
  })
  return { folderId, sizeBytes: totalBytes, itemCount: opts.descendants }
}

/** Live, empty folders directly under the space root (the original parents of bin entries). */
export function makeFolders(bulk: Bulk, space: SpaceRow, count: number, prefix: string, at: number): { id: number; name: string; ancestry: Ancestry }[] {
  const rootAncestry = bulk.ancestry(space.rootNodeId)
  return bulk.tx(() => {
    const out = []
    for (let k = 0; k < count; k++) {
      const name = `${prefix}-${String(k).padStart(4, '0')}`
      const n = bulk.insertNode(
        { spaceId: space.id, parentId: space.rootNodeId, name, kind: 'folder', state: 'live', sizeBytes: 0, itemCount: 0, contentType: null, blobSha256: null, recycleEntryId: null, createdBy: 'admin', createdAt: at, modifiedAt: at },
        rootAncestry,
      )
      out.push({ id: n.id, name, ancestry: n.ancestry })
    }
    bulk.adjustAncestors(space.rootNodeId, 0, count)
    return out
  })
}

export interface BinItem {
  name: string
  blob: BlobRef
  modifiedAt: number
  removedAt: number
  removedBy: string
  /** Index into the `folders` given to fillBin: where the file was when it was trashed. */
  folder: number
}

/**
 * `count` single-file entries in the bin, as trashNode leaves them: the file row stays under its original (live)
 * folder with state `trashed` and recycle_entry_id set, the entry row carries name, size, count, path and times, the
 * folders above no longer count the file, and the space moves the bytes from live to bin.
 */
export function fillBin(
  bulk: Bulk,
  opts: { space: SpaceRow; folders: { id: number; name: string; ancestry: Ancestry }[]; count: number; item: (i: number) => BinItem; chunk?: number; progress?: (done: number) => void },
): { bytes: number } {
  const { space, folders } = opts
  const retentionMs = space.retentionDays * DAY_MS
  let bytes = 0
  bulk.chunked(
    opts.count,
    opts.chunk ?? 50_000,
    (i) => {
      const it = opts.item(i)
      const folder = folders[it.folder]
      const entryId = bulk.reserveEntryId()
      const node = bulk.insertNode(
        { spaceId: space.id, parentId: folder.id, name: it.name, kind: 'file', state: 'trashed', sizeBytes: it.blob.sizeBytes, itemCount: 0, contentType: 'application/octet-stream', blobSha256: it.blob.sha256, recycleEntryId: entryId, createdBy: it.removedBy, createdAt: it.modifiedAt, modifiedAt: it.modifiedAt },
        folder.ancestry,
      )
      bulk.insertEntry({
        id: entryId,
        spaceId: space.id,
        rootNodeId: node.id,
        name: it.name,
        kind: 'file',
        sizeBytes: it.blob.sizeBytes,
        itemCount: 1,
        originalParentId: folder.id,
        originalPath: `/${folder.name}/${it.name}`,
        modifiedAt: it.modifiedAt,
        removedAt: it.removedAt,
        removedBy: it.removedBy,
        expiresAt: it.removedAt + retentionMs,
      })
      bulk.refBlob(it.blob)
      bytes += it.blob.sizeBytes
    },
    opts.progress,
  )
  // The files were never counted by the live folders (as after trash), so only the space counters move.
  bulk.tx(() => bulk.adjustSpace(space.id, { trashBytes: bytes, trashEntries: opts.count }))
  return { bytes }
}

// ---------------------------------------------------------------------------------------------------------------
// Invariant checks (SQL), run after population and after the measured operations
// ---------------------------------------------------------------------------------------------------------------

/** Returns the violated invariants (empty when all hold). Read-only; safe while a server runs on the same file. */
export function verifyInvariants(dbFile: string, dataDir: string, opts: { checkBlobFiles?: boolean } = {}): string[] {
  const db = new Database(dbFile, { readonly: true })
  db.pragma('cache_size = -262144')
  const problems: string[] = []
  const count = (label: string, q: string, ...params: unknown[]) => {
    const n = Number((db.prepare(q).get(...params) as { n: number }).n)
    if (n) problems.push(`${label}: ${n}`)
  }
  try {
    count('nodes without their depth-0 closure row', `select count(*) as n from nodes n where not exists (select 1 from node_ancestors a where a.node_id = n.id and a.ancestor_id = n.id and a.depth = 0)`)
    count('nodes without a depth-1 row for their parent', `select count(*) as n from nodes n where n.parent_id is not null and not exists (select 1 from node_ancestors a where a.node_id = n.id and a.ancestor_id = n.parent_id and a.depth = 1)`)
    count(
      'nodes whose closure is not their parent’s plus one',
      `select count(*) as n from nodes n where n.parent_id is not null
         and (select count(*) from node_ancestors a where a.node_id = n.id) <> 1 + (select count(*) from node_ancestors a where a.node_id = n.parent_id)`,
    )
    count('closure rows of missing nodes', `select count(*) as n from node_ancestors a where not exists (select 1 from nodes n where n.id = a.node_id)`)
    // A folder counts the files (bytes) and nodes (items) below it reachable through live nodes only.
    count(
      'folders with wrong size_bytes / item_count',
      `with agg as (
         select c.ancestor_id as fid, sum(case when d.kind = 'file' then d.size_bytes else 0 end) as bytes, count(*) as items
         from node_ancestors c join nodes d on d.id = c.node_id
         where c.depth > 0 and not exists (
           select 1 from node_ancestors x join nodes xn on xn.id = x.ancestor_id
           where x.node_id = d.id and x.depth < c.depth and xn.state <> 'live')
         group by c.ancestor_id)
       select count(*) as n from nodes f left join agg on agg.fid = f.id
       where f.kind = 'folder' and (f.size_bytes <> coalesce(agg.bytes, 0) or f.item_count <> coalesce(agg.items, 0))`,
    )
    count('entries without their root node', `select count(*) as n from recycle_entries e where not exists (select 1 from nodes n where n.id = e.root_node_id)`)
    count(
      'entries that disagree with their root node',
      `select count(*) as n from recycle_entries e join nodes n on n.id = e.root_node_id
       where n.state = 'live' or (e.state = 'trashed' and n.state <> 'trashed') or n.recycle_entry_id <> e.id or n.size_bytes <> e.size_bytes or n.item_count + 1 <> e.item_count
          or n.name <> e.name or n.kind <> e.kind or n.parent_id <> e.original_parent_id or n.space_id <> e.space_id`,
    )
    count('non-live nodes without an entry', `select count(*) as n from nodes n where n.state <> 'live' and not exists (select 1 from recycle_entries e where e.id = n.recycle_entry_id and e.root_node_id = n.id)`)
    count(
      'spaces with wrong live_bytes / trash_bytes / trash_entries',
      `select count(*) as n from spaces s where
         s.live_bytes <> (select r.size_bytes from nodes r where r.id = s.root_node_id)
         or s.trash_bytes <> coalesce((select sum(e.size_bytes) from recycle_entries e where e.space_id = s.id), 0)
         or s.trash_entries <> (select count(*) from recycle_entries e where e.space_id = s.id and e.state = 'trashed')`,
    )
    count('blobs with a wrong ref_count', `select count(*) as n from blobs b where b.ref_count <> (select count(*) from nodes n where n.blob_sha256 = b.sha256)`)
    count('file rows pointing at no blob row', `select count(*) as n from nodes n where n.blob_sha256 is not null and not exists (select 1 from blobs b where b.sha256 = n.blob_sha256)`)
    if (opts.checkBlobFiles !== false) {
      const root = path.join(dataDir, 'blobs', 'blobs')
      let missing = 0
      for (const r of db.prepare('select sha256 from blobs').iterate() as Iterable<{ sha256: string }>) {
        if (!fs.existsSync(path.join(root, r.sha256.slice(0, 2), r.sha256.slice(2, 4), r.sha256))) missing++
      }
      if (missing) problems.push(`blob rows without bytes on disk: ${missing}`)
    }
  } finally {
    db.close()
  }
  return problems
}

export function assertInvariants(ctx: BenchContext, fx: { dbFile: string; dataDir: string }, when: string): number {
  if (!ctx.verify) return 0
  const t = now()
  const problems = verifyInvariants(fx.dbFile, fx.dataDir)
  const took = now() - t
  if (problems.length) throw new Error(`invariants violated ${when}:\n  - ${problems.join('\n  - ')}`)
  ctx.log(`invariants hold ${when} (checked in ${(took / 1000).toFixed(1)} s)`)
  return took
}
