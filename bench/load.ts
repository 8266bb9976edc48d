/**
 * `npm run bench:load`: issue 8 §5. The real server (`bin/trove serve` in a child process, fresh temporary data
 * directory) under N concurrent clients for S seconds with a mixed workload — list a folder, upload a small file,
 * download one, move one to the bin, list the bin, restore one — then `bin/trove fsck --json` on the data directory.
 *
 * Each client works in its own folder and keeps its own book of what it has (live files with their SHA-256, bin
 * entries), so it always asks for things that exist: any answer other than the expected success is an error. At the
 * end every client's folder and bin entries are compared with its book and every live file is downloaded and hashed:
 * a missing, extra or changed file counts as an error too.
 *
 * Pass = 0 errors and a clean fsck (exit code 0); otherwise exit code 1.
 *
 *   npm run bench:load                                  # 50 clients, 60 s
 *   npm run bench:load -- --seconds 10 --clients 8      # a quick run
 *   npm run bench:load -- --json                        # the report as one JSON object on stdout
 *   npm run bench:load -- --keep                        # keep the data directory (its path is printed)
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const TROVE = path.join(ROOT, 'bin', 'trove')

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    clients: { type: 'string', default: '50' },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    seed: { type: 'string', default: '4' },
  },
})
const SECONDS = Number(args.seconds)
const CLIENTS = Number(args.clients)
const SEED_FILES = Number(args.seed)
if (!(SECONDS > 0) || !(CLIENTS > 0) || !Number.isInteger(CLIENTS) || !(SEED_FILES >= 1)) {
  console.error('usage: bench/load.ts [--seconds N] [--clients N] [--seed FILES_PER_CLIENT] [--json] [--keep]')
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
// The server

interface Server {
  child: ChildProcess
  url: string
  token: string
  spaceId: string
  stderr: () => string
}

async function startServer(dataDir: string): Promise<Server> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('TROVE_')) env[k] = v
  Object.assign(env, { TROVE_DATA_DIR: dataDir, TROVE_HOST: '127.0.0.1', TROVE_PORT: '0', TROVE_LOG_LEVEL: 'warn' })
  const child = spawn(process.execPath, [TROVE, 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d))
  const deadline = Date.now() + 60_000
  for (;;) {
    const url = /Trove is running at (http:\/\/\S+)/.exec(out)?.[1]
    if (url && /somewhere safe/.test(out)) {
      const field = (label: string) => new RegExp(`^  ${label}:\\s+(\\S+)\\s*$`, 'm').exec(out)?.[1] ?? ''
      return { child, url, token: field('admin token'), spaceId: field('space id'), stderr: () => err }
    }
    if (child.exitCode !== null) throw new Error(`trove serve exited (${child.exitCode}):\n${out}\n${err}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`trove serve was not ready within 60 s:\n${out}\n${err}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function stopServer(s: Server): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return
  const exited = new Promise<void>((r) => s.child.once('exit', () => r()))
  s.child.kill('SIGTERM')
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 20_000)
  await exited
  clearTimeout(timer)
}

function fsck(dataDir: string): Promise<{ code: number; report: { ok: boolean; summary: string; problems: unknown[] } | null; raw: string }> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('TROVE_')) env[k] = v
  env.TROVE_DATA_DIR = dataDir
  return new Promise((resolve) => {
    execFile(process.execPath, [TROVE, 'fsck', '--json'], { cwd: ROOT, env, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 }, (e, stdout, stderr) => {
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
// The clients

interface Stat {
  latencies: number[]
  errors: number
}

const stats = new Map<Op, Stat>(MIX.map(([op]) => [op, { latencies: [], errors: 0 }]))
const errorSamples: string[] = []
let stopAt = 0

function recordError(op: Op | 'verify', message: string): void {
  if (op !== 'verify') stats.get(op)!.errors++
  else verifyErrors++
  if (errorSamples.length < 20) errorSamples.push(`${op}: ${message}`)
}
let verifyErrors = 0

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

class Client {
  folderId = ''
  /** node id → { name, sha256 } of the files it has in its folder. */
  live = new Map<string, { name: string; sha: string }>()
  /** entry id → the file it holds. */
  bin = new Map<string, { name: string; sha: string }>()
  private n = 0

  constructor(
    readonly index: number,
    readonly s: Server,
  ) {}

  private get api() {
    return `${this.s.url}/trove/v1/spaces/${this.s.spaceId}`
  }

  private async call(method: string, url: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer; json: () => any }> {
    const r = await fetch(url, { method, body: body as unknown as BodyInit | undefined, headers: { authorization: `Bearer ${this.s.token}`, ...headers } })
    const buf = Buffer.from(await r.arrayBuffer())
    return { status: r.status, body: buf, json: () => JSON.parse(buf.toString('utf8')) }
  }

  async setup(): Promise<void> {
    const r = await this.call('POST', `${this.api}/folders`, JSON.stringify({ name: `client-${this.index}` }), { 'content-type': 'application/json' })
    if (r.status !== 201) throw new Error(`client ${this.index}: mkdir ${r.status} ${r.body}`)
    this.folderId = r.json().id
    for (let i = 0; i < SEED_FILES; i++) await this.upload()
  }

  private async upload(): Promise<boolean> {
    const bytes = randomBytes(1024 + Math.floor(Math.random() * 15 * 1024))
    const name = `f-${this.index}-${++this.n}.bin`
    const r = await this.call('PUT', `${this.api}/files?parentId=${this.folderId}&name=${encodeURIComponent(name)}`, bytes, { 'content-type': 'application/octet-stream' })
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
        const r = await this.call('GET', `${this.api}/folders/${this.folderId}/children?limit=100&sort=modified&order=desc`)
        return r.status === 200 || fail(r, 200)
      }
      case 'upload':
        return this.upload()
      case 'download': {
        const [id, f] = this.pick(this.live)!
        const r = await this.call('GET', `${this.api}/nodes/${id}/content`)
        if (r.status !== 200) return fail(r, 200)
        if (sha256(r.body) !== f.sha) throw new Error(`${id}: content differs from what was uploaded`)
        return true
      }
      case 'trash': {
        const [id, f] = this.pick(this.live)!
        this.live.delete(id)
        const r = await this.call('DELETE', `${this.api}/nodes/${id}`)
        if (r.status !== 201) return fail(r, 201)
        this.bin.set(r.json().entry.id, f)
        return true
      }
      case 'list-bin': {
        const r = await this.call('GET', `${this.api}/trash?limit=50&originalParentId=${this.folderId}`)
        return r.status === 200 || fail(r, 200)
      }
      case 'restore': {
        const [entryId, f] = this.pick(this.bin)!
        this.bin.delete(entryId)
        const r = await this.call('POST', `${this.api}/trash/${entryId}/restore`, JSON.stringify({ onConflict: 'rename' }), { 'content-type': 'application/json' })
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
      const r = await this.call('GET', `${this.api}/folders/${this.folderId}/children?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      if (r.status !== 200) return recordError('verify', `client ${this.index}: list ${r.status}`)
      const page = r.json()
      for (const n of page.items) names.set(n.id, n.sha256)
      if (!page.nextCursor) break
      cursor = page.nextCursor
    }
    for (const [id, f] of this.live) {
      if (names.get(id) !== f.sha) recordError('verify', `client ${this.index}: file ${id} (${f.name}) is ${names.has(id) ? 'changed' : 'missing'}`)
      const r = await this.call('GET', `${this.api}/nodes/${id}/content`)
      if (r.status !== 200 || sha256(r.body) !== f.sha) recordError('verify', `client ${this.index}: file ${id} does not download intact (${r.status})`)
    }
    for (const id of names.keys()) if (!this.live.has(id)) recordError('verify', `client ${this.index}: unexpected file ${id} in its folder`)
    const bin = new Set<string>()
    cursor = ''
    for (;;) {
      const r = await this.call('GET', `${this.api}/trash?limit=1000&originalParentId=${this.folderId}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
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

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trove-load-'))
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${os.platform()} ${os.release()}`
  log(`load: ${CLIENTS} clients × ${SECONDS} s against bin/trove serve (data dir ${dataDir}); load average ${loadavg()}`)
  const server = await startServer(dataDir)
  let fsckResult: Awaited<ReturnType<typeof fsck>> | null = null
  const loadBefore = loadavg()
  let elapsed = 0
  try {
    const clients = Array.from({ length: CLIENTS }, (_, i) => new Client(i, server))
    for (const c of clients) await c.setup()
    log(`load: ${CLIENTS} folders with ${SEED_FILES} files each; running…`)
    const t0 = Date.now()
    stopAt = t0 + SECONDS * 1000
    await Promise.all(clients.map((c) => c.run()))
    elapsed = (Date.now() - t0) / 1000
    log(`load: done after ${elapsed.toFixed(1)} s; checking every client's folder and bin…`)
    for (const c of clients) await c.verify()
  } finally {
    await stopServer(server)
  }
  log('load: server stopped; bin/trove fsck --json …')
  fsckResult = await fsck(dataDir)
  const loadAfter = loadavg()

  const rows = MIX.map(([op]) => {
    const s = stats.get(op)!
    const sorted = [...s.latencies].sort((a, b) => a - b)
    return { op, requests: sorted.length + s.errors, perSecond: sorted.length / elapsed, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN, errors: s.errors }
  })
  const total = rows.reduce((n, r) => n + r.requests, 0)
  const errors = rows.reduce((n, r) => n + r.errors, 0) + verifyErrors
  const all = MIX.flatMap(([op]) => stats.get(op)!.latencies).sort((a, b) => a - b)
  const fsckOk = fsckResult.code === 0 && !!fsckResult.report?.ok
  const report = {
    clients: CLIENTS,
    seconds: elapsed,
    machine,
    loadAverage: { before: loadBefore, after: loadAfter },
    requests: total,
    requestsPerSecond: total / elapsed,
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    errors,
    verifyErrors,
    operations: rows,
    fsck: { ok: fsckOk, exitCode: fsckResult.code, summary: fsckResult.report?.summary ?? fsckResult.raw.slice(0, 2000) },
    errorSamples,
    pass: errors === 0 && fsckOk,
  }
  if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
  else {
    const f = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–')
    const lines = [
      `Load: ${CLIENTS} clients, ${elapsed.toFixed(1)} s, ${machine}; load average ${loadBefore} → ${loadAfter}`,
      '',
      '| operation | requests | req/s | p50 ms | p99 ms | max ms | errors |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows.map((r) => `| ${r.op} | ${r.requests} | ${f(r.perSecond)} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.max)} | ${r.errors} |`),
      `| **all** | ${total} | ${f(total / elapsed)} | ${f(report.p50)} | ${f(report.p99)} | ${f(all.at(-1) ?? NaN)} | ${errors - verifyErrors} |`,
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
  else fs.rmSync(dataDir, { recursive: true, force: true })
  process.exitCode = report.pass ? 0 : 1
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
