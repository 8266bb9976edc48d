/**
 * Benchmark suite entry point: `npm run bench [-- --scale small|full] [--only name[,name]] [--engine sqlite|postgres|both]`.
 * Prints machine facts, then one plain-text table per benchmark and engine (figure, target, verdict), and with
 * `--engine both` a comparison table (PostgreSQL ÷ SQLite per row, within 2×?). Figures, not tests: a missed target is
 * reported, it does not fail the run; an error inside a benchmark does (exit code 1).
 * Progress goes to stderr, the tables to stdout.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { trashRestoreBench } from './trash-restore.bench.ts'
import { binPagesBench } from './bin-pages.bench.ts'
import { emptyBinBench } from './empty-bin.bench.ts'
import { bigFileBench } from './big-file.bench.ts'
import {
  BENCH_DIR,
  cleanupNow,
  cpuModel,
  ENGINE_LABEL,
  filesystemOf,
  fsyncLatency,
  loadAvg,
  ms,
  now,
  postgresVersion,
  sqliteVersion,
  type Benchmark,
  type BenchContext,
  type BenchResult,
  type Engine,
  type Row,
  type Scale,
} from './support.ts'

// empty-bin runs last: it is the longest and the one most sensitive to what else the machine does.
const BENCHMARKS: Benchmark[] = [trashRestoreBench, binPagesBench, bigFileBench, emptyBinBench]
const ENGINES = { sqlite: ['sqlite'], postgres: ['postgres'], both: ['sqlite', 'postgres'] } as const satisfies Record<string, readonly Engine[]>
/** The PostgreSQL column's target in the comparison: within this factor of SQLite. */
const WITHIN = 2

const USAGE = `usage: npm run bench -- [--scale small|full] [--only <name>[,<name>…]] [--engine sqlite|postgres|both] [--tmp <dir>] [--no-verify] [--drop-caches]

  --scale small|full  small: a smoke run of every benchmark in under a minute; full (default): the documented sizes
  --only <names>      run only these (repeatable or comma-separated): ${BENCHMARKS.map((b) => b.name).join(', ')}
  --engine <e>        metadata engine: sqlite (default), postgres (a fresh schema per benchmark on BENCH_PG_URL,
                      default postgres://postgres@127.0.0.1:5432/test), or both (each benchmark on SQLite, then on
                      PostgreSQL, and a comparison table at the end)
  --tmp <dir>         where the temporary data directories go (default: the OS temp dir); removed afterwards
  --no-verify         skip the SQL invariant checks after population
  --drop-caches       drop the page cache before each read in big-file (root only; disturbs other work on the machine)`

function main(): Promise<number> {
  let args
  try {
    args = parseArgs({
      options: {
        scale: { type: 'string', default: 'full' },
        engine: { type: 'string', default: 'sqlite' },
        only: { type: 'string', multiple: true },
        tmp: { type: 'string' },
        'no-verify': { type: 'boolean', default: false },
        'drop-caches': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`)
    return Promise.resolve(2)
  }
  if (args.help) {
    console.log(USAGE)
    return Promise.resolve(0)
  }
  const scale = args.scale as Scale
  if (scale !== 'small' && scale !== 'full') {
    console.error(`--scale must be small or full\n\n${USAGE}`)
    return Promise.resolve(2)
  }
  if (!Object.hasOwn(ENGINES, args.engine!)) {
    console.error(`--engine must be sqlite, postgres or both\n\n${USAGE}`)
    return Promise.resolve(2)
  }
  const engines = ENGINES[args.engine as keyof typeof ENGINES]
  const only = (args.only ?? []).flatMap((o) => o.split(',')).map((o) => o.trim()).filter(Boolean)
  const unknown = only.filter((o) => !BENCHMARKS.some((b) => b.name === o))
  if (unknown.length) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}\n\n${USAGE}`)
    return Promise.resolve(2)
  }
  const selected = only.length ? BENCHMARKS.filter((b) => only.includes(b.name)) : BENCHMARKS
  const tmpRoot = path.resolve(args.tmp ?? os.tmpdir())
  fs.mkdirSync(tmpRoot, { recursive: true })
  const base = { scale, tmpRoot, verify: !args['no-verify'], dropCaches: !!args['drop-caches'], log: (m: string) => void process.stderr.write(`  · ${m}\n`) }
  return runAll(selected, engines, base)
}

async function runAll(selected: Benchmark[], engines: readonly Engine[], base: Omit<BenchContext, 'engine'>): Promise<number> {
  const started = now()
  await printHeader(base, engines)
  let failed = 0
  let met = 0
  let missed = 0
  const results = new Map<string, Partial<Record<Engine, BenchResult>>>()
  for (const b of selected) {
    results.set(b.name, {})
    for (const engine of engines) {
      const ctx: BenchContext = { ...base, engine }
      process.stderr.write(`\n▶ ${b.name} (${ctx.scale}, ${ENGINE_LABEL[engine]})\n`)
      const t = now()
      let result: BenchResult
      try {
        result = await b.run(ctx)
      } catch (e) {
        failed++
        console.log(`\n== ${b.name} [${ENGINE_LABEL[engine]}]: ${b.title}\nERROR: ${(e as Error).stack ?? e}`)
        continue
      }
      for (const r of result.rows) {
        if (r.ok === true) met++
        if (r.ok === false) missed++
      }
      results.get(b.name)![engine] = result
      printTable(b, engine, result, (now() - t) / 1000)
    }
  }
  let verdicts = ''
  if (engines.length === 2) verdicts = printComparison(selected, results)
  console.log(
    `\nSummary: ${met} target(s) met, ${missed} missed${failed ? `, ${failed} benchmark(s) FAILED` : ''}${verdicts}; ` +
      `total ${((now() - started) / 1000).toFixed(0)} s; load average at the end: ${loadAvg()}`,
  )
  return failed ? 1 : 0
}

async function printHeader(ctx: Omit<BenchContext, 'engine'>, engines: readonly Engine[]): Promise<void> {
  const pkg = (name: string) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(BENCH_DIR, '..', 'node_modules', name, 'package.json'), 'utf8')).version as string
    } catch {
      return '?'
    }
  }
  const fsync = fsyncLatency(ctx.tmpRoot)
  const facts: [string, string][] = [
    ['date', new Date().toISOString()],
    ['CPU', `${cpuModel()} — ${os.cpus().length} cores`],
    ['memory', `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB total, ${(os.freemem() / 1024 ** 3).toFixed(1)} GiB free`],
    ['kernel', `${os.type()} ${os.release()} (${os.arch()})`],
    ['node', `${process.version}; SQLite ${sqliteVersion()} (better-sqlite3 ${pkg('better-sqlite3')}), fastify ${pkg('fastify')}, kysely ${pkg('kysely')}`],
    ...(engines.includes('postgres') ? [['postgres', await postgresVersion()] as [string, string]] : []),
    ['engines', engines.map((e) => ENGINE_LABEL[e]).join(' and then ') + ' (metadata); blobs on the local disk'],
    ['data dirs', `${ctx.tmpRoot} on ${filesystemOf(ctx.tmpRoot)}`],
    ['fsync', `4 KiB write + fsync there: p50 ${ms(fsync.p50)} ms, p95 ${ms(fsync.p95)} ms`],
    ['load avg', `${loadAvg()} (1/5/15 min) at start`],
  ]
  console.log(`Trove benchmarks — scale ${ctx.scale}`)
  for (const [k, v] of facts) console.log(`  ${k.padEnd(10)} ${v}`)
}

/** Plain-text table; column 1 (and any listed in `right`) right-aligned. */
function table(head: string[], body: string[][], right: number[] = [1]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((line) => line[i].length)))
  const line = (cells: string[]) => '  ' + cells.map((c, i) => (right.includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('   ').trimEnd()
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)]
}

function printTable(b: Benchmark, engine: Engine, r: BenchResult, seconds: number): void {
  const body = r.rows.map((row) => [row.metric, row.value, row.target, row.ok === null ? '' : row.ok ? 'ok' : 'MISSED'])
  console.log(`\n== ${b.name} [${ENGINE_LABEL[engine]}]: ${b.title} (${seconds.toFixed(0)} s)`)
  for (const l of table(['metric', 'value', 'target', ''], body)) console.log(l)
  for (const n of r.notes) console.log(`  note: ${n}`)
}

const fmt = (v: number, unit: string) => {
  const digits = Math.abs(v) >= 1000 ? 0 : Math.abs(v) >= 100 ? 1 : Math.abs(v) >= 10 ? 1 : 2
  const n = v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
  return unit === '×' || unit === '%' ? `${n}${unit}` : `${n} ${unit}`
}

/**
 * Every row both engines reported with a headline number (`Row.cmp`), matched by metric text: SQLite, PostgreSQL,
 * the ratio PostgreSQL ÷ SQLite of that number, and whether PostgreSQL is within 2× of SQLite — for a "lower is
 * better" figure (latency, memory) ratio ≤ 2, for a "higher is better" one (throughput) ratio ≥ 0.5. Rows no database
 * takes part in (raw disk, bare servers) are shown for context without a verdict; `diag:` rows (the parts a figure is
 * made of, such as one `select 1` or a service call without HTTP) show their factor but are not counted against the
 * target, which is about what a user measures. Returns the tally for the summary.
 */
function printComparison(selected: Benchmark[], results: Map<string, Partial<Record<Engine, BenchResult>>>): string {
  let within = 0
  let beyond = 0
  let diagnostics = 0
  console.log(`\n== PostgreSQL vs SQLite: ratio = PostgreSQL ÷ SQLite of each row's headline figure; target: within ${WITHIN}× of SQLite`)
  const body: string[][] = []
  for (const b of selected) {
    const r = results.get(b.name)!
    if (!r.sqlite || !r.postgres) {
      body.push([`${b.name}: (not compared: ${!r.sqlite ? 'SQLite' : 'PostgreSQL'} run failed)`, '', '', '', ''])
      continue
    }
    const pgRows = new Map(r.postgres.rows.map((row) => [row.metric, row] as [string, Row]))
    for (const s of r.sqlite.rows) {
      const p = pgRows.get(s.metric)
      if (!s.cmp || !p?.cmp) continue
      const q = p.cmp.v / s.cmp.v
      const slower = s.cmp.better === 'lower' ? q : 1 / q
      let verdict: string
      if (s.cmp.dbFree) verdict = 'n/a (no database involved)'
      else if (s.metric.startsWith('diag:')) {
        diagnostics++
        verdict = `diagnostic (${slower <= 1 ? 'PG faster or equal' : `${slower.toFixed(slower < 10 ? 2 : 1)}× slower`})`
      } else if (slower <= WITHIN) {
        within++
        verdict = slower <= 1 ? 'yes (PG faster or equal)' : `yes (${slower.toFixed(2)}× slower)`
      } else {
        beyond++
        verdict = `NO (${slower.toFixed(1)}× slower)`
      }
      body.push([`${b.name}: ${s.metric.replace(/ p50 \/ p95(, ÷ first)?$/, ' p50')}`, fmt(s.cmp.v, s.cmp.unit), fmt(p.cmp.v, p.cmp.unit), Number.isFinite(q) ? `${q.toFixed(2)}` : '—', verdict])
    }
  }
  for (const l of table(['row', 'SQLite', 'PostgreSQL', 'ratio', `within ${WITHIN}×?`], body, [1, 2, 3])) console.log(l)
  console.log(`  note: ${within} row(s) within ${WITHIN}× of SQLite, ${beyond} beyond; ${diagnostics} diagnostic row(s) not counted. For throughputs (MB/s, entries/s, %) a ratio below 1 means PostgreSQL is slower; "× slower" is the factor either way.`)
  return `; PostgreSQL within ${WITHIN}× of SQLite on ${within} row(s), beyond on ${beyond}`
}

let stopping = false
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) process.exit(130)
    stopping = true
    process.stderr.write(`\n${sig}: removing temporary data directories and PostgreSQL schemas…\n`)
    void cleanupNow().finally(() => process.exit(130))
  })
}

const code = await main()
await cleanupNow()
process.exit(code)
