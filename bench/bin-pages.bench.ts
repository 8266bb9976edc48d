/**
 * 2. Bin page latency (limit 100) with 1,000,000 entries in the bin, through GET /trove/v1/spaces/:s/trash.
 *    For every sort key (name, modified, size, removed, remaining; the API's default order, desc): the first page, and
 *    pages deep in the list reached with keyset cursors (~500,000 entries in, then following the real nextCursor
 *    page after page). Target: p50 ≤ 10 ms, deep ≤ 1.5× first. Page-number mode at the same depth is reported beside
 *    it for comparison (it may be slower: the offset walks the index).
 *
 * The deep cursor is computed by reading the row at that position with SQL and encoding it exactly as
 * src/shared/cursor.ts does; before that, the same computation is checked against the cursor the API itself returns
 * after three pages.
 */
import { encodeCursor } from '../src/shared/cursor.ts'
import {
  Api,
  assertInvariants,
  blobPool,
  BlobWriter,
  DAY_MS,
  ENGINE_LABEL,
  fillBin,
  int,
  loadAvg,
  lower,
  makeFolders,
  ms,
  now,
  openBenchDb,
  openBulk,
  openFixture,
  ratio,
  rng,
  startInProcess,
  summarize,
  withDataDir,
  type Benchmark,
  type BenchContext,
  type BenchResult,
  type BinItem,
  type Row,
} from './support.ts'

const TARGET_MS = 10
const DEEP_MAX = 1.5
const LIMIT = 100
const SORTS = { name: 'name', modified: 'modified_at', size: 'size_bytes', removed: 'removed_at', remaining: 'expires_at' } as const
type Sort = keyof typeof SORTS

export const binPagesBench: Benchmark = {
  name: 'bin-pages',
  title: 'Bin page latency, limit 100, keyset cursors at the start and deep in a large bin',
  run,
}

const WORDS = ['budget', 'holiday', 'invoice', 'draft', 'scan', 'meeting', 'notes', 'photo', 'contract', 'backup', 'export', 'Report', 'Summary', 'plan', 'résumé', 'slides']
const EXTS = ['pdf', 'docx', 'jpg', 'png', 'txt', 'xlsx', 'mp4', 'zip']

/** Names of the shapes people's files have (camera rolls, office documents, numbered drafts), deterministic per seed. */
function nameMaker(rand: () => number) {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]
  const digits = (n: number) => String(Math.floor(rand() * 10 ** n)).padStart(n, '0')
  return (): string => {
    const t = rand()
    if (t < 0.3) return `IMG_20${digits(2)}${digits(2)}${digits(2)}_${digits(6)}.jpg`
    if (t < 0.4) return `DSC${digits(5)}.JPG`
    if (t < 0.7) return `${pick(WORDS)}-${pick(WORDS)}-${digits(4)}.${pick(EXTS)}`
    if (t < 0.85) return `${pick(WORDS)} ${2015 + Math.floor(rand() * 11)} Q${1 + Math.floor(rand() * 4)} (${Math.floor(rand() * 9) + 1}).${pick(EXTS)}`
    return `${pick(WORDS)} ${digits(3)}.${pick(EXTS)}`
  }
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const full = ctx.scale === 'full'
  const count = full ? 1_000_000 : 20_000
  const deep = full ? 500_000 : 10_000
  const reps = full ? 30 : 10
  const warmup = full ? 5 : 2
  const pageReps = full ? 10 : 3
  const folderCount = full ? 1000 : 50
  const notes: string[] = [`load average before: ${loadAvg()}`]
  const rows: Row[] = []

  return withDataDir(ctx, 'bin-pages', async (dataDir) => {
    const fx = await openFixture(ctx, dataDir)
    try {
      // ---- population: `count` file entries trashed over the last 28 days from `folderCount` folders
      const t0 = now()
      const bulk = await openBulk(fx)
      const space = await bulk.space(fx.spaceId)
      const poolSize = full ? 1000 : 200
      const pool = blobPool(new BlobWriter(dataDir), poolSize, (k) => 200 + k * 61)
      const nowMs = Date.now()
      const folders = await makeFolders(bulk, space, folderCount, 'archive', nowMs - 400 * DAY_MS)
      const rand = rng(42)
      const nextName = nameMaker(rand)
      const users = ['admin', 'admin', 'admin', 'alice', 'bob']
      const firstRemoved = nowMs - 29 * DAY_MS
      const step = (28 * DAY_MS) / count
      const item = (i: number): BinItem => {
        const removedAt = Math.floor(firstRemoved + i * step + rand() * step)
        return {
          name: nextName(),
          blob: pool[Math.floor(rand() * pool.length)],
          modifiedAt: Math.floor(removedAt - rand() * 5 * 365 * DAY_MS),
          removedAt,
          removedBy: users[Math.floor(rand() * users.length)],
          folder: Math.floor(rand() * folders.length),
        }
      }
      const t1 = now()
      await fillBin(bulk, {
        space,
        folders,
        count,
        item,
        progress: (d) => d % 200_000 === 0 && ctx.log(`  … ${int(d)} entries (${((now() - t1) / 1000).toFixed(0)} s)`),
      })
      await bulk.flushBlobRefs(nowMs)
      const t2 = now()
      await bulk.close()
      const popSeconds = (now() - t0) / 1000
      ctx.log(`populated ${int(count)} bin entries in ${popSeconds.toFixed(1)} s (finishing: ${((now() - t2) / 1000).toFixed(1)} s)`)
      const verifyMs = await assertInvariants(ctx, fx, 'after population')

      const reader = await openBenchDb(fx)
      const spaceNum = Number(fx.spaceId)
      /** The key and id of the row after the first `position` entries of this sort (desc). */
      const rowAt = async (sort: Sort, position: number): Promise<{ id: number; k: string | number }> => {
        const col = SORTS[sort]
        const [row] = await reader.all<{ id: number; k: string | number }>(
          `select id, ${col} as k from recycle_entries where space_id = ? and state = 'trashed' order by ${col} desc, id desc limit 1 offset ?`,
          [spaceNum, position - 1],
        )
        return { id: Number(row.id), k: typeof row.k === 'string' ? row.k : Number(row.k) }
      }
      /** The cursor the API would hand out after the first `position` entries of this sort (desc). */
      const cursorAfter = async (sort: Sort, position: number): Promise<string> => {
        const row = await rowAt(sort, position)
        return encodeCursor({ s: `trash:${sort}:desc`, k: row.k, i: row.id })
      }
      // The engine's plan of the deep keyset query (the server's query shape, from the deep position's values).
      const plans: string[] = []
      for (const [sort, col] of Object.entries(SORTS) as [Sort, string][]) {
        const at = await rowAt(sort, deep)
        const plan = await reader.explain(`select * from recycle_entries where space_id = ? and state = ? and (${col}, id) < (?, ?) order by ${col} desc, id desc limit ?`, [spaceNum, 'trashed', at.k, at.id, LIMIT + 1])
        plans.push(`${sort}: ${plans.length ? '' : `${ENGINE_LABEL[fx.engine]} plan of the keyset query — `}${plan}`)
      }

      const server = await startInProcess(fx)
      const api = new Api(server.url, fx.token)
      const s = fx.spaceId
      try {
        const get = async (query: string) => {
          const a = now()
          const r = await api.call('GET', `/spaces/${s}/trash?${query}`)
          const took = now() - a
          if (r.body.total !== count) throw new Error(`total ${r.body.total}, expected ${count}`)
          return { took, body: r.body as { items: { id: string }[]; nextCursor: string | null } }
        }
        for (const sort of Object.keys(SORTS) as Sort[]) {
          const base = `sort=${sort}&order=desc&limit=${LIMIT}`
          // The SQL-computed cursor must be the one the API hands out after three pages.
          let cursor: string | null = null
          for (let p = 0; p < 3; p++) cursor = (await get(base + (cursor ? `&cursor=${cursor}` : ''))).body.nextCursor
          if (cursor !== (await cursorAfter(sort, 3 * LIMIT))) throw new Error(`sort=${sort}: computed cursor differs from the API's`)

          const first: number[] = []
          for (let i = 0; i < warmup + reps; i++) {
            const r = await get(base)
            if (r.body.items.length !== LIMIT) throw new Error('short first page')
            if (i >= warmup) first.push(r.took)
          }
          const deepCursor = await cursorAfter(sort, deep)
          for (let i = 0; i < warmup; i++) await get(`${base}&cursor=${deepCursor}`)
          const deepMs: number[] = []
          let c = deepCursor
          let deepFirstId = ''
          for (let i = 0; i < reps; i++) {
            const r = await get(`${base}&cursor=${c}`)
            if (r.body.items.length !== LIMIT || !r.body.nextCursor) throw new Error('short deep page')
            if (i === 0) deepFirstId = r.body.items[0].id
            deepMs.push(r.took)
            c = r.body.nextCursor
          }
          const page = deep / LIMIT + 1
          const pageMs: number[] = []
          for (let i = 0; i < 1 + pageReps; i++) {
            const r = await get(`${base}&page=${page}`)
            if (r.body.items[0]?.id !== deepFirstId) throw new Error(`page ${page} does not start where the deep cursor does`)
            if (i >= 1) pageMs.push(r.took)
          }
          const f = summarize(first)
          const d = summarize(deepMs)
          const pg = summarize(pageMs)
          rows.push(
            { metric: `sort=${sort}: first page p50 / p95`, value: `${ms(f.p50)} / ${ms(f.p95)} ms`, target: `p50 ≤ ${TARGET_MS} ms`, ok: f.p50 <= TARGET_MS, cmp: lower(f.p50, 'ms') },
            {
              metric: `sort=${sort}: deep pages (cursor, from entry ${int(deep)}) p50 / p95, ÷ first`,
              value: `${ms(d.p50)} / ${ms(d.p95)} ms, ${ratio(d.p50 / f.p50)}`,
              target: `p50 ≤ ${TARGET_MS} ms, ≤ ${DEEP_MAX}×`,
              ok: d.p50 <= TARGET_MS && d.p50 / f.p50 <= DEEP_MAX,
              cmp: lower(d.p50, 'ms'),
            },
            { metric: `sort=${sort}: page-number mode, page ${int(page)} p50`, value: `${ms(pg.p50)} ms, ${ratio(pg.p50 / f.p50)}`, target: 'report only', ok: null, cmp: lower(pg.p50, 'ms') },
          )
          ctx.log(`sort=${sort}: first ${ms(f.p50)} ms, deep ${ms(d.p50)} ms, page ${ms(pg.p50)} ms`)
        }
      } finally {
        await server.close()
        await reader.close()
      }
      rows.push(
        { metric: `diag: population of ${int(count)} entries (bulk SQL, incl. blob pool and finishing)`, value: `${popSeconds.toFixed(1)} s`, target: '—', ok: null, cmp: lower(popSeconds, 's') },
        ...(verifyMs ? [{ metric: 'diag: invariant check after population (SQL)', value: `${(verifyMs / 1000).toFixed(1)} s`, target: '—', ok: null, cmp: lower(verifyMs / 1000, 's') }] : []),
      )
      notes.push(
        `${int(count)} single-file entries (realistic names, sizes from ${int(poolSize)} shared blobs, removed over 28 days) trashed from ${int(folderCount)} folders; order desc (the API default).`,
        `first page: ${reps} requests after ${warmup} warm-up; deep: ${reps} consecutive pages following nextCursor from entry ${int(deep)}; page mode: ${pageReps} requests. Each figure is the whole HTTP round trip incl. JSON parse.`,
        ...plans,
      )
    } finally {
      await fx.c.close()
    }
    notes.push(`load average after: ${loadAvg()}`)
    return { rows, notes }
  })
}
