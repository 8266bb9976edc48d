/**
 * 4. Upload and download of a 1 GiB file through HTTP, beside the raw disk in the same run.
 *    Upload: PUT /trove/v1/spaces/:s/files?name=… with Content-Length, the body streamed from a generator.
 *    Download: GET /trove/v1/spaces/:s/nodes/:id/content streamed into a sink that discards.
 *    Raw write: the same generator into an fs write stream on the same filesystem, fsync'd before close like the blob
 *    store does. Raw read: an fs read stream of that file into the same kind of sink.
 *    Targets: HTTP ≥ 80% of raw, and the server's RSS growth during each ≤ 64 MiB (`trove serve` in a child process;
 *    VmHWM reset before each transfer, VmRSS sampled every 50 ms).
 *    Rounds alternate raw and HTTP; each upload carries distinct content (no dedupe shortcut). Medians are reported.
 */
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { createHash, randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { spawn } from 'node:child_process'
import { pipeline } from 'node:stream/promises'
import {
  assertInvariants,
  dropPageCache,
  GiB,
  higher,
  KiB,
  loadAvg,
  lower,
  mb,
  MiB,
  mib,
  now,
  openFixture,
  pct,
  percentile,
  startChild,
  watchRss,
  withDataDir,
  type Benchmark,
  type BenchContext,
  type BenchResult,
  type Row,
} from './support.ts'

const TARGET_RATIO = 0.8
const TARGET_RSS_GROWTH_MIB = 64
const CHUNK = 64 * KiB

export const bigFileBench: Benchmark = {
  name: 'big-file',
  title: 'Upload and download of a big file through HTTP vs the raw disk',
  run,
}

/** `total` bytes in 64 KiB chunks of a random 1 MiB pattern; the first chunk is unique per call (distinct SHA-256). */
function makeSource(pattern: Buffer) {
  return async function* source(total: number): AsyncGenerator<Buffer> {
    const head = Buffer.from(pattern.subarray(0, CHUNK))
    randomBytes(32).copy(head)
    let sent = 0
    for (let off = 0; sent < total; off = (off + CHUNK) % pattern.length) {
      const n = Math.min(CHUNK, total - sent)
      yield sent === 0 ? head.subarray(0, n) : pattern.subarray(off, off + n)
      sent += n
    }
  }
}

/**
 * The ceilings: a bare node:http server in its own process that discards a PUT body (transport only), or with
 * ?file=… writes it to disk and fsyncs like the blob store (transport + disk, no hashing, no database), and serves
 * GET ?file=… straight from disk with fs.createReadStream. Same client, same machine, no Trove in between.
 */
const BARE_SERVER = `
const http = require('node:http'), fs = require('node:fs'), { pipeline } = require('node:stream');
const srv = http.createServer(async (req, res) => {
  const file = new URL(req.url, 'http://x').searchParams.get('file');
  if (req.method === 'PUT' && !file) { req.resume(); req.on('end', () => res.end('{}')); return }
  if (req.method === 'PUT') {
    const h = await fs.promises.open(file, 'wx'), out = h.createWriteStream({ autoClose: false });
    pipeline(req, out, async (err) => { if (!err) await h.sync(); out.destroy(); await h.close(); fs.rmSync(file, { force: true }); res.statusCode = err ? 500 : 200; res.end('{}') });
    return
  }
  res.writeHead(200, { 'content-length': fs.statSync(file).size, 'content-type': 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
});
srv.listen(0, '127.0.0.1', () => process.stdout.write(srv.address().port + '\\n'));
process.on('disconnect', () => process.exit(0));
`

async function startBareServer(): Promise<{ url: string; close(): void }> {
  const child = spawn(process.execPath, ['-e', BARE_SERVER], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
  const port = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bare server exited (${code})`)))
    child.stdout!.once('data', (d) => resolve(String(d).trim()))
  })
  return { url: `http://127.0.0.1:${port}`, close: () => void child.kill() }
}

async function drain(body: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0
  for await (const chunk of body) n += chunk.byteLength
  return n
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const full = ctx.scale === 'full'
  const size = full ? GiB : 64 * MiB
  const rounds = full ? 3 : 1
  const notes: string[] = [`load average before: ${loadAvg()}`]
  const rows: Row[] = []

  return withDataDir(ctx, 'big-file', async (dataDir) => {
    const fx = await openFixture(ctx, dataDir)
    await fx.c.close()
    const child = await startChild(fx)
    const auth = { authorization: `Bearer ${fx.token}` }
    const base = `${child.url}/trove/v1/spaces/${fx.spaceId}`
    const source = makeSource(randomBytes(MiB))
    let bare: Awaited<ReturnType<typeof startBareServer>> | null = null
    const m = {
      rawWrite: [] as number[],
      upload: [] as number[],
      rawRead: [] as number[],
      download: [] as number[],
      bareUp: [] as number[],
      bareWrite: [] as number[],
      bareDown: [] as number[],
      upRss: [] as number[],
      downRss: [] as number[],
      upPeak: [] as number[],
      downPeak: [] as number[],
      upCpu: [] as number[],
      downCpu: [] as number[],
    }
    let dropped = false
    let lastNode: { id: string; sha256: string } | null = null
    try {
      bare = await startBareServer()
      for (let round = 1; round <= rounds; round++) {
        // raw write: what the blob store's staging does, minus hashing and HTTP
        const rawFile = path.join(dataDir, `raw-${round}.bin`)
        let t = now()
        const handle = await fsp.open(rawFile, 'wx')
        const out = handle.createWriteStream({ autoClose: false })
        await pipeline(Readable.from(source(size)), out)
        await handle.sync()
        out.destroy()
        await handle.close()
        m.rawWrite.push(size / ((now() - t) / 1000))

        // ceilings: the same upload to a bare server that discards it, then to one that writes it to disk
        for (const [target, into] of [
          ['/', m.bareUp],
          [`/?file=${encodeURIComponent(path.join(dataDir, `bare-${round}.bin`))}`, m.bareWrite],
        ] as const) {
          t = now()
          const bareRes = await fetch(bare!.url + target, { method: 'PUT', headers: { 'content-length': String(size) }, body: source(size) as unknown as BodyInit, duplex: 'half' } as RequestInit)
          await bareRes.text()
          if (bareRes.status !== 200) throw new Error(`bare upload → ${bareRes.status}`)
          into.push(size / ((now() - t) / 1000))
        }

        // HTTP upload
        let rss = watchRss(child.pid)
        t = now()
        const put = await fetch(`${base}/files?name=big-${round}.bin`, {
          method: 'PUT',
          headers: { ...auth, 'content-type': 'application/octet-stream', 'content-length': String(size) },
          body: source(size) as unknown as BodyInit,
          duplex: 'half',
        } as RequestInit)
        const node = (await put.json()) as { id: string; sizeBytes: number; sha256: string }
        const upSeconds = (now() - t) / 1000
        let mem = rss.stop()
        if (put.status !== 201 || node.sizeBytes !== size) throw new Error(`upload → ${put.status} ${JSON.stringify(node)}`)
        m.upload.push(size / upSeconds)
        m.upRss.push(mem.growthBytes)
        m.upPeak.push(mem.peakBytes)
        m.upCpu.push(mem.cpuShare)

        // raw read
        if (ctx.dropCaches) dropped = dropPageCache()
        t = now()
        const readBytes = await drain(fs.createReadStream(rawFile, { highWaterMark: CHUNK }))
        m.rawRead.push(readBytes / ((now() - t) / 1000))

        // transport ceiling: a bare server streaming the raw file
        if (ctx.dropCaches) dropPageCache()
        t = now()
        const bareGet = await fetch(`${bare!.url}/?file=${encodeURIComponent(rawFile)}`)
        if ((await drain(bareGet.body as unknown as AsyncIterable<Uint8Array>)) !== size) throw new Error('bare download short')
        m.bareDown.push(size / ((now() - t) / 1000))

        // HTTP download
        if (ctx.dropCaches) dropPageCache()
        rss = watchRss(child.pid)
        t = now()
        const res = await fetch(`${base}/nodes/${node.id}/content`, { headers: auth })
        if (res.status !== 200 || !res.body) throw new Error(`download → ${res.status}`)
        const got = await drain(res.body as unknown as AsyncIterable<Uint8Array>)
        const downSeconds = (now() - t) / 1000
        mem = rss.stop()
        if (got !== size) throw new Error(`download returned ${got} bytes, expected ${size}`)
        m.download.push(size / downSeconds)
        m.downRss.push(mem.growthBytes)
        m.downPeak.push(mem.peakBytes)
        m.downCpu.push(mem.cpuShare)
        await fsp.rm(rawFile)
        lastNode = node
        ctx.log(
          `round ${round}: raw write ${mb(m.rawWrite.at(-1)!)}, bare upload ${mb(m.bareUp.at(-1)!)} / ${mb(m.bareWrite.at(-1)!)}, upload ${mb(m.upload.at(-1)!)}, ` +
            `raw read ${mb(m.rawRead.at(-1)!)}, bare download ${mb(m.bareDown.at(-1)!)}, download ${mb(m.download.at(-1)!)} MB/s`,
        )
      }
      // Untimed check: the bytes served are the bytes uploaded.
      const check = await fetch(`${base}/nodes/${lastNode!.id}/content`, { headers: auth })
      const digest = createHash('sha256')
      for await (const chunk of check.body as unknown as AsyncIterable<Uint8Array>) digest.update(chunk)
      if (digest.digest('hex') !== lastNode!.sha256) throw new Error('downloaded bytes differ from the upload')

      // Diagnostic: the upload hashes every byte (SHA-256) on the server's one thread.
      const buf = randomBytes(64 * MiB)
      const ts = now()
      const h = createHash('sha256')
      for (let i = 0; i < 4; i++) h.update(buf)
      h.digest()
      const shaRate = (4 * buf.length) / ((now() - ts) / 1000)

      const med = (xs: number[]) => percentile(xs, 50)
      const up = med(m.upload) / med(m.rawWrite)
      const down = med(m.download) / med(m.rawRead)
      const maxUp = Math.max(...m.upRss)
      const maxDown = Math.max(...m.downRss)
      const label = full ? '1 GiB' : `${size / MiB} MiB`
      const noDb = (c: ReturnType<typeof higher>) => ({ ...c, dbFree: true })
      rows.push(
        { metric: `raw disk write (fs stream + fsync), ${label}`, value: `${mb(med(m.rawWrite))} MB/s`, target: '—', ok: null, cmp: noDb(higher(med(m.rawWrite) / 1e6, 'MB/s')) },
        { metric: `HTTP upload PUT …/files, ${label}`, value: `${mb(med(m.upload))} MB/s`, target: '—', ok: null, cmp: higher(med(m.upload) / 1e6, 'MB/s') },
        { metric: 'upload ÷ raw write', value: pct(up), target: `≥ ${pct(TARGET_RATIO)}`, ok: up >= TARGET_RATIO, cmp: higher(up * 100, '%') },
        { metric: `raw read (fs stream${ctx.dropCaches ? ', cold cache' : ', page cache warm'}), ${label}`, value: `${mb(med(m.rawRead))} MB/s`, target: '—', ok: null, cmp: noDb(higher(med(m.rawRead) / 1e6, 'MB/s')) },
        { metric: `HTTP download GET …/content, ${label}`, value: `${mb(med(m.download))} MB/s`, target: '—', ok: null, cmp: higher(med(m.download) / 1e6, 'MB/s') },
        { metric: 'download ÷ raw read', value: pct(down), target: `≥ ${pct(TARGET_RATIO)}`, ok: down >= TARGET_RATIO, cmp: higher(down * 100, '%') },
        {
          metric: 'server RSS growth during upload (max of rounds)',
          value: `${mib(maxUp)} MiB (peak ${mib(Math.max(...m.upPeak))} MiB)`,
          target: `≤ ${TARGET_RSS_GROWTH_MIB} MiB`,
          ok: maxUp <= TARGET_RSS_GROWTH_MIB * MiB,
          cmp: lower(maxUp / MiB, 'MiB'),
        },
        {
          metric: 'server RSS growth during download (max of rounds)',
          value: `${mib(maxDown)} MiB (peak ${mib(Math.max(...m.downPeak))} MiB)`,
          target: `≤ ${TARGET_RSS_GROWTH_MIB} MiB`,
          ok: maxDown <= TARGET_RSS_GROWTH_MIB * MiB,
          cmp: lower(maxDown / MiB, 'MiB'),
        },
        { metric: 'diag: same client → bare node:http server that discards (transport ceiling)', value: `${mb(med(m.bareUp))} MB/s`, target: '—', ok: null, cmp: noDb(higher(med(m.bareUp) / 1e6, 'MB/s')) },
        { metric: 'diag: same client → bare node:http server writing to disk + fsync (upload ceiling)', value: `${mb(med(m.bareWrite))} MB/s`, target: '—', ok: null, cmp: noDb(higher(med(m.bareWrite) / 1e6, 'MB/s')) },
        { metric: 'diag: bare node:http server streaming the raw file → client (download ceiling)', value: `${mb(med(m.bareDown))} MB/s`, target: '—', ok: null, cmp: noDb(higher(med(m.bareDown) / 1e6, 'MB/s')) },
        { metric: 'diag: Trove upload ÷ bare upload to disk; download ÷ bare download', value: `${pct(med(m.upload) / med(m.bareWrite))}; ${pct(med(m.download) / med(m.bareDown))}`, target: '—', ok: null },
        { metric: 'diag: server CPU during upload; download (1.0 = one core busy)', value: `${med(m.upCpu).toFixed(2)}; ${med(m.downCpu).toFixed(2)}`, target: '—', ok: null },
        { metric: 'diag: SHA-256 on one core of this CPU', value: `${mb(shaRate)} MB/s`, target: '—', ok: null },
      )
      const list = (xs: number[]) => xs.map((x) => mb(x)).join(', ')
      notes.push(
        `${rounds} round(s) of raw write → upload → raw read → download; median MB/s (1 MB = 10^6 bytes). Per round, MB/s: raw write ${list(m.rawWrite)}; upload ${list(m.upload)}; bare upload (discard) ${list(m.bareUp)}; bare upload (to disk) ${list(m.bareWrite)}; raw read ${list(m.rawRead)}; download ${list(m.download)}; bare download ${list(m.bareDown)}.`,
        ctx.dropCaches
          ? `page cache dropped before each read: ${dropped ? 'yes' : 'not permitted (reads were warm)'}.`
          : 'reads are from a warm page cache on both sides (the file was just written; 1 GiB fits in RAM): the ratio compares the server with a plain read of cached data. --drop-caches measures cold reads.',
        'client and server are separate processes on the same 2-core machine: the client (fetch, generator, sink) competes with the server for CPU.',
      )
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- server output ---\n${child.output()}`, { cause: e })
    } finally {
      bare?.close()
      await child.close()
    }
    await assertInvariants(ctx, fx, 'after the transfers')
    notes.push(`load average after: ${loadAvg()}`)
    return { rows, notes }
  })
}
