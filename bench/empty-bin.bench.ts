/**
 * 3. Emptying a bin of 100,000 entries, each a file with its own blob file on disk.
 *    POST /trove/v1/spaces/:s/trash/empty, then GET /trove/v1/tasks/:id every 50 ms until the task leaves Running.
 *    Reports entries/s (target ≥ 20,000) and the server's peak RSS during the purge (target ≤ 256 MiB): the server is
 *    `trove serve` in a child process; its VmHWM is reset just before the POST and VmRSS is sampled every 50 ms.
 *    Afterwards: no blob file may remain on disk and the space's usage must be 0.
 */
import fs from 'node:fs'
import path from 'node:path'
import {
  Api,
  assertInvariants,
  BlobWriter,
  countBlobFiles,
  DAY_MS,
  fillBin,
  int,
  higher,
  loadAvg,
  lower,
  makeFolders,
  mib,
  now,
  openBulk,
  openFixture,
  rng,
  startChild,
  walProbe,
  watchRss,
  withDataDir,
  type Benchmark,
  type BenchContext,
  type BenchResult,
  type Row,
} from './support.ts'

const TARGET_RATE = 20_000
const TARGET_RSS_MIB = 256
const POLL_MS = 50

export const emptyBinBench: Benchmark = {
  name: 'empty-bin',
  title: 'Empty a bin of single-file entries, each with its own blob on disk',
  run,
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const full = ctx.scale === 'full'
  const count = full ? 100_000 : 5_000
  const folderCount = full ? 100 : 10
  const notes: string[] = [`load average before: ${loadAvg()}`]
  const rows: Row[] = []

  return withDataDir(ctx, 'empty-bin', async (dataDir) => {
    const fx = await openFixture(ctx, dataDir)
    let closed = false
    try {
      // ---- population: `count` entries, each its own small blob (256 B – 2.2 KiB) written into the blob layout
      const t0 = now()
      const bulk = await openBulk(fx)
      const space = await bulk.space(fx.spaceId)
      const writer = new BlobWriter(dataDir)
      const nowMs = Date.now()
      const folders = await makeFolders(bulk, space, folderCount, 'inbox', nowMs - 100 * DAY_MS)
      const rand = rng(7)
      const pad = Buffer.alloc(2304)
      for (let i = 0; i < pad.length; i++) pad[i] = (rand() * 256) | 0
      const blobs = await writer.writeAll(count, (i) => {
        const head = Buffer.from(`trove bench purge blob ${i}\n`)
        return Buffer.concat([head, pad.subarray(0, 256 + (i % 16) * 128 - head.length)])
      })
      await fillBin(bulk, {
        space,
        folders,
        count,
        item: (i) => {
          const blob = blobs[i]
          const removedAt = nowMs - DAY_MS + i
          return { name: `doc-${String(i).padStart(6, '0')}.txt`, blob, modifiedAt: removedAt - 30 * DAY_MS, removedAt, removedBy: 'admin', folder: i % folders.length }
        },
      })
      await bulk.flushBlobRefs(nowMs)
      await bulk.close()
      const blobsBefore = countBlobFiles(dataDir)
      ctx.log(`populated ${int(count)} entries and ${int(writer.written)} blob files in ${((now() - t0) / 1000).toFixed(1)} s`)
      if (blobsBefore !== count) throw new Error(`expected ${count} blob files, found ${blobsBefore}`)
      await assertInvariants(ctx, fx, 'after population')
      await fx.c.close()
      closed = true

      // ---- the measured purge, against `trove serve` in a child process
      const child = await startChild(fx)
      const api = new Api(child.url, fx.token)
      const s = fx.spaceId
      try {
        const before = (await api.call('GET', `/spaces/${s}/usage`)).body
        if (before.trashEntries !== count) throw new Error(`bin holds ${before.trashEntries} entries, expected ${count}`)
        await sleep(500) // let start-up work (recovery, the scheduler's first tick) settle before the baseline
        // Diagnostics beside the RSS: the server's V8 heap (over IPC) and the write-ahead log.
        const heap0 = await child.memoryUsage()
        const wal = await walProbe(fx)
        const peak = { heapUsed: heap0.heapUsed, heapTotal: heap0.heapTotal, external: heap0.external }
        let sampling = true
        const sampler = (async () => {
          while (sampling) {
            const u = await child.memoryUsage()
            peak.heapUsed = Math.max(peak.heapUsed, u.heapUsed)
            peak.heapTotal = Math.max(peak.heapTotal, u.heapTotal)
            peak.external = Math.max(peak.external, u.external)
            await wal.sample()
            await sleep(200)
          }
        })()
        const rss = watchRss(child.pid, POLL_MS)
        const a = now()
        const accepted = (await api.call('POST', `/spaces/${s}/trash/empty`, { expect: [202] })).body as { taskId: string; entries: number }
        if (accepted.entries !== count) throw new Error(`empty accepted ${accepted.entries} entries, expected ${count}`)
        const postMs = now() - a
        let task: { state: string; done: number; total: number; failed: number; startedAt: string | null; finishedAt: string | null; createdAt: string }
        let polls = 0
        for (;;) {
          task = (await api.call('GET', `/tasks/${accepted.taskId}`)).body
          polls++
          if (task.state !== 'Running') break
          if (now() - a > 30 * 60_000) throw new Error(`purge task still running after 30 min: ${JSON.stringify(task)}`)
          await sleep(POLL_MS)
        }
        const seconds = (now() - a) / 1000
        const mem = rss.stop()
        sampling = false
        await sampler
        const walRow = await wal.stop()
        if (task.state !== 'Succeed' || task.done !== count) throw new Error(`purge task ended ${JSON.stringify(task)}`)
        const taskSeconds = (Date.parse(task.finishedAt!) - Date.parse(task.createdAt)) / 1000

        const after = (await api.call('GET', `/spaces/${s}/usage`)).body
        const listed = (await api.call('GET', `/spaces/${s}/trash?limit=1`)).body
        const blobsLeft = countBlobFiles(dataDir)
        const staging = fs.existsSync(path.join(dataDir, 'blobs', 'staging')) ? fs.readdirSync(path.join(dataDir, 'blobs', 'staging')).length : 0
        const usageZero = after.usedBytes === 0 && after.liveBytes === 0 && after.trashBytes === 0 && after.trashEntries === 0 && listed.items.length === 0 && listed.total === 0

        const rate = count / seconds
        rows.push(
          {
            metric: `empty ${int(count)} entries: POST → task Succeed (client clock)`,
            value: `${seconds.toFixed(2)} s = ${int(rate)} entries/s`,
            target: `≥ ${int(TARGET_RATE)} entries/s`,
            ok: rate >= TARGET_RATE,
            cmp: higher(rate, 'entries/s'),
          },
          { metric: 'same on the task’s clock (createdAt → finishedAt)', value: `${taskSeconds.toFixed(2)} s = ${int(count / taskSeconds)} entries/s`, target: '—', ok: null, cmp: higher(count / taskSeconds, 'entries/s') },
          { metric: 'POST …/trash/empty response time (marks every entry purging)', value: `${postMs.toFixed(0)} ms`, target: '—', ok: null, cmp: lower(postMs, 'ms') },
          { metric: 'diag: server CPU during the purge (1.0 = one core busy)', value: mem.cpuShare.toFixed(2), target: '—', ok: null },
          {
            metric: 'diag: server V8 heap peak, used / total (before)',
            value: `${mib(peak.heapUsed)} / ${mib(peak.heapTotal)} MiB (${mib(heap0.heapUsed)} / ${mib(heap0.heapTotal)})`,
            target: '—',
            ok: null,
          },
          walRow,
          {
            metric: 'server peak RSS during the purge',
            value: `${mib(mem.peakBytes)} MiB (+${mib(mem.growthBytes)} over ${mib(mem.baselineBytes)})`,
            target: `≤ ${TARGET_RSS_MIB} MiB`,
            ok: mem.peakBytes <= TARGET_RSS_MIB * 1024 * 1024,
            cmp: lower(mem.peakBytes / 1024 / 1024, 'MiB'),
          },
          { metric: 'blob files left on disk afterwards', value: `${int(blobsLeft)} of ${int(blobsBefore)}`, target: '0', ok: blobsLeft === 0 },
          {
            metric: 'usage afterwards: used / bin bytes / bin entries',
            value: `${after.usedBytes} / ${after.trashBytes} / ${after.trashEntries}`,
            target: '0 / 0 / 0',
            ok: usageZero,
          },
        )
        notes.push(
          `${int(count)} file entries (${int(blobsBefore)} distinct blobs of 256 B – 2.2 KiB, one per entry) from ${folderCount} folders; purge settings: the defaults (entryBatch 1000).`,
          `peak RSS: VmHWM reset via /proc/<pid>/clear_refs${mem.hwmUsed ? '' : ' (not permitted here: sampled only)'} plus ${mem.samples} VmRSS samples every ${POLL_MS} ms; ${polls} task polls.`,
          `staging entries left: ${staging}.`,
          'server RSS is the `trove serve` process alone (with PostgreSQL, the database server’s own processes are not in it).',
        )
      } catch (e) {
        throw new Error(`${(e as Error).message}\n--- server output ---\n${child.output()}`, { cause: e })
      } finally {
        await child.close()
      }
      await assertInvariants(ctx, fx, 'after the purge')
    } finally {
      if (!closed) await fx.c.close()
    }
    notes.push(`load average after: ${loadAvg()}`)
    return { rows, notes }
  })
}

function sleep(msec: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, msec))
}
