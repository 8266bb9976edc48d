/**
 * `npm run bench:load`: issue 8 §5 and the benchmark part of "Scale-out". The real server (`bin/trove` in child
 * processes, fresh data) under N concurrent clients for S seconds with a mixed workload — list a folder, upload a small
 * file, download one, move one to the bin, list the bin, restore one — then `bin/trove fsck --json`.
 *
 * Engines and topologies:
 * - `--engine sqlite` (default): one `bin/trove serve` (API + worker in one process) on a fresh data directory.
 * - `--engine postgres --nodes N`: a fresh schema in PostgreSQL (`--pg-url`, default
 *   postgres://postgres@127.0.0.1:5432/test; dropped at the end unless --keep), N API nodes (`serve --no-worker`, each
 *   on its own port) and one `bin/trove worker`, all on the same schema and the same blob store. The blob store is a
 *   data directory on local disk shared by every process (one machine; publish is an atomic hard link, so processes
 *   sharing it are safe); a real cluster would use a bucket (docs/deploy.md). The first API node starts alone (it
 *   bootstraps the new installation and prints the admin token), then the other nodes and the worker. With N = 1 the
 *   only difference from N = 2 is the number of API nodes.
 *
 * `--spaces N` (default 1): the installation's bootstrap space holds every client's folder, so every write of every
 * client takes the same space-row lock; with N > 1 a new multi-space library with N spaces is made (through
 * `bin/trove library create` / `space create` / `token create`) and client i works in space i mod N.
 *
 * Clients: every client sends each request to the next API node in turn (round-robin per request, not sticky), so
 * anything kept node-local would show up as an error. Each client works in its own folder and keeps its own book of
 * what it has (live files with their SHA-256, bin entries), so it always asks for things that exist: any answer other
 * than the expected success is an error. At the end every client's folder and bin entries are compared with its book
 * and every live file is downloaded and hashed: a missing, extra or changed file counts as an error too.
 *
 * Measured over the timed window: requests/s and p50/p95/p99 per operation; CPU seconds of every server process (from
 * /proc/<pid>/stat), of PostgreSQL (all its processes, and the backends of this run's connections alone, found through
 * pg_stat_activity by application_name), of the load generator itself and of the whole machine (/proc/stat); the load
 * average before and after; nproc.
 *
 * Pass = 0 errors and a clean fsck (exit code 0); otherwise exit code 1.
 *
 *   npm run bench:load                                          # SQLite, 50 clients, 60 s
 *   npm run bench:load -- --seconds 10 --clients 8              # a quick run
 *   npm run bench:load -- --engine postgres --nodes 2 --clients 32 --seconds 60
 *   npm run bench:load -- --engine postgres --nodes 2 --spaces 8     # writes spread over 8 space-row locks
 *   npm run bench:load -- --json                                # the report as one JSON object on stdout
 *   npm run bench:load -- --keep                                # keep the data directory (and schema); paths printed
 */
import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { cpuModel } from './support.ts'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const TROVE = path.join(ROOT, 'bin', 'trove')

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    clients: { type: 'string', default: '50' },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    seed: { type: 'string', default: '4' },
    engine: { type: 'string', default: 'sqlite' },
    nodes: { type: 'string', default: '1' },
    spaces: { type: 'string', default: '1' },
    'pg-url': { type: 'string', default: process.env.TROVE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
  },
})
const SECONDS = Number(args.seconds)
const CLIENTS = Number(args.clients)
const SEED_FILES = Number(args.seed)
const ENGINE = args.engine as 'sqlite' | 'postgres'
const NODES = Number(args.nodes)
const SPACES = Number(args.spaces)
const USAGE =
  'usage: bench/load.ts [--engine sqlite|postgres] [--nodes N] [--spaces N] [--pg-url URL] [--seconds N] [--clients N] [--seed FILES_PER_CLIENT] [--json] [--keep]'
if (!(SECONDS > 0) || !(CLIENTS > 0) || !Number.isInteger(CLIENTS) || !(SEED_FILES >= 1) || !(NODES >= 1) || !Number.isInteger(NODES) || !(SPACES >= 1) || !Number.isInteger(SPACES)) {
  console.error(USAGE)
  process.exit(2)
}
if (ENGINE !== 'sqlite' && ENGINE !== 'postgres') {
  console.error(`--engine must be sqlite or postgres\n${USAGE}`)
  process.exit(2)
}
if (ENGINE === 'sqlite' && NODES !== 1) {
  console.error('--nodes > 1 needs --engine postgres (the embedded SQLite engine is one process)')
  process.exit(2)
}

type Op = 'list' | 'upload' | 'download' | 'trash' | 'list-bin' | 'restore'
/** How often each operation is picked (an operation with nothing to work on falls back to `list`). */
const MIX: [Op, number][] = [
  ['list', 25],
  ['upload', 20],
  ['download', 20],
  ['trash', 12],
  ['list-bin', 10],
  ['restore', 13],
]

const log = (msg: string) => process.stderr.write(`${msg}\n`)
const loadavg = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')

// ---------------------------------------------------------------------------------------------------------------------
// /proc readings

let clockTicks = 0
function ticksPerSecond(): number {
  if (!clockTicks) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    } catch {
      clockTicks = 100
    }
  }
  return clockTicks
}

/** CPU seconds (user + system) a process has used so far, or NaN when it is gone. Also its comm. */
function procStat(pid: number): { comm: string; cpuS: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { comm, cpuS: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond() }
  } catch {
    return null
  }
}

/** Busy and total CPU seconds of the whole machine so far (first line of /proc/stat). */
function machineCpu(): { busyS: number; totalS: number } {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]
    const v = line.trim().split(/\s+/).slice(1, 9).map(Number) // user nice system idle iowait irq softirq steal
    const idle = v[3] + v[4]
    const total = v.reduce((a, b) => a + b, 0)
    return { busyS: (total - idle) / ticksPerSecond(), totalS: total / ticksPerSecond() }
  } catch {
    return { busyS: NaN, totalS: NaN }
  }
}

function postgresPids(): number[] {
  const pids: number[] = []
  let entries: string[] = []
  try {
    entries = fs.readdirSync('/proc')
  } catch {
    return pids
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue
    const s = procStat(Number(e))
    if (s?.comm === 'postgres') pids.push(Number(e))
  }
  return pids
}

// ---------------------------------------------------------------------------------------------------------------------
// The server processes

interface Proc {
  name: string
  child: ChildProcess
  /** Empty for a worker. */
  url: string
  out: () => string
  err: () => string
}

function baseEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('TROVE_')) env[k] = v
  return Object.assign(env, { TROVE_HOST: '127.0.0.1', TROVE_PORT: '0', TROVE_LOG_LEVEL: 'warn' }, extra)
}

async function startProc(name: string, cliArgs: string[], env: Record<string, string>): Promise<Proc> {
  const child = spawn(process.execPath, [TROVE, ...cliArgs], { cwd: ROOT, env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d))
  const proc: Proc = { name, child, url: '', out: () => out, err: () => err }
  const deadline = Date.now() + 60_000
  for (;;) {
    const url = /Trove is running at (http:\/\/\S+)/.exec(out)?.[1]
    if (url && (!/First start/.test(out) || /somewhere safe/.test(out))) {
      proc.url = url
      return proc
    }
    if (/Trove worker \S+ started/.test(out)) return proc
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} (trove ${cliArgs.join(' ')}) exited (${child.exitCode ?? child.signalCode}):\n${out}\n${err}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`${name} (trove ${cliArgs.join(' ')}) was not ready within 60 s:\n${out}\n${err}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function stopProc(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return
  const exited = new Promise<void>((r) => p.child.once('exit', () => r()))
  p.child.kill('SIGTERM')
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 20_000)
  await exited
  clearTimeout(timer)
}

interface Deployment {
  /** API nodes, in the order clients rotate through them. */
  apis: Proc[]
  /** Every process (API nodes and the worker). */
  procs: Proc[]
  token: string
  /** Client i works in spaceIds[i mod length]. */
  spaceIds: string[]
  /** Environment of the instance (data directory, database): also what fsck runs with. */
  env: Record<string, string>
}

async function deploy(dataDir: string, pg: { url: string; schema: string } | null): Promise<Deployment> {
  const env: Record<string, string> = { TROVE_DATA_DIR: dataDir }
  if (pg) Object.assign(env, { TROVE_DATABASE_URL: pg.url, TROVE_DATABASE_SCHEMA: pg.schema })
  const procs: Proc[] = []
  try {
    if (!pg) procs.push(await startProc('serve', ['serve'], env))
    else {
      // The first start of a new installation must be alone (docs/deploy.md): it creates the library and the admin.
      procs.push(await startProc('api-1', ['serve', '--no-worker'], env))
      const rest = await Promise.allSettled([
        ...Array.from({ length: NODES - 1 }, (_, i) => startProc(`api-${i + 2}`, ['serve', '--no-worker'], env)),
        startProc('worker', ['worker'], env),
      ])
      for (const r of rest) if (r.status === 'fulfilled') procs.push(r.value)
      const failed = rest.find((r) => r.status === 'rejected')
      if (failed) throw (failed as PromiseRejectedResult).reason
    }
  } catch (e) {
    await Promise.all(procs.map(stopProc))
    throw e
  }
  const first = procs[0].out()
  const field = (label: string) => new RegExp(`^  ${label}:\\s+(\\S+)\\s*$`, 'm').exec(first)?.[1] ?? ''
  const token = field('admin token')
  const spaceId = field('space id')
  if (!token || !spaceId) {
    await Promise.all(procs.map(stopProc))
    throw new Error(`the first node printed no admin token / space id (not a fresh installation?):\n${first}`)
  }
  return { apis: procs.filter((p) => p.url), procs, token, spaceIds: [spaceId], env }
}

/** `bin/trove <args> --json` against the instance's database; its JSON answer. */
function cliJson(cliArgs: string[], env: Record<string, string>): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [TROVE, ...cliArgs, '--json'], { cwd: ROOT, env: baseEnv(env), timeout: 120_000 }, (e, stdout, stderr) => {
      if (e) return reject(new Error(`trove ${cliArgs.join(' ')}: ${e.message}\n${stderr}`))
      try {
        resolve(JSON.parse(String(stdout).trim().split('\n').at(-1)!))
      } catch {
        reject(new Error(`trove ${cliArgs.join(' ')} printed no JSON: ${stdout}${stderr}`))
      }
    })
  })
}

/**
 * --spaces N (N > 1): the bootstrap library holds exactly one space, so make a multi-space library with N spaces and an
 * admin token for it; clients are spread over the spaces. Every write locks its space's row (the counters), so with one
 * space all writes of all clients queue on one lock; with N they queue on N.
 */
async function makeSpaces(d: Deployment): Promise<void> {
  const lib = await cliJson(['library', 'create', '--name', 'bench-load', '--multi-space'], d.env)
  const spaceIds: string[] = lib.spaceId ? [lib.spaceId] : []
  while (spaceIds.length < SPACES) spaceIds.push((await cliJson(['space', 'create', '--library', lib.libraryId], d.env)).spaceId)
  const t = await cliJson(['token', 'create', '--library', lib.libraryId, '--user', 'bench-load', '--grant', 'admin', '--ttl', '86400'], d.env)
  d.token = t.accessToken
  d.spaceIds = spaceIds.map(String)
}

function fsck(env: Record<string, string>): Promise<{ code: number; report: { ok: boolean; summary: string; problems: unknown[] } | null; raw: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [TROVE, 'fsck', '--json'], { cwd: ROOT, env: baseEnv(env), timeout: 600_000, maxBuffer: 64 * 1024 * 1024 }, (e, stdout, stderr) => {
      const code = e ? (typeof (e as { code?: unknown }).code === 'number' ? (e as { code: number }).code : 1) : 0
      let report = null
      try {
        report = JSON.parse(String(stdout))
      } catch {
        // reported below with the raw output
      }
      resolve({ code, report, raw: `${stdout}${stderr}` })
    })
  })
}

// ---------------------------------------------------------------------------------------------------------------------
// CPU accounting over the timed window

type PgClient = { query(q: string, v?: unknown[]): Promise<{ rows: any[] }>; end(): Promise<void> }

class CpuMeter {
  private procStart = new Map<number, number>()
  private procEnd = new Map<number, number>()
  /** Every postgres process seen during the window: CPU at first and last sight. */
  private pg = new Map<number, { first: number; last: number }>()
  /** Backends that served this run's connections (pg_stat_activity.application_name). */
  private ours = new Set<number>()
  private machineStart = machineCpu()
  private machineEnd = machineCpu()
  private selfStart = process.cpuUsage()
  private selfEnd = this.selfStart
  private timer: NodeJS.Timeout | null = null
  private sampling: Promise<void> = Promise.resolve()

  constructor(
    private readonly procs: Proc[],
    private readonly pgMonitor: { client: PgClient; appName: string } | null,
  ) {}

  private async samplePg(initial: boolean): Promise<void> {
    if (!this.pgMonitor) return
    for (const pid of postgresPids()) {
      const cpu = procStat(pid)?.cpuS
      if (cpu === undefined) continue
      const seen = this.pg.get(pid)
      // A backend first seen during the window started during it: all of its CPU time belongs to the window.
      if (!seen) this.pg.set(pid, { first: initial ? cpu : 0, last: cpu })
      else seen.last = cpu
    }
    try {
      const r = await this.pgMonitor.client.query('select pid from pg_stat_activity where application_name = $1', [this.pgMonitor.appName])
      for (const row of r.rows) this.ours.add(Number(row.pid))
    } catch {
      // best effort
    }
  }

  async start(): Promise<void> {
    await this.samplePg(true)
    for (const p of this.procs) this.procStart.set(p.child.pid!, procStat(p.child.pid!)?.cpuS ?? NaN)
    this.machineStart = machineCpu()
    this.selfStart = process.cpuUsage()
    this.timer = setInterval(() => (this.sampling = this.sampling.then(() => this.samplePg(false))), 500)
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    for (const p of this.procs) this.procEnd.set(p.child.pid!, procStat(p.child.pid!)?.cpuS ?? NaN)
    this.machineEnd = machineCpu()
    this.selfEnd = process.cpuUsage(this.selfStart)
    await this.sampling
    await this.samplePg(false)
  }

  report(elapsedS: number) {
    const processes = this.procs.map((p) => {
      const cpuS = (this.procEnd.get(p.child.pid!) ?? NaN) - (this.procStart.get(p.child.pid!) ?? NaN)
      return { name: p.name, pid: p.child.pid!, cpuSeconds: cpuS, cores: cpuS / elapsedS }
    })
    let pgAll = NaN
    let pgOurs = NaN
    if (this.pgMonitor) {
      pgAll = 0
      pgOurs = 0
      for (const [pid, s] of this.pg) {
        pgAll += s.last - s.first
        if (this.ours.has(pid)) pgOurs += s.last - s.first
      }
    }
    const loadGenerator = (this.selfEnd.user + this.selfEnd.system) / 1e6
    const machineBusy = this.machineEnd.busyS - this.machineStart.busyS
    const machineTotal = this.machineEnd.totalS - this.machineStart.totalS
    const trove = processes.reduce((n, p) => n + p.cpuSeconds, 0)
    const accounted = trove + (Number.isFinite(pgAll) ? pgAll : 0) + loadGenerator
    return {
      processes,
      troveSeconds: trove,
      postgresAllSeconds: pgAll,
      postgresThisRunSeconds: pgOurs,
      loadGeneratorSeconds: loadGenerator,
      machineBusySeconds: machineBusy,
      machineCapacitySeconds: machineTotal,
      machineBusyShare: machineBusy / machineTotal,
      otherSeconds: machineBusy - accounted,
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// The clients

interface Stat {
  latencies: number[]
  errors: number
}

const stats = new Map<Op, Stat>(MIX.map(([op]) => [op, { latencies: [], errors: 0 }]))
const errorSamples: string[] = []
let stopAt = 0
let verifyErrors = 0
/** Requests sent to each API node (setup, run and final check). */
let perNode: number[] = []

function recordError(op: Op | 'verify', message: string): void {
  if (op !== 'verify') stats.get(op)!.errors++
  else verifyErrors++
  if (errorSamples.length < 20) errorSamples.push(`${op}: ${message}`)
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

class Client {
  folderId = ''
  /** node id → { name, sha256 } of the files it has in its folder. */
  live = new Map<string, { name: string; sha: string }>()
  /** entry id → the file it holds. */
  bin = new Map<string, { name: string; sha: string }>()
  private n = 0
  /** Requests sent so far: the next one goes to API node (index + calls) mod N. */
  private calls = 0

  constructor(
    readonly index: number,
    readonly d: Deployment,
  ) {}

  /** The space's API on the next node in turn: every request may land on another node. */
  private api(): string {
    const i = (this.index + this.calls++) % this.d.apis.length
    perNode[i]++
    return `${this.d.apis[i].url}/trove/v1/spaces/${this.d.spaceIds[this.index % this.d.spaceIds.length]}`
  }

  private async call(method: string, route: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer; json: () => any }> {
    const r = await fetch(`${this.api()}${route}`, { method, body: body as unknown as BodyInit | undefined, headers: { authorization: `Bearer ${this.d.token}`, ...headers } })
    const buf = Buffer.from(await r.arrayBuffer())
    return { status: r.status, body: buf, json: () => JSON.parse(buf.toString('utf8')) }
  }

  async setup(): Promise<void> {
    const r = await this.call('POST', `/folders`, JSON.stringify({ name: `client-${this.index}` }), { 'content-type': 'application/json' })
    if (r.status !== 201) throw new Error(`client ${this.index}: mkdir ${r.status} ${r.body}`)
    this.folderId = r.json().id
    for (let i = 0; i < SEED_FILES; i++) await this.upload()
  }

  private async upload(): Promise<boolean> {
    const bytes = randomBytes(1024 + Math.floor(Math.random() * 15 * 1024))
    const name = `f-${this.index}-${++this.n}.bin`
    const r = await this.call('PUT', `/files?parentId=${this.folderId}&name=${encodeURIComponent(name)}`, bytes, { 'content-type': 'application/octet-stream' })
    if (r.status !== 201) return fail(r, 201)
    const node = r.json()
    if (node.sha256 !== sha256(bytes) || node.sizeBytes !== bytes.length) throw new Error(`answer does not match the bytes sent: ${r.body.toString('utf8').slice(0, 200)}`)
    this.live.set(node.id, { name, sha: node.sha256 })
    return true
  }

  private pick<T>(m: Map<string, T>): [string, T] | undefined {
    if (!m.size) return undefined
    const i = Math.floor(Math.random() * m.size)
    let k = 0
    for (const e of m) if (k++ === i) return e
    return undefined
  }

  async step(op: Op): Promise<boolean> {
    switch (op) {
      case 'list': {
        const r = await this.call('GET', `/folders/${this.folderId}/children?limit=100&sort=modified&order=desc`)
        return r.status === 200 || fail(r, 200)
      }
      case 'upload':
        return this.upload()
      case 'download': {
        const [id, f] = this.pick(this.live)!
        const r = await this.call('GET', `/nodes/${id}/content`)
        if (r.status !== 200) return fail(r, 200)
        if (sha256(r.body) !== f.sha) throw new Error(`${id}: content differs from what was uploaded`)
        return true
      }
      case 'trash': {
        const [id, f] = this.pick(this.live)!
        this.live.delete(id)
        const r = await this.call('DELETE', `/nodes/${id}`)
        if (r.status !== 201) return fail(r, 201)
        this.bin.set(r.json().entry.id, f)
        return true
      }
      case 'list-bin': {
        const r = await this.call('GET', `/trash?limit=50&originalParentId=${this.folderId}`)
        return r.status === 200 || fail(r, 200)
      }
      case 'restore': {
        const [entryId, f] = this.pick(this.bin)!
        this.bin.delete(entryId)
        const r = await this.call('POST', `/trash/${entryId}/restore`, JSON.stringify({ onConflict: 'rename' }), { 'content-type': 'application/json' })
        if (r.status !== 200) return fail(r, 200)
        const out = r.json()
        if (out.status !== 'restored' || !out.nodeId) throw new Error(`restore answered ${r.body.toString('utf8').slice(0, 200)}`)
        this.live.set(String(out.nodeId), { name: out.name ?? f.name, sha: f.sha })
        return true
      }
    }
  }

  /** What it can do now: trash/download need a live file, restore needs a bin entry. */
  choose(): Op {
    let r = Math.random() * 100
    for (const [op, w] of MIX) {
      if ((r -= w) < 0) {
        if ((op === 'download' || op === 'trash') && this.live.size === 0) return 'upload'
        if (op === 'restore' && this.bin.size === 0) return 'list-bin'
        return op
      }
    }
    return 'list'
  }

  async run(): Promise<void> {
    while (Date.now() < stopAt) {
      const op = this.choose()
      const t0 = process.hrtime.bigint()
      try {
        if (await this.step(op)) stats.get(op)!.latencies.push(Number(process.hrtime.bigint() - t0) / 1e6)
      } catch (e) {
        recordError(op, (e as Error).message)
      }
    }
  }

  /** Folder and bin against the book; every live file downloaded and hashed. */
  async verify(): Promise<void> {
    const names = new Map<string, string>()
    let cursor = ''
    for (;;) {
      const r = await this.call('GET', `/folders/${this.folderId}/children?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      if (r.status !== 200) return recordError('verify', `client ${this.index}: list ${r.status}`)
      const page = r.json()
      for (const n of page.items) names.set(n.id, n.sha256)
      if (!page.nextCursor) break
      cursor = page.nextCursor
    }
    for (const [id, f] of this.live) {
      if (names.get(id) !== f.sha) recordError('verify', `client ${this.index}: file ${id} (${f.name}) is ${names.has(id) ? 'changed' : 'missing'}`)
      const r = await this.call('GET', `/nodes/${id}/content`)
      if (r.status !== 200 || sha256(r.body) !== f.sha) recordError('verify', `client ${this.index}: file ${id} does not download intact (${r.status})`)
    }
    for (const id of names.keys()) if (!this.live.has(id)) recordError('verify', `client ${this.index}: unexpected file ${id} in its folder`)
    const bin = new Set<string>()
    cursor = ''
    for (;;) {
      const r = await this.call('GET', `/trash?limit=1000&originalParentId=${this.folderId}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      if (r.status !== 200) return recordError('verify', `client ${this.index}: bin ${r.status}`)
      const page = r.json()
      for (const e of page.items) bin.add(e.id)
      if (!page.nextCursor) break
      cursor = page.nextCursor
    }
    for (const id of this.bin.keys()) if (!bin.has(id)) recordError('verify', `client ${this.index}: bin entry ${id} is missing`)
    for (const id of bin) if (!this.bin.has(id)) recordError('verify', `client ${this.index}: unexpected bin entry ${id}`)
  }
}

function fail(r: { status: number; body: Buffer }, expected: number): false {
  // The caller's op is not known here: count it on the op through the thrown error path instead.
  throw new Error(`expected ${expected}, got ${r.status} ${r.body.toString('utf8').slice(0, 200)}`)
}

// ---------------------------------------------------------------------------------------------------------------------
// Report

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

async function openPg(url: string): Promise<PgClient> {
  const { default: pg } = await import('pg')
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 })
  await c.connect()
  return c
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trove-load-'))
  const cpus = os.availableParallelism()
  const machine = `${cpus} × ${cpuModel()}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}`
  const topology = ENGINE === 'sqlite' ? '1 × `serve` (API + worker), SQLite' : `${NODES} × \`serve --no-worker\` + 1 × \`worker\`, PostgreSQL`

  // PostgreSQL: a fresh schema; this run's connections carry an application_name so their backends can be found.
  let pgInfo: { url: string; schema: string; appName: string; admin: PgClient } | null = null
  if (ENGINE === 'postgres') {
    const schema = `bench_load_${process.pid}_${Date.now().toString(36)}`
    const appName = `trove-${schema}`.replace(/_/g, '-')
    const u = new URL(args['pg-url']!)
    u.searchParams.set('application_name', appName)
    let admin: PgClient
    try {
      admin = await openPg(args['pg-url']!)
    } catch (e) {
      fs.rmSync(dataDir, { recursive: true, force: true })
      throw new Error(`PostgreSQL is not reachable at ${args['pg-url']}: ${(e as Error).message}`)
    }
    pgInfo = { url: u.toString(), schema, appName, admin }
  }
  let dropped = false
  const dropSchema = async () => {
    if (!pgInfo || dropped) return
    dropped = true
    if (args.keep) log(`load: schema kept: ${pgInfo.schema}`)
    else await pgInfo.admin.query(`drop schema if exists ${pgInfo.schema} cascade`).catch((e) => log(`load: could not drop schema ${pgInfo!.schema}: ${(e as Error).message}`))
    await pgInfo.admin.end().catch(() => undefined)
  }

  const removeDataDir = () => {
    if (!args.keep) fs.rmSync(dataDir, { recursive: true, force: true })
  }

  log(`load: ${CLIENTS} clients × ${SECONDS} s against ${topology} (data dir ${dataDir}${pgInfo ? `, schema ${pgInfo.schema}` : ''}); load average ${loadavg()}`)
  let d: Deployment
  try {
    d = await deploy(dataDir, pgInfo && { url: pgInfo.url, schema: pgInfo.schema })
  } catch (e) {
    await dropSchema()
    removeDataDir()
    throw e
  }
  perNode = d.apis.map(() => 0)
  if (SPACES > 1) {
    try {
      await makeSpaces(d)
    } catch (e) {
      await Promise.all(d.procs.map(stopProc))
      await dropSchema()
      removeDataDir()
      throw e
    }
    log(`load: ${SPACES} spaces in a new multi-space library; clients spread over them`)
  }
  log(`load: up: ${d.procs.map((p) => `${p.name} (pid ${p.child.pid}${p.url ? `, ${p.url}` : ''})`).join(', ')}`)
  let fsckResult: Awaited<ReturnType<typeof fsck>> | null = null
  let loadBefore = loadavg()
  let loadAfterRun = ''
  let elapsed = 0
  let cpu: ReturnType<CpuMeter['report']> | null = null
  try {
    const clients = Array.from({ length: CLIENTS }, (_, i) => new Client(i, d))
    for (const c of clients) await c.setup()
    log(`load: ${CLIENTS} folders with ${SEED_FILES} files each; running…`)
    const meter = new CpuMeter(d.procs, pgInfo && { client: pgInfo.admin, appName: pgInfo.appName })
    loadBefore = loadavg()
    await meter.start()
    const t0 = Date.now()
    stopAt = t0 + SECONDS * 1000
    await Promise.all(clients.map((c) => c.run()))
    elapsed = (Date.now() - t0) / 1000
    await meter.stop()
    loadAfterRun = loadavg()
    cpu = meter.report(elapsed)
    log(`load: done after ${elapsed.toFixed(1)} s; checking every client's folder and bin…`)
    for (const c of clients) await c.verify()
  } catch (e) {
    await Promise.all(d.procs.map(stopProc))
    await dropSchema()
    removeDataDir()
    throw e
  }
  await Promise.all(d.procs.map(stopProc))
  log('load: servers stopped; bin/trove fsck --json …')
  try {
    fsckResult = await fsck(d.env)
  } finally {
    await dropSchema()
  }
  const loadAfter = loadavg()

  const rows = MIX.map(([op]) => {
    const s = stats.get(op)!
    const sorted = [...s.latencies].sort((a, b) => a - b)
    return {
      op,
      requests: sorted.length + s.errors,
      perSecond: sorted.length / elapsed,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: sorted.at(-1) ?? NaN,
      errors: s.errors,
    }
  })
  const total = rows.reduce((n, r) => n + r.requests, 0)
  const errors = rows.reduce((n, r) => n + r.errors, 0) + verifyErrors
  const all = MIX.flatMap(([op]) => stats.get(op)!.latencies).sort((a, b) => a - b)
  const fsckOk = fsckResult.code === 0 && !!fsckResult.report?.ok
  const report = {
    engine: ENGINE,
    apiNodes: d.apis.length,
    topology,
    spaces: d.spaceIds.length,
    clients: CLIENTS,
    seconds: elapsed,
    machine,
    nproc: cpus,
    startedAt: new Date(Date.now() - elapsed * 1000).toISOString(),
    loadAverage: { before: loadBefore, afterRun: loadAfterRun, after: loadAfter },
    requests: total,
    requestsPerSecond: total / elapsed,
    p50: percentile(all, 50),
    p95: percentile(all, 95),
    p99: percentile(all, 99),
    errors,
    verifyErrors,
    requestsPerNode: perNode,
    operations: rows,
    cpu,
    fsck: { ok: fsckOk, exitCode: fsckResult.code, summary: fsckResult.report?.summary ?? fsckResult.raw.slice(0, 2000) },
    errorSamples,
    pass: errors === 0 && fsckOk,
  }
  if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
  else {
    const f = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–')
    const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–')
    const c = cpu!
    const lines = [
      `Load: ${topology}; ${CLIENTS} clients in ${d.spaceIds.length} space(s), ${elapsed.toFixed(1)} s; ${machine}`,
      `Load average ${loadBefore} → ${loadAfterRun} (1/5/15 min, before → after the timed run)`,
      `Requests per API node (round-robin per request): ${perNode.join(' / ')}`,
      '',
      '| operation | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows.map((r) => `| ${r.op} | ${r.requests} | ${f(r.perSecond)} | ${f(r.p50)} | ${f(r.p95)} | ${f(r.p99)} | ${f(r.max)} | ${r.errors} |`),
      `| **all** | ${total} | ${f(total / elapsed)} | ${f(report.p50)} | ${f(report.p95)} | ${f(report.p99)} | ${f(all.at(-1) ?? NaN)} | ${errors - verifyErrors} |`,
      '',
      `CPU seconds during the ${elapsed.toFixed(1)} s run (cores = seconds ÷ wall time; the machine has ${cpus}):`,
      ...c.processes.map((p) => `  ${p.name.padEnd(28)} ${f2(p.cpuSeconds).padStart(8)} s  ${f2(p.cores)} cores`),
      ...(ENGINE === 'postgres'
        ? [
            `  ${'PostgreSQL, this run'.padEnd(28)} ${f2(c.postgresThisRunSeconds).padStart(8)} s  ${f2(c.postgresThisRunSeconds / elapsed)} cores  (backends of this run's connections)`,
            `  ${'PostgreSQL, all processes'.padEnd(28)} ${f2(c.postgresAllSeconds).padStart(8)} s  ${f2(c.postgresAllSeconds / elapsed)} cores  (incl. WAL writer, checkpointer, other users)`,
          ]
        : []),
      `  ${'load generator (this)'.padEnd(28)} ${f2(c.loadGeneratorSeconds).padStart(8)} s  ${f2(c.loadGeneratorSeconds / elapsed)} cores`,
      `  ${'everything else'.padEnd(28)} ${f2(c.otherSeconds).padStart(8)} s  ${f2(c.otherSeconds / elapsed)} cores  (machine busy minus the above: CI, other work)`,
      `  ${'machine busy'.padEnd(28)} ${f2(c.machineBusySeconds).padStart(8)} s  ${f2(c.machineBusySeconds / elapsed)} cores  (${(c.machineBusyShare * 100).toFixed(0)}% of ${f2(c.machineCapacitySeconds)} s)`,
      '',
      `Final check of every client's folder, bin and file contents: ${verifyErrors} error(s).`,
      `bin/trove fsck: ${fsckOk ? 'clean' : 'PROBLEMS'} — ${report.fsck.summary.replace(/^fsck:\s*/, '')}`,
      ...(errorSamples.length ? ['', 'First errors:', ...errorSamples.map((e) => `  ${e}`)] : []),
      '',
      report.pass ? 'PASS: 0 errors, fsck clean' : 'FAIL',
    ]
    process.stdout.write(`${lines.join('\n')}\n`)
  }
  if (args.keep) log(`load: data directory kept: ${dataDir}`)
  else removeDataDir()
  process.exitCode = report.pass ? 0 : 1
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
