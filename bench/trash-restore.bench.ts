/**
 * 1. Trash + restore of a folder with N descendants, through the HTTP API:
 *    DELETE /trove/v1/spaces/:s/nodes/:id, then POST /trove/v1/spaces/:s/trash/:entry/restore.
 *    Both should cost O(depth), not O(N): target p50 ≤ 10 ms each and flat in N.
 *
 * The trees are bulk-populated (⌈N/100⌉ subfolders of 99 files, blobs shared from a pool) under the space root; the
 * cycles are interleaved across the sizes so background load hits every N alike. Diagnostics: an authenticated no-op
 * request (fixed HTTP + auth cost), the same service calls without HTTP, and again with synchronous=NORMAL on the
 * server's connections (how much of a call is waiting for the commit to reach the disk: SQLite synchronous=NORMAL,
 * PostgreSQL synchronous_commit=off).
 */
import { sql } from 'kysely'
import {
  Api,
  assertInvariants,
  blobPool,
  BlobWriter,
  buildTree,
  fsyncLatency,
  lower,
  int,
  loadAvg,
  ms,
  now,
  openBulk,
  openFixture,
  ratio,
  RELAXED_DURABILITY,
  startInProcess,
  summarize,
  traceStatements,
  withDataDir,
  withRelaxedDurability,
  type Benchmark,
  type BenchContext,
  type BenchResult,
  type Row,
} from './support.ts'

const TARGET_MS = 10
const FLAT_MAX = 1.5

export const trashRestoreBench: Benchmark = {
  name: 'trash-restore',
  title: 'Trash + restore of a folder with N descendants (HTTP round trip each)',
  run,
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const full = ctx.scale === 'full'
  const sizes = full ? [100, 10_000, 100_000] : [100, 1_000, 5_000]
  const reps = full ? 30 : 10
  const warmup = full ? 5 : 2
  const notes: string[] = [`load average before: ${loadAvg()}`]
  const rows: Row[] = []

  return withDataDir(ctx, 'trash-restore', async (dataDir) => {
    const fx = await openFixture(ctx, dataDir)
    try {
      // ---- population
      const t0 = now()
      const bulk = await openBulk(fx)
      const space = await bulk.space(fx.spaceId)
      const pool = blobPool(new BlobWriter(dataDir), 64, (k) => 512 + k * 256)
      const at = Date.now() - 86_400_000
      const trees: { n: number; folderId: number; sizeBytes: number; itemCount: number }[] = []
      for (const n of sizes) trees.push({ n, ...(await buildTree(bulk, { space, parentId: space.rootNodeId, name: `tree-${n}`, descendants: n, pool, at })) })
      await bulk.flushBlobRefs(at)
      await bulk.close()
      ctx.log(`populated ${sizes.map(int).join(' / ')}-descendant folders in ${((now() - t0) / 1000).toFixed(1)} s`)
      await assertInvariants(ctx, fx, 'after population')

      const server = await startInProcess(fx)
      const api = new Api(server.url, fx.token)
      const s = fx.spaceId
      try {
        // ---- HTTP cycles
        const cycle = async (tree: (typeof trees)[number]): Promise<[number, number]> => {
          const a = now()
          const del = await api.call('DELETE', `/spaces/${s}/nodes/${tree.folderId}`, { expect: [201] })
          const b = now()
          const entry = del.body.entry
          if (entry.itemCount !== tree.n + 1 || entry.sizeBytes !== tree.sizeBytes) throw new Error(`unexpected entry ${JSON.stringify(entry)}`)
          const res = await api.call('POST', `/spaces/${s}/trash/${entry.id}/restore`, { json: {}, expect: [200] })
          const c = now()
          if (res.body.status !== 'restored' || res.body.nodeId !== String(tree.folderId) || res.body.renamed) throw new Error(`unexpected restore ${JSON.stringify(res.body)}`)
          return [b - a, c - b]
        }
        for (let i = 0; i < warmup; i++) for (const t of trees) await cycle(t)
        const trashMs = new Map(trees.map((t) => [t.n, [] as number[]]))
        const restoreMs = new Map(trees.map((t) => [t.n, [] as number[]]))
        for (let i = 0; i < reps; i++) {
          for (const t of trees) {
            const [d, r] = await cycle(t)
            trashMs.get(t.n)!.push(d)
            restoreMs.get(t.n)!.push(r)
          }
        }
        for (const [label, samples] of [
          ['trash   (DELETE …/nodes/:id)', trashMs],
          ['restore (POST …/trash/:e/restore)', restoreMs],
        ] as const) {
          for (const t of trees) {
            const sm = summarize(samples.get(t.n)!)
            rows.push({ metric: `${label} N=${int(t.n)}: p50 / p95`, value: `${ms(sm.p50)} / ${ms(sm.p95)} ms`, target: `p50 ≤ ${TARGET_MS} ms`, ok: sm.p50 <= TARGET_MS, cmp: lower(sm.p50, 'ms') })
          }
          const first = summarize(samples.get(sizes[0])!).p50
          const last = summarize(samples.get(sizes.at(-1)!)!).p50
          rows.push({
            metric: `${label.split(' ')[0]} flatness: p50 N=${int(sizes.at(-1)!)} ÷ p50 N=${int(sizes[0])}`,
            value: ratio(last / first),
            target: `flat (≤ ${FLAT_MAX}×)`,
            ok: last / first <= FLAT_MAX,
            cmp: lower(last / first, '×'),
          })
        }

        // ---- diagnostics: where the time goes
        const usage: number[] = []
        for (let i = 0; i < warmup + reps; i++) {
          const a = now()
          await api.call('GET', `/spaces/${s}/usage`)
          if (i >= warmup) usage.push(now() - a)
        }
        const big = trees.at(-1)!
        const serviceCycle = async (): Promise<[number, number]> => {
          const a = now()
          const r = await fx.c.trash.moveToTrash(fx.admin, s, String(big.folderId))
          const b = now()
          const [o] = await fx.c.trash.restore(fx.admin, s, [String(r.entry.id)])
          if (o.status !== 'restored') throw new Error(`unexpected restore ${JSON.stringify(o)}`)
          return [b - a, now() - b]
        }
        const serviceRun = async () => {
          for (let i = 0; i < warmup; i++) await serviceCycle()
          const d: number[] = []
          const r: number[] = []
          for (let i = 0; i < reps; i++) {
            const [x, y] = await serviceCycle()
            d.push(x)
            r.push(y)
          }
          return [summarize(d), summarize(r)]
        }
        const [svcTrash, svcRestore] = await serviceRun()
        const normal = await withRelaxedDurability(fx, serviceRun)
        // Where a service call's time goes: how many statements it sends and how long it waits for them.
        const traced = { trash: [] as { statements: number; dbMs: number; ms: number }[], restore: [] as { statements: number; dbMs: number; ms: number }[] }
        for (let i = 0; i < reps; i++) {
          const tr = traceStatements(fx)
          try {
            const a = now()
            const r = await fx.c.trash.moveToTrash(fx.admin, s, String(big.folderId))
            const b = now()
            const t1 = tr.read()
            await fx.c.trash.restore(fx.admin, s, [String(r.entry.id)])
            const t2 = tr.read()
            traced.trash.push({ ...t1, ms: b - a })
            traced.restore.push({ statements: t2.statements - t1.statements, dbMs: t2.dbMs - t1.dbMs, ms: now() - b })
          } finally {
            tr.stop()
          }
        }
        const med = (xs: number[]) => summarize(xs).p50
        const traceValue = (xs: { statements: number; dbMs: number; ms: number }[]) =>
          `${med(xs.map((x) => x.statements))} stmts, ${ms(med(xs.map((x) => x.dbMs)))} of ${ms(med(xs.map((x) => x.ms)))} ms`
        // The per-statement floor: a trivial query through the server's own connection (pool).
        const floor: number[] = []
        for (let i = 0; i < 20 + 200; i++) {
          const a = now()
          await sql`select 1`.execute(fx.c.database.db)
          if (i >= 20) floor.push(now() - a)
        }
        const fl = summarize(floor)
        const fsync = fsyncLatency(dataDir)
        const u = summarize(usage)
        rows.push(
          { metric: 'diag: authenticated GET …/usage (HTTP + auth floor): p50 / p95', value: `${ms(u.p50)} / ${ms(u.p95)} ms`, target: '—', ok: null, cmp: lower(u.p50, 'ms') },
          { metric: `diag: service call, no HTTP, N=${int(big.n)}: trash p50`, value: `${ms(svcTrash.p50)} ms`, target: '—', ok: null, cmp: lower(svcTrash.p50, 'ms') },
          { metric: `diag: service call, no HTTP, N=${int(big.n)}: restore p50`, value: `${ms(svcRestore.p50)} ms`, target: '—', ok: null, cmp: lower(svcRestore.p50, 'ms') },
          { metric: `diag: same, ${RELAXED_DURABILITY}: trash / restore p50`, value: `${ms(normal[0].p50)} / ${ms(normal[1].p50)} ms`, target: '—', ok: null },
          { metric: `diag: service trash: statements sent, time waiting for the database of the call (median)`, value: traceValue(traced.trash), target: '—', ok: null },
          { metric: `diag: service restore: statements sent, time waiting for the database of the call (median)`, value: traceValue(traced.restore), target: '—', ok: null },
          { metric: 'diag: one trivial statement (select 1) through the server’s connection: p50 / p95', value: `${ms(fl.p50)} / ${ms(fl.p95)} ms`, target: '—', ok: null, cmp: lower(fl.p50, 'ms') },
          { metric: 'diag: 4 KiB write + fsync on the data dir: p50 / p95', value: `${ms(fsync.p50)} / ${ms(fsync.p95)} ms`, target: '—', ok: null, cmp: { ...lower(fsync.p50, 'ms'), dbFree: true } },
        )
        notes.push(`${reps} measured cycles per size after ${warmup} warm-up cycles, interleaved across sizes; p50/p95 by linear interpolation.`)
        notes.push(`trees: ⌈N/100⌉ subfolders of 99 files under /tree-N (depth 3 below the root); restore goes back to the same parent (no closure rewrite).`)
      } finally {
        await server.close()
      }
      await assertInvariants(ctx, fx, 'after the cycles')
    } finally {
      await fx.c.close()
    }
    notes.push(`load average after: ${loadAvg()}`)
    return { rows, notes }
  })
}
