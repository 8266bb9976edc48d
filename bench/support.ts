/**
 * Shared machinery of the benchmark suite: temporary data directories (and PostgreSQL schemas), the real server (in
 * this process or as a child process), an HTTP client, percentiles, machine facts, /proc memory readings and fast bulk
 * population.
 *
 * The metadata engine (SQLite or PostgreSQL) is chosen per run; everything that differs between the two is in one
 * place here: `BenchDb` (read-only SQL beside the server: cursors, plans, invariants), `Bulk` with `SqliteBulk` and
 * `PostgresBulk` (population), `withRelaxedDurability` and `walProbe` (diagnostics). The benchmarks never branch on
 * the engine themselves.
 *
 * Bulk population writes rows on a second connection (SQLite: prepared better-sqlite3 statements on the same file,
 * synchronous=OFF for that connection; PostgreSQL: multi-row `insert … select from unnest(arrays)`, synchronous_commit
 * off for that session), in large transactions, but keeps every invariant the services keep: closure rows (including
 * the depth-0 self row) for every node, maintained folder sizes and counts, space counters, blob reference counts with
 * the bytes on disk, for bin entries a `trashed` root node pointing at a complete recycle_entries row, and id
 * sequences past the explicit ids. `verifyInvariants` checks all of that with SQL (the same text on both engines).
 */
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import pg from 'pg'
import { sql } from 'kysely'
import { buildContainer, type Container } from '../src/app/container.ts'
import { buildApp } from '../src/http/build-app.ts'
import { loadConfig } from '../src/config/load-config.ts'
import type { Actor } from '../src/access/grants.ts'
import type { DriveNode } from '../src/nodes/node.ts'
import type { RecycleEntry } from '../src/trash/recycle-entry.ts'

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
  /** The metadata engine of this run of the benchmark (`--engine both` runs every benchmark once per engine). */
  engine: Engine
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
  /**
   * The row's headline number, for the engine comparison of `--engine both` (ratio PostgreSQL ÷ SQLite, verdict
   * "within 2×"). `better` says which way is good; `dbFree` marks figures no database takes part in (raw disk,
   * bare servers, hashing), which are compared but get no verdict.
   */
  cmp?: Cmp
}

export interface Cmp {
  v: number
  unit: string
  better: 'lower' | 'higher'
  dbFree?: boolean
}

export const lower = (v: number, unit: string): Cmp => ({ v, unit, better: 'lower' })
export const higher = (v: number, unit: string): Cmp => ({ v, unit, better: 'higher' })

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
/** PostgreSQL schemas of the benchmarks, by data directory: created by openFixture, dropped with the directory. */
const liveSchemas = new Map<string, string>()
let schemaSeq = 0

/** Kills child servers, removes the data directories and drops the PostgreSQL schemas (Ctrl-C and the end of a run). */
export async function cleanupNow(): Promise<void> {
  for (const child of liveChildren) child.kill('SIGKILL')
  for (const dir of liveDirs) fs.rmSync(dir, { recursive: true, force: true })
  liveDirs.clear()
  for (const [dir, schema] of liveSchemas) {
    await dropSchema(schema).catch((e) => process.stderr.write(`could not drop schema ${schema} (drop it by hand): ${(e as Error).message}\n`))
    liveSchemas.delete(dir)
  }
}

async function dropSchema(schema: string): Promise<void> {
  // lock_timeout: on Ctrl-C an in-process server may still hold a lock; better to say so than to hang.
  const client = new pg.Client({ connectionString: PG_URL, options: '-c lock_timeout=10000' })
  await client.connect()
  try {
    await client.query(`drop schema if exists "${schema}" cascade`)
  } finally {
    await client.end()
  }
}

export async function withDataDir<T>(ctx: BenchContext, label: string, fn: (dataDir: string) => Promise<T>): Promise<T> {
  const dir = await fsp.mkdtemp(path.join(ctx.tmpRoot, `trove-bench-${label}-`))
  liveDirs.add(dir)
  try {
    return await fn(dir)
  } finally {
    // A child server that is still exiting may write into the directory: retry the removal (ENOTEMPTY), and never let
    // a failed clean-up hide the benchmark's own error.
    await fsp.rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }).catch((e) => ctx.log(`could not remove ${dir}: ${(e as Error).message}`))
    liveDirs.delete(dir)
    const schema = liveSchemas.get(dir)
    if (schema) {
      liveSchemas.delete(dir)
      await dropSchema(schema)
      ctx.log(`dropped schema ${schema}`)
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The system under test
// ---------------------------------------------------------------------------------------------------------------

export interface Fixture {
  c: Container
  engine: Engine
  dataDir: string
  /** SQLite: the database file. */
  dbFile: string | null
  /** PostgreSQL: this benchmark's own schema (`bench_<pid>_<n>`). */
  schema: string | null
  /** Connections in the server's pool (PostgreSQL). */
  poolSize: number
  /** The TROVE_* settings of the server (also given to the child-process server). */
  env: Record<string, string>
  libraryId: string
  spaceId: string
  admin: Actor
  token: string
}

/**
 * A real container over `dataDir` with a single-space library and an admin token (task runner not started). With the
 * postgres engine, the metadata goes to a fresh schema of its own, dropped when withDataDir removes `dataDir`; blobs
 * stay on the local disk in `dataDir` either way.
 */
export async function openFixture(ctx: BenchContext, dataDir: string): Promise<Fixture> {
  const env: Record<string, string> = { TROVE_DATA_DIR: dataDir, TROVE_HOST: '127.0.0.1', TROVE_PORT: '0', TROVE_LOG_LEVEL: 'warn' }
  // For A/B runs of the PostgreSQL engine: TROVE_DATABASE_PREPARED_STATEMENTS=0 npm run bench -- --engine postgres
  if (process.env.TROVE_DATABASE_PREPARED_STATEMENTS) env.TROVE_DATABASE_PREPARED_STATEMENTS = process.env.TROVE_DATABASE_PREPARED_STATEMENTS
  let schema: string | null = null
  if (ctx.engine === 'postgres') {
    schema = `bench_${process.pid}_${++schemaSeq}`
    liveSchemas.set(dataDir, schema)
    Object.assign(env, { TROVE_DATABASE_URL: PG_URL, TROVE_DATABASE_SCHEMA: schema })
  }
  const cfg = loadConfig(env)
  const c = await buildContainer(cfg)
  const lib = await c.libraries.create({ name: 'bench' })
  const issued = await c.auth.issueToken({ libraryId: lib.libraryId, userId: 'admin', grants: ['admin'], periodSeconds: 7 * 86_400 })
  return {
    c,
    engine: ctx.engine,
    dataDir,
    dbFile: cfg.db.kind === 'sqlite' ? cfg.db.file : null,
    schema,
    poolSize: cfg.db.kind === 'postgres' ? cfg.db.poolSize : 1,
    env,
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
 * The real `trove serve` (src/app/server.ts) in a child process over the fixture's data directory (and PostgreSQL
 * schema), so its memory can be read cleanly from /proc/<pid>/status. Log level warn (no per-request lines); the task
 * worker runs as in production.
 */
export async function startChild(fx: Fixture): Promise<ChildServer> {
  // BENCH_SERVER_NODE_ARGS: extra node flags for the server only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const extra = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', path.join(BENCH_DIR, 'server-child.ts')], {
    cwd: path.dirname(BENCH_DIR),
    // Only the settings given here: a TROVE_* variable of the caller's shell (a database URL…) must not leak in.
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TROVE_'))), ...fx.env },
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
// The metadata engine: everything engine-specific the benchmarks need, behind BenchDb and Bulk
// ---------------------------------------------------------------------------------------------------------------

export type Engine = 'sqlite' | 'postgres'
export const ENGINE_LABEL: Record<Engine, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' }

/** The PostgreSQL server the `postgres` engine uses (trust auth, database `test`); BENCH_PG_URL overrides it. */
export const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** `?` placeholders (the SQLite style every query here is written in) → `$1, $2, …` for PostgreSQL. */
function pgParams(text: string): string {
  let n = 0
  return text.replace(/\?/g, () => `$${++n}`)
}

/**
 * A read-only view of the benchmark's metadata database, for SQL the benchmarks run beside the server (cursors,
 * plans, invariant checks). Queries are written once with `?` placeholders in SQL both engines accept.
 */
export interface BenchDb {
  readonly engine: Engine
  all<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>
  /** The engine's own plan of a query, one line (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN ANALYZE). */
  explain(text: string, params?: unknown[]): Promise<string>
  close(): Promise<void>
}

class SqliteBenchDb implements BenchDb {
  readonly engine = 'sqlite' as const
  private readonly db: Database.Database
  constructor(file: string) {
    this.db = new Database(file, { readonly: true })
    this.db.pragma('cache_size = -262144')
  }
  async all<T>(text: string, params: unknown[] = []): Promise<T[]> {
    return this.db.prepare(text).all(...params) as T[]
  }
  async explain(text: string, params: unknown[] = []): Promise<string> {
    return (this.db.prepare(`explain query plan ${text}`).all(...params) as { detail: string }[]).map((p) => p.detail).join('; ')
  }
  async close(): Promise<void> {
    this.db.close()
  }
}

function pgClient(schema: string, extraOptions = ''): pg.Client {
  return new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema} ${extraOptions}`.trim() })
}

class PostgresBenchDb implements BenchDb {
  readonly engine = 'postgres' as const
  private constructor(private readonly client: pg.Client) {}
  static async open(schema: string): Promise<PostgresBenchDb> {
    const client = pgClient(schema)
    await client.connect()
    return new PostgresBenchDb(client)
  }
  async all<T>(text: string, params: unknown[] = []): Promise<T[]> {
    return (await this.client.query(pgParams(text), params)).rows as T[]
  }
  async explain(text: string, params: unknown[] = []): Promise<string> {
    const rows = (await this.client.query(`explain (analyze, costs off, timing off, summary on) ${pgParams(text)}`, params)).rows as { 'QUERY PLAN': string }[]
    return rows.map((r) => r['QUERY PLAN'].trim().replace(/^->\s*/, '→ ')).join('; ')
  }
  async close(): Promise<void> {
    await this.client.end()
  }
}

/** A read-only connection to the fixture's metadata database. */
export async function openBenchDb(fx: Fixture): Promise<BenchDb> {
  return fx.engine === 'postgres' ? PostgresBenchDb.open(fx.schema!) : new SqliteBenchDb(fx.dbFile!)
}

/**
 * Runs `fn` with the commit durability of the server's connections relaxed: SQLite `synchronous=NORMAL` (no fsync per
 * commit in WAL mode), PostgreSQL `synchronous_commit=off` (the commit does not wait for the WAL flush) on every
 * connection of the container's pool. The difference to the normal run is what waiting for the disk costs per call.
 */
export async function withRelaxedDurability<T>(fx: Fixture, fn: () => Promise<T>): Promise<T> {
  const db = fx.c.database.db
  if (fx.engine === 'sqlite') {
    await sql`pragma synchronous = NORMAL`.execute(db)
    try {
      return await fn()
    } finally {
      await sql`pragma synchronous = FULL`.execute(db)
    }
  }
  // A session setting: hold every connection of the pool at once (a barrier), set it on each, release them all.
  const onEveryConnection = async (value: 'on' | 'off') => {
    const n = fx.poolSize
    let arrived = 0
    let open!: () => void
    const all = new Promise<void>((resolve) => (open = resolve))
    await Promise.all(
      Array.from({ length: n }, () =>
        db.connection().execute(async (conn) => {
          await sql`select set_config('synchronous_commit', ${value}, false)`.execute(conn)
          if (++arrived === n) open()
          await all
        }),
      ),
    )
  }
  await onEveryConnection('off')
  try {
    return await fn()
  } finally {
    await onEveryConnection('on')
  }
}

/**
 * Counts the SQL statements this process sends to the metadata engine (including BEGIN/COMMIT) and the time spent
 * waiting for them (SQLite: inside better-sqlite3's run/all/get; PostgreSQL: from client.query() until its result
 * arrives — the round trip to the server process, its execution and, on a busy machine, the wait for a CPU).
 * Patches the driver's prototype while running; for diagnostics of sequential calls only.
 */
export function traceStatements(fx: Fixture): { read(): { statements: number; dbMs: number }; stop(): void } {
  let statements = 0
  let dbMs = 0
  const timed = <F extends (...a: any[]) => any>(f: F) =>
    function (this: unknown, ...a: unknown[]) {
      const t = now()
      const r = f.apply(this, a)
      if (r && typeof (r as Promise<unknown>).then === 'function') return (r as Promise<unknown>).finally(() => (dbMs += now() - t))
      dbMs += now() - t
      return r
    }
  if (fx.engine === 'postgres') {
    const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown }
    const orig = proto.query
    const wrapped = timed(orig)
    proto.query = function (this: unknown, ...a: unknown[]) {
      statements++
      return wrapped.apply(this, a)
    }
    return { read: () => ({ statements, dbMs }), stop: () => void (proto.query = orig) }
  }
  const proto = Database.prototype as unknown as { prepare: (...a: unknown[]) => Record<string, (...a: unknown[]) => unknown> }
  const orig = proto.prepare
  proto.prepare = function (this: unknown, ...a: unknown[]) {
    const stmt = orig.apply(this, a)
    for (const m of ['run', 'all', 'get']) {
      const f = stmt[m].bind(stmt)
      stmt[m] = (...args: unknown[]) => {
        statements++
        return timed(f)(...args)
      }
    }
    return stmt
  }
  return { read: () => ({ statements, dbMs }), stop: () => void (proto.prepare = orig) }
}

/** Label of withRelaxedDurability for a row (same text on both engines, so the rows line up in the comparison). */
export const RELAXED_DURABILITY = 'no wait for the commit’s flush (SQLite synchronous=NORMAL; PG synchronous_commit=off)'

/**
 * Watches the write-ahead log during an operation. SQLite: the peak size of the `-wal` file; PostgreSQL: WAL bytes
 * written (pg_current_wal_lsn, cluster-wide: other databases' writes count too).
 */
export async function walProbe(fx: Fixture): Promise<{ sample(): Promise<void>; stop(): Promise<Row> }> {
  if (fx.engine === 'sqlite') {
    const walFile = fx.dbFile + '-wal'
    const size = () => (fs.existsSync(walFile) ? fs.statSync(walFile).size : 0)
    let peak = size()
    return {
      sample: async () => void (peak = Math.max(peak, size())),
      stop: async () => ({ metric: 'diag: write-ahead log (SQLite: peak WAL file size; PG: WAL bytes written, whole cluster)', value: `${mib(peak)} MiB`, target: '—', ok: null }),
    }
  }
  const client = pgClient(fx.schema!)
  await client.connect()
  const lsn = async () => (await client.query(`select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 as b`)).rows[0].b as number
  const start = await lsn()
  return {
    sample: async () => {},
    stop: async () => {
      const bytes = (await lsn()) - start
      await client.end()
      return { metric: 'diag: write-ahead log (SQLite: peak WAL file size; PG: WAL bytes written, whole cluster)', value: `${mib(bytes)} MiB`, target: '—', ok: null }
    },
  }
}

export async function postgresVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    const settings = (await client.query(`select name, setting, unit from pg_settings where name in ('shared_buffers', 'synchronous_commit', 'work_mem')`)).rows as { name: string; setting: string; unit: string | null }[]
    const v = (await client.query('show server_version')).rows[0].server_version as string
    const s = settings.map((r) => `${r.name}=${r.name === 'shared_buffers' ? `${(Number(r.setting) * 8) / 1024} MiB` : r.name === 'work_mem' ? `${Number(r.setting) / 1024} MiB` : r.setting}`).join(', ')
    return `PostgreSQL ${v} at ${PG_URL.replace(/\/\/[^@]*@/, '//')} (${s}; pg ${pgVersion()})`
  } finally {
    await client.end()
  }
}

function pgVersion(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(BENCH_DIR, '..', 'node_modules', 'pg', 'package.json'), 'utf8')).version as string
  } catch {
    return '?'
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

/** A node as the populator writes it: the core's own shape, live or in the bin (never purging). */
type NodeInsert = Omit<DriveNode, 'id' | 'state'> & { state: 'live' | 'trashed' }

type NodeRow = NodeInsert & { id: number }

/** A bin entry as the populator writes it: always `trashed`, unheld, with no purge task. */
export type EntryInsert = Omit<RecycleEntry, 'state' | 'held' | 'purgeTaskId'>

/** Closure rows of a node: [ancestorId, depth] including [self, 0]. */
export type Ancestry = [number, number][]

/** What one `commit` writes, in this order, in one transaction. */
export interface BulkBatch {
  nodes: NodeRow[]
  /** [node_id, ancestor_id, depth] */
  closure: [number, number, number][]
  entries: EntryInsert[]
  /** Additions to the size and count of a folder and every folder above it (what NodesRepository.adjustAncestors does). */
  ancestors: { folderId: number; bytes: number; items: number }[]
  spaces: { spaceId: number; liveBytes: number; trashBytes: number; trashEntries: number }[]
}

/**
 * Fast population. Ids are assigned here (explicit primary keys; the engine's id sequence is moved past them), so a
 * node can point at its entry and the entry at its node without a second pass. Rows are buffered in memory and
 * written by `commit()` in one transaction; the engine subclasses only know how to write a batch.
 */
export abstract class Bulk {
  protected nextNodeId = 1
  protected nextEntryId = 1
  private readonly blobRefs = new Map<string, { size: number; refs: number }>()
  private batch: BulkBatch = Bulk.emptyBatch()
  /** Rows written so far, per table (for the progress log). */
  readonly written = { nodes: 0, closure: 0, entries: 0 }

  private static emptyBatch(): BulkBatch {
    return { nodes: [], closure: [], entries: [], ancestors: [], spaces: [] }
  }

  protected abstract query<T>(text: string, params: unknown[]): Promise<T[]>
  protected abstract writeBatch(b: BulkBatch): Promise<void>
  protected abstract writeBlobs(rows: { sha256: string; size: number; refs: number }[], at: number): Promise<void>
  /** After population: move id sequences past the explicit ids, refresh statistics, close the connection. */
  abstract close(): Promise<void>

  protected async init(): Promise<this> {
    const [n] = await this.query<{ n: number }>('select coalesce(max(id), 0) + 1 as n from nodes', [])
    const [e] = await this.query<{ n: number }>('select coalesce(max(id), 0) + 1 as n from recycle_entries', [])
    this.nextNodeId = Number(n.n)
    this.nextEntryId = Number(e.n)
    return this
  }

  async space(spaceId: number | string): Promise<SpaceRow> {
    const [r] = await this.query<Record<string, number | string>>('select id, library_id, root_node_id, retention_days from spaces where id = ?', [Number(spaceId)])
    return { id: Number(r.id), libraryId: String(r.library_id), rootNodeId: Number(r.root_node_id), retentionDays: Number(r.retention_days) }
  }

  /** The closure rows of a node already written (pending rows are committed first). */
  async ancestry(nodeId: number): Promise<Ancestry> {
    await this.commit()
    const rows = await this.query<{ a: number; d: number }>('select ancestor_id as a, depth as d from node_ancestors where node_id = ? order by depth', [nodeId])
    return rows.map((r) => [Number(r.a), Number(r.d)])
  }

  /** Buffers a node and its closure rows (self at depth 0, then the parent's ancestry one deeper). */
  insertNode(n: NodeInsert, parentAncestry: Ancestry | null): { id: number; ancestry: Ancestry } {
    const id = this.nextNodeId++
    this.batch.nodes.push({ id, ...n })
    const ancestry: Ancestry = [[id, 0]]
    this.batch.closure.push([id, id, 0])
    if (parentAncestry) {
      for (const [a, d] of parentAncestry) {
        this.batch.closure.push([id, a, d + 1])
        ancestry.push([a, d + 1])
      }
    }
    return { id, ancestry }
  }

  reserveEntryId(): number {
    return this.nextEntryId++
  }

  insertEntry(e: EntryInsert): void {
    this.batch.entries.push(e)
  }

  /** Adds to the size and count of `folderId` and every folder above it; applied after the batch's inserts. */
  adjustAncestors(folderId: number, bytes: number, items: number): void {
    this.batch.ancestors.push({ folderId, bytes, items })
  }

  adjustSpace(spaceId: number, d: { liveBytes?: number; trashBytes?: number; trashEntries?: number }): void {
    this.batch.spaces.push({ spaceId, liveBytes: d.liveBytes ?? 0, trashBytes: d.trashBytes ?? 0, trashEntries: d.trashEntries ?? 0 })
  }

  /** Counts a reference from a file row; written by flushBlobRefs. */
  refBlob(b: BlobRef, count = 1): void {
    const cur = this.blobRefs.get(b.sha256)
    if (cur) cur.refs += count
    else this.blobRefs.set(b.sha256, { size: b.sizeBytes, refs: count })
  }

  async flushBlobRefs(at: number): Promise<void> {
    await this.commit()
    await this.writeBlobs([...this.blobRefs].map(([sha256, v]) => ({ sha256, ...v })), at)
    this.blobRefs.clear()
  }

  /** Writes everything buffered since the last commit in one transaction. */
  async commit(): Promise<void> {
    const b = this.batch
    if (!b.nodes.length && !b.closure.length && !b.entries.length && !b.ancestors.length && !b.spaces.length) return
    this.batch = Bulk.emptyBatch()
    await this.writeBatch(b)
    this.written.nodes += b.nodes.length
    this.written.closure += b.closure.length
    this.written.entries += b.entries.length
  }

  /** Runs `fn(i)` for i in [0, n), committing every `chunk` calls. */
  async chunked(n: number, chunk: number, fn: (i: number) => void, progress?: (done: number) => void): Promise<void> {
    for (let start = 0; start < n; start += chunk) {
      const end = Math.min(n, start + chunk)
      for (let i = start; i < end; i++) fn(i)
      await this.commit()
      progress?.(end)
    }
  }
}

/**
 * SQLite: prepared better-sqlite3 statements on a second connection to the same file (WAL, synchronous=OFF for this
 * connection only), one transaction per commit.
 */
class SqliteBulk extends Bulk {
  private readonly db: Database.Database
  private readonly stmts

  constructor(dbFile: string) {
    super()
    this.db = new Database(dbFile)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = OFF')
    this.db.pragma('cache_size = -262144')
    this.db.pragma('busy_timeout = 10000')
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

  static open(dbFile: string): Promise<SqliteBulk> {
    return new SqliteBulk(dbFile).init()
  }

  protected async query<T>(text: string, params: unknown[]): Promise<T[]> {
    return this.db.prepare(text).all(...params) as T[]
  }

  protected async writeBatch(b: BulkBatch): Promise<void> {
    const s = this.stmts
    this.db.transaction(() => {
      for (const n of b.nodes) s.node.run(n.id, n.spaceId, n.parentId, n.name, n.kind, n.state, n.sizeBytes, n.itemCount, n.contentType, n.blobSha256, n.recycleEntryId, n.createdBy, n.createdAt, n.modifiedAt)
      for (const [n, a, d] of b.closure) s.closure.run(n, a, d)
      for (const e of b.entries) s.entry.run(e.id, e.spaceId, e.rootNodeId, e.name, e.kind, e.sizeBytes, e.itemCount, e.originalParentId, e.originalPath, e.modifiedAt, e.removedAt, e.removedBy, e.expiresAt)
      for (const a of b.ancestors) s.adjustAncestors.run(a.bytes, a.items, a.folderId)
      for (const d of b.spaces) s.adjustSpace.run(d.liveBytes, d.trashBytes, d.trashEntries, d.spaceId)
    })()
  }

  protected async writeBlobs(rows: { sha256: string; size: number; refs: number }[], at: number): Promise<void> {
    this.db.transaction(() => {
      for (const r of rows) this.stmts.blob.run(r.sha256, r.size, r.refs, at)
    })()
  }

  /** Explicit INTEGER PRIMARY KEY values already advance the AUTOINCREMENT sequence (sqlite_sequence). */
  async close(): Promise<void> {
    this.db.pragma('wal_checkpoint(TRUNCATE)')
    this.db.close()
  }
}

/**
 * PostgreSQL: one `pg` connection (synchronous_commit=off for this session only), one transaction per commit, rows sent
 * as arrays — `insert … select * from unnest($1::bigint[], $2::text[], …)` — in statements of up to PG_ROWS rows.
 * Like any bulk load into PostgreSQL, the secondary indexes of the three big tables (every index that does not back a
 * primary-key constraint: the bin's sort indexes, nodes' name/parent/blob indexes, the closure's by-ancestor index)
 * are dropped on open and re-created from their exact definitions (pg_get_indexdef) on close: building an index once
 * from sorted data is several times faster than a million random insertions into each of them.
 * close() also moves the bigserial sequences past the explicit ids (setval), runs VACUUM ANALYZE on the tables
 * written, so the planner has statistics and autovacuum does not start on them in the middle of a measurement, and a
 * CHECKPOINT (the counterpart of SQLite's wal_checkpoint in SqliteBulk.close).
 */
const PG_ROWS = 25_000
const PG_DEFERRED_INDEX_TABLES = ['nodes', 'node_ancestors', 'recycle_entries']

class PostgresBulk extends Bulk {
  private deferred: { name: string; def: string }[] = []

  private constructor(private readonly client: pg.Client) {
    super()
  }

  static async open(schema: string): Promise<PostgresBulk> {
    const client = pgClient(schema, '-c synchronous_commit=off -c maintenance_work_mem=256MB')
    await client.connect()
    const bulk = new PostgresBulk(client)
    await bulk.deferIndexes()
    return bulk.init()
  }

  private async deferIndexes(): Promise<void> {
    const { rows } = await this.client.query(
      `select i.relname as name, pg_get_indexdef(x.indexrelid) as def
       from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
       where t.relnamespace = current_schema()::regnamespace and t.relname = any($1)
         and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)
       order by i.relname`,
      [PG_DEFERRED_INDEX_TABLES],
    )
    this.deferred = rows as { name: string; def: string }[]
    for (const ix of this.deferred) await this.client.query(`drop index "${ix.name}"`)
  }

  private async restoreIndexes(): Promise<void> {
    for (const ix of this.deferred) await this.client.query(ix.def)
    this.deferred = []
  }

  protected async query<T>(text: string, params: unknown[]): Promise<T[]> {
    return (await this.client.query(pgParams(text), params)).rows as T[]
  }

  /** Inserts `rows` with one statement per PG_ROWS rows; `cols` maps each column to its array type and value. */
  private async insertArrays<R>(table: string, rows: R[], cols: [column: string, type: string, value: (r: R) => unknown][], suffix = ''): Promise<void> {
    const names = cols.map((c) => c[0]).join(', ')
    const arrays = cols.map((c, i) => `$${i + 1}::${c[1]}[]`).join(', ')
    const text = `insert into ${table} (${names}) select * from unnest(${arrays}) ${suffix}`
    for (let start = 0; start < rows.length; start += PG_ROWS) {
      const slice = rows.slice(start, start + PG_ROWS)
      await this.client.query(
        text,
        cols.map(([, , value]) => slice.map(value)),
      )
    }
  }

  protected async writeBatch(b: BulkBatch): Promise<void> {
    await this.client.query('begin')
    try {
      await this.insertArrays('nodes', b.nodes, [
        ['id', 'bigint', (n) => n.id],
        ['space_id', 'bigint', (n) => n.spaceId],
        ['parent_id', 'bigint', (n) => n.parentId],
        ['name', 'text', (n) => n.name],
        ['kind', 'text', (n) => n.kind],
        ['state', 'text', (n) => n.state],
        ['size_bytes', 'bigint', (n) => n.sizeBytes],
        ['item_count', 'bigint', (n) => n.itemCount],
        ['content_type', 'text', (n) => n.contentType],
        ['blob_sha256', 'text', (n) => n.blobSha256],
        ['recycle_entry_id', 'bigint', (n) => n.recycleEntryId],
        ['created_by', 'text', (n) => n.createdBy],
        ['created_at', 'bigint', (n) => n.createdAt],
        ['modified_at', 'bigint', (n) => n.modifiedAt],
      ])
      await this.insertArrays('node_ancestors', b.closure, [
        ['node_id', 'bigint', (c) => c[0]],
        ['ancestor_id', 'bigint', (c) => c[1]],
        ['depth', 'int', (c) => c[2]],
      ])
      await this.insertArrays('recycle_entries', b.entries, [
        ['id', 'bigint', (e) => e.id],
        ['space_id', 'bigint', (e) => e.spaceId],
        ['root_node_id', 'bigint', (e) => e.rootNodeId],
        ['name', 'text', (e) => e.name],
        ['kind', 'text', (e) => e.kind],
        ['size_bytes', 'bigint', (e) => e.sizeBytes],
        ['item_count', 'bigint', (e) => e.itemCount],
        ['original_parent_id', 'bigint', (e) => e.originalParentId],
        ['original_path', 'text', (e) => e.originalPath],
        ['modified_at', 'bigint', (e) => e.modifiedAt],
        ['removed_at', 'bigint', (e) => e.removedAt],
        ['removed_by', 'text', (e) => e.removedBy],
        ['expires_at', 'bigint', (e) => e.expiresAt],
        ['state', 'text', () => 'trashed'],
        ['held', 'int', () => 0],
        ['purge_task_id', 'bigint', () => null],
      ])
      for (const a of b.ancestors) {
        await this.client.query('update nodes set size_bytes = size_bytes + $1, item_count = item_count + $2 where id in (select ancestor_id from node_ancestors where node_id = $3)', [a.bytes, a.items, a.folderId])
      }
      for (const d of b.spaces) {
        await this.client.query('update spaces set live_bytes = live_bytes + $1, trash_bytes = trash_bytes + $2, trash_entries = trash_entries + $3 where id = $4', [d.liveBytes, d.trashBytes, d.trashEntries, d.spaceId])
      }
      await this.client.query('commit')
    } catch (e) {
      await this.client.query('rollback').catch(() => {})
      throw e
    }
  }

  protected async writeBlobs(rows: { sha256: string; size: number; refs: number }[], at: number): Promise<void> {
    await this.client.query('begin')
    try {
      await this.insertArrays(
        'blobs',
        rows,
        [
          ['sha256', 'text', (r) => r.sha256],
          ['size_bytes', 'bigint', (r) => r.size],
          ['ref_count', 'bigint', (r) => r.refs],
          ['created_at', 'bigint', () => at],
        ],
        'on conflict (sha256) do update set ref_count = blobs.ref_count + excluded.ref_count',
      )
      await this.client.query('commit')
    } catch (e) {
      await this.client.query('rollback').catch(() => {})
      throw e
    }
  }

  async close(): Promise<void> {
    try {
      await this.restoreIndexes()
      for (const table of ['nodes', 'recycle_entries']) {
        // is_called = true: the next nextval() returns max(id) + 1 (no-op on an empty table: nothing to move past).
        await this.client.query(`select setval(pg_get_serial_sequence($1, 'id'), m) from (select max(id) as m from ${table}) x where m is not null`, [table])
      }
      await this.client.query('vacuum (analyze) nodes, node_ancestors, recycle_entries, blobs, spaces')
      // The population's dirty pages reach the disk now, as SQLite's WAL checkpoint does on its side, instead of in a
      // checkpoint that happens to run during the measured calls (their commits then wait behind its writes).
      await this.client.query('checkpoint').catch(() => undefined) // needs a superuser (or pg_checkpoint); else measured as is
    } finally {
      await this.client.end()
    }
  }
}

export function openBulk(fx: Fixture): Promise<Bulk> {
  return fx.engine === 'postgres' ? PostgresBulk.open(fx.schema!) : SqliteBulk.open(fx.dbFile!)
}

export const FILES_PER_FOLDER = 99

/**
 * A live folder `name` under `parentId` with exactly `descendants` nodes below it: ⌈N/100⌉ subfolders holding the
 * files (99 each for the standard sizes), files sharing blobs from `pool`. Aggregates are computed before inserting, so
 * every folder row is right from the start; the folders above get the totals.
 */
export async function buildTree(
  bulk: Bulk,
  opts: { space: SpaceRow; parentId: number; name: string; descendants: number; pool: BlobRef[]; at: number; createdBy?: string },
): Promise<{ folderId: number; sizeBytes: number; itemCount: number }> {
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
  const parentAncestry = await bulk.ancestry(opts.parentId)
  const top = bulk.insertNode(
    { spaceId: space.id, parentId: opts.parentId, name: opts.name, kind: 'folder', state: 'live', sizeBytes: totalBytes, itemCount: opts.descendants, contentType: null, blobSha256: null, recycleEntryId: null, createdBy, createdAt: at, modifiedAt: at },
    parentAncestry,
  )
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
  await bulk.commit()
  return { folderId: top.id, sizeBytes: totalBytes, itemCount: opts.descendants }
}

/** Live, empty folders directly under the space root (the original parents of bin entries). */
export async function makeFolders(bulk: Bulk, space: SpaceRow, count: number, prefix: string, at: number): Promise<{ id: number; name: string; ancestry: Ancestry }[]> {
  const rootAncestry = await bulk.ancestry(space.rootNodeId)
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
  await bulk.commit()
  return out
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
export async function fillBin(
  bulk: Bulk,
  opts: { space: SpaceRow; folders: { id: number; name: string; ancestry: Ancestry }[]; count: number; item: (i: number) => BinItem; chunk?: number; progress?: (done: number) => void },
): Promise<{ bytes: number }> {
  const { space, folders } = opts
  const retentionMs = space.retentionDays * DAY_MS
  let bytes = 0
  await bulk.chunked(
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
  bulk.adjustSpace(space.id, { trashBytes: bytes, trashEntries: opts.count })
  await bulk.commit()
  return { bytes }
}

// ---------------------------------------------------------------------------------------------------------------
// Invariant checks (SQL both engines run), after population and after the measured operations
// ---------------------------------------------------------------------------------------------------------------

const INVARIANTS: [label: string, query: string][] = [
  ['nodes without their depth-0 closure row', `select count(*) as n from nodes n where not exists (select 1 from node_ancestors a where a.node_id = n.id and a.ancestor_id = n.id and a.depth = 0)`],
  ['nodes without a depth-1 row for their parent', `select count(*) as n from nodes n where n.parent_id is not null and not exists (select 1 from node_ancestors a where a.node_id = n.id and a.ancestor_id = n.parent_id and a.depth = 1)`],
  [
    'nodes whose closure is not their parent’s plus one',
    `select count(*) as n from nodes n where n.parent_id is not null
       and (select count(*) from node_ancestors a where a.node_id = n.id) <> 1 + (select count(*) from node_ancestors a where a.node_id = n.parent_id)`,
  ],
  ['closure rows of missing nodes', `select count(*) as n from node_ancestors a where not exists (select 1 from nodes n where n.id = a.node_id)`],
  // A folder counts the files (bytes) and nodes (items) below it reachable through live nodes only.
  [
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
  ],
  ['entries without their root node', `select count(*) as n from recycle_entries e where not exists (select 1 from nodes n where n.id = e.root_node_id)`],
  [
    'entries that disagree with their root node',
    `select count(*) as n from recycle_entries e join nodes n on n.id = e.root_node_id
     where n.state = 'live' or (e.state = 'trashed' and n.state <> 'trashed') or n.recycle_entry_id <> e.id or n.size_bytes <> e.size_bytes or n.item_count + 1 <> e.item_count
        or n.name <> e.name or n.kind <> e.kind or n.parent_id <> e.original_parent_id or n.space_id <> e.space_id`,
  ],
  ['non-live nodes without an entry', `select count(*) as n from nodes n where n.state <> 'live' and not exists (select 1 from recycle_entries e where e.id = n.recycle_entry_id and e.root_node_id = n.id)`],
  [
    'spaces with wrong live_bytes / trash_bytes / trash_entries',
    `select count(*) as n from spaces s where
       s.live_bytes <> (select r.size_bytes from nodes r where r.id = s.root_node_id)
       or s.trash_bytes <> coalesce((select sum(e.size_bytes) from recycle_entries e where e.space_id = s.id), 0)
       or s.trash_entries <> (select count(*) from recycle_entries e where e.space_id = s.id and e.state = 'trashed')`,
  ],
  ['blobs with a wrong ref_count', `select count(*) as n from blobs b where b.ref_count <> (select count(*) from nodes n where n.blob_sha256 = b.sha256)`],
  ['file rows pointing at no blob row', `select count(*) as n from nodes n where n.blob_sha256 is not null and not exists (select 1 from blobs b where b.sha256 = n.blob_sha256)`],
]

/** Sequences that must be past every id in their table (PostgreSQL bigserial; SQLite AUTOINCREMENT keeps this itself). */
const PG_SEQUENCE_CHECK = `select count(*) as n from pg_sequences q where q.schemaname = current_schema() and (
     (q.sequencename = 'nodes_id_seq' and coalesce(q.last_value, 0) < (select coalesce(max(id), 0) from nodes))
  or (q.sequencename = 'recycle_entries_id_seq' and coalesce(q.last_value, 0) < (select coalesce(max(id), 0) from recycle_entries)))`

/** Returns the violated invariants (empty when all hold). Read-only; safe while a server runs on the same database. */
export async function verifyInvariants(db: BenchDb, dataDir: string, opts: { checkBlobFiles?: boolean } = {}): Promise<string[]> {
  const problems: string[] = []
  const checks = db.engine === 'postgres' ? [...INVARIANTS, ['id sequences behind the explicit ids', PG_SEQUENCE_CHECK] as [string, string]] : INVARIANTS
  for (const [label, q] of checks) {
    const [r] = await db.all<{ n: number | string }>(q)
    const n = Number(r.n)
    if (n) problems.push(`${label}: ${n}`)
  }
  if (opts.checkBlobFiles !== false) {
    const root = path.join(dataDir, 'blobs', 'blobs')
    let missing = 0
    for (const r of await db.all<{ sha256: string }>('select sha256 from blobs')) {
      if (!fs.existsSync(path.join(root, r.sha256.slice(0, 2), r.sha256.slice(2, 4), r.sha256))) missing++
    }
    if (missing) problems.push(`blob rows without bytes on disk: ${missing}`)
  }
  return problems
}

export async function assertInvariants(ctx: BenchContext, fx: Fixture, when: string): Promise<number> {
  if (!ctx.verify) return 0
  const t = now()
  const db = await openBenchDb(fx)
  let problems: string[]
  try {
    problems = await verifyInvariants(db, fx.dataDir)
  } finally {
    await db.close()
  }
  const took = now() - t
  if (problems.length) throw new Error(`invariants violated ${when}:\n  - ${problems.join('\n  - ')}`)
  ctx.log(`invariants hold ${when} (checked in ${(took / 1000).toFixed(1)} s)`)
  return took
}
