/**
 * Benchmark suite entry point: `npm run bench [-- --scale small|full] [--only name[,name]]`.
 * Prints machine facts, then one plain-text table per benchmark (figure, target, verdict). Figures, not tests:
 * a missed target is reported, it does not fail the run; an error inside a benchmark does (exit code 1).
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
import { BENCH_DIR, cleanupNow, cpuModel, filesystemOf, fsyncLatency, loadAvg, ms, now, sqliteVersion, type Benchmark, type BenchContext, type BenchResult, type Scale } from './support.ts'

const BENCHMARKS: Benchmark[] = [trashRestoreBench, binPagesBench, emptyBinBench, bigFileBench]

const USAGE = `usage: npm run bench -- [--scale small|full] [--only <name>[,<name>…]] [--tmp <dir>] [--no-verify] [--drop-caches]

  --scale small|full  small: a smoke run of every benchmark in under a minute; full (default): the documented sizes
  --only <names>      run only these (repeatable or comma-separated): ${BENCHMARKS.map((b) => b.name).join(', ')}
  --tmp <dir>         where the temporary data directories go (default: the OS temp dir); removed afterwards
  --no-verify         skip the SQL invariant checks after population
  --drop-caches       drop the page cache before each read in big-file (root only; disturbs other work on the machine)`

function main(): Promise<number> {
  let args
  try {
    args = parseArgs({
      options: {
        scale: { type: 'string', default: 'full' },
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
  const only = (args.only ?? []).flatMap((o) => o.split(',')).map((o) => o.trim()).filter(Boolean)
  const unknown = only.filter((o) => !BENCHMARKS.some((b) => b.name === o))
  if (unknown.length) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}\n\n${USAGE}`)
    return Promise.resolve(2)
  }
  const selected = only.length ? BENCHMARKS.filter((b) => only.includes(b.name)) : BENCHMARKS
  const tmpRoot = path.resolve(args.tmp ?? os.tmpdir())
  fs.mkdirSync(tmpRoot, { recursive: true })
  return runAll(selected, { scale, tmpRoot, verify: !args['no-verify'], dropCaches: !!args['drop-caches'], log: (m) => process.stderr.write(`  · ${m}\n`) })
}

async function runAll(selected: Benchmark[], ctx: BenchContext): Promise<number> {
  const started = now()
  printHeader(ctx)
  let failed = 0
  let met = 0
  let missed = 0
  for (const b of selected) {
    process.stderr.write(`\n▶ ${b.name} (${ctx.scale})\n`)
    const t = now()
    let result: BenchResult
    try {
      result = await b.run(ctx)
    } catch (e) {
      failed++
      console.log(`\n== ${b.name}: ${b.title}\nERROR: ${(e as Error).stack ?? e}`)
      continue
    }
    for (const r of result.rows) {
      if (r.ok === true) met++
      if (r.ok === false) missed++
    }
    printTable(b, result, (now() - t) / 1000)
  }
  console.log(
    `\nSummary: ${met} target(s) met, ${missed} missed${failed ? `, ${failed} benchmark(s) FAILED` : ''}; ` +
      `total ${((now() - started) / 1000).toFixed(0)} s; load average at the end: ${loadAvg()}`,
  )
  return failed ? 1 : 0
}

function printHeader(ctx: BenchContext): void {
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
    ['data dirs', `${ctx.tmpRoot} on ${filesystemOf(ctx.tmpRoot)}`],
    ['fsync', `4 KiB write + fsync there: p50 ${ms(fsync.p50)} ms, p95 ${ms(fsync.p95)} ms`],
    ['load avg', `${loadAvg()} (1/5/15 min) at start`],
  ]
  console.log(`Trove benchmarks — scale ${ctx.scale}`)
  for (const [k, v] of facts) console.log(`  ${k.padEnd(10)} ${v}`)
}

function printTable(b: Benchmark, r: BenchResult, seconds: number): void {
  const head = ['metric', 'value', 'target', '']
  const body = r.rows.map((row) => [row.metric, row.value, row.target, row.ok === null ? '' : row.ok ? 'ok' : 'MISSED'])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((line) => line[i].length)))
  const line = (cells: string[]) => '  ' + cells.map((c, i) => (i === 1 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('   ').trimEnd()
  console.log(`\n== ${b.name}: ${b.title} (${seconds.toFixed(0)} s)`)
  console.log(line(head))
  console.log(line(widths.map((w) => '-'.repeat(w))))
  for (const cells of body) console.log(line(cells))
  for (const n of r.notes) console.log(`  note: ${n}`)
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    process.stderr.write(`\n${sig}: removing temporary data directories…\n`)
    cleanupNow()
    process.exit(130)
  })
}

const code = await main()
cleanupNow()
process.exit(code)
