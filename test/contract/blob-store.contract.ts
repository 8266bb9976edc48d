import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { after, afterEach, before, beforeEach, describe, it } from 'node:test'
import {
  BlobNotFoundError,
  BlobSizeMismatchError,
  BlobTooLargeError,
  type BlobKey,
  type BlobStore,
  type StagedBlob,
} from '../../src/blobs/blob-store.ts'

/**
 * Tuning hints a factory may pass to its implementation so cases can reach code paths (such as multipart
 * uploads) with small test data. Implementations without such a knob ignore them.
 */
export interface BlobStoreHints {
  multipartThresholdBytes?: number
  partSizeBytes?: number
}

export type MakeBlobStore = (hints?: BlobStoreHints) => Promise<{ store: BlobStore; cleanup: () => Promise<void> }>

export function sha256(data: Buffer): BlobKey {
  return createHash('sha256').update(data).digest('hex')
}

/** Feeds data in small chunks so implementations see a realistic multi-chunk stream. */
export function bodyOf(data: Buffer, chunkSize = 16 * 1024): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += chunkSize) yield data.subarray(i, i + chunkSize)
    })(),
  )
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

export async function collect<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of iter) out.push(item)
  return out
}

const MiB = 1024 * 1024

export function blobStoreContract(name: string, makeStore: MakeBlobStore): void {
  describe(`BlobStore contract: ${name}`, () => {
    let store: BlobStore
    let cleanup: () => Promise<void>

    beforeEach(async () => {
      ;({ store, cleanup } = await makeStore())
    })
    afterEach(async () => {
      await cleanup()
    })

    async function put(data: Buffer): Promise<StagedBlob> {
      const staged = await store.stage(bodyOf(data))
      await store.publish(staged)
      await store.discard(staged)
      return staged
    }

    it('round-trips stage, publish and get, keyed by sha256', async () => {
      const data = randomBytes(200_000)
      const staged = await store.stage(bodyOf(data))
      assert.equal(staged.sha256, sha256(data))
      assert.equal(staged.sizeBytes, data.length)
      assert.equal(await store.stat(staged.sha256), null, 'not readable before publish')

      await store.publish(staged)
      await store.discard(staged)
      const back = await readAll(await store.get(staged.sha256))
      assert.equal(sha256(back), staged.sha256)
      assert.ok(back.equals(data))
      assert.deepEqual(await store.stat(staged.sha256), { sizeBytes: data.length })
    })

    it('round-trips an empty blob', async () => {
      const staged = await put(Buffer.alloc(0))
      assert.equal(staged.sha256, sha256(Buffer.alloc(0)))
      assert.equal(staged.sizeBytes, 0)
      assert.equal((await readAll(await store.get(staged.sha256))).length, 0)
    })

    it('publishes identical content once and discards both stagings cleanly', async () => {
      const data = randomBytes(5000)
      const a = await store.stage(bodyOf(data))
      const b = await store.stage(bodyOf(data))
      assert.equal(a.sha256, b.sha256)
      assert.notEqual(a.stagingId, b.stagingId)

      await store.publish(a)
      await store.publish(b)
      await store.publish(a) // idempotent
      const listed = (await collect(store.list())).filter((e) => e.key === a.sha256)
      assert.equal(listed.length, 1)

      await store.discard(a)
      await store.discard(b)
      await store.discard(a) // idempotent
      assert.ok((await readAll(await store.get(a.sha256))).equals(data), 'blob outlives its stagings')
    })

    it('reads inclusive byte ranges', async () => {
      const data = randomBytes(10_000)
      const { sha256: key } = await put(data)
      const read = async (start: number, end: number) => readAll(await store.get(key, { start, end }))

      assert.ok((await read(0, 99)).equals(data.subarray(0, 100)), 'first 100 bytes')
      assert.ok((await read(4000, 4999)).equals(data.subarray(4000, 5000)), 'middle')
      assert.ok((await read(9999, 9999)).equals(data.subarray(9999)), 'last byte')
      assert.ok((await read(0, 9999)).equals(data), 'whole blob as a range')
    })

    it('rejects get of an absent key with BlobNotFoundError and stats it as null', async () => {
      const key = sha256(Buffer.from('never stored'))
      await assert.rejects(store.get(key), BlobNotFoundError)
      await assert.rejects(store.get(key, { start: 0, end: 0 }), BlobNotFoundError)
      assert.equal(await store.stat(key), null)
    })

    it('deletes idempotently', async () => {
      const { sha256: key } = await put(randomBytes(100))
      await store.delete(key)
      await store.delete(key)
      assert.equal(await store.stat(key), null)
      await assert.rejects(store.get(key), BlobNotFoundError)
      await store.delete(sha256(Buffer.from('never stored')))
    })

    it('rejects a body over maxBytes with BlobTooLargeError and leaves no staging', async () => {
      await assert.rejects(store.stage(bodyOf(randomBytes(1000)), { maxBytes: 100 }), BlobTooLargeError)
      assert.equal(await store.sweepStaging(0), 0)
    })

    it('stops reading an endless body once maxBytes is exceeded', async () => {
      const endless = Readable.from(
        (function* () {
          for (;;) yield Buffer.alloc(64 * 1024)
        })(),
      )
      await assert.rejects(store.stage(endless, { maxBytes: MiB }), BlobTooLargeError)
      assert.equal(await store.sweepStaging(0), 0)
    })

    it('accepts a body of exactly maxBytes', async () => {
      const staged = await store.stage(bodyOf(randomBytes(100)), { maxBytes: 100 })
      assert.equal(staged.sizeBytes, 100)
      await store.discard(staged)
    })

    it('rejects a body whose size differs from expectedSize', async () => {
      const data = randomBytes(1000)
      await assert.rejects(store.stage(bodyOf(data), { expectedSize: 999 }), BlobSizeMismatchError)
      await assert.rejects(store.stage(bodyOf(data), { expectedSize: 1001 }), BlobSizeMismatchError)
      const ok = await store.stage(bodyOf(data), { expectedSize: 1000 })
      assert.equal(ok.sizeBytes, 1000)
      await store.discard(ok)
      assert.equal(await store.sweepStaging(0), 0)
    })

    it('rejects when the body stream fails', async () => {
      const broken = Readable.from(
        (function* () {
          yield Buffer.alloc(1000)
          throw new Error('client went away')
        })(),
      )
      await assert.rejects(store.stage(broken), /client went away/)
      assert.equal(await store.sweepStaging(0), 0)
    })

    it('refuses keys that are not lowercase sha256 hex', async () => {
      const valid = sha256(Buffer.from('x'))
      const staged = await store.stage(bodyOf(Buffer.from('x')))
      const badKeys = ['../etc/passwd', 'ABC', '', valid.toUpperCase(), valid.slice(1), `${valid}0`, `../${valid.slice(3)}`]
      for (const bad of badKeys) {
        const isPlainKeyError = (err: unknown) =>
          err instanceof Error && !(err instanceof BlobNotFoundError) && err.message.includes(bad)
        await assert.rejects(async () => store.get(bad), isPlainKeyError, `get ${bad}`)
        await assert.rejects(async () => store.get(bad, { start: 0, end: 0 }), isPlainKeyError, `get range ${bad}`)
        await assert.rejects(async () => store.stat(bad), isPlainKeyError, `stat ${bad}`)
        await assert.rejects(async () => store.delete(bad), isPlainKeyError, `delete ${bad}`)
        await assert.rejects(async () => store.publish({ ...staged, sha256: bad }), isPlainKeyError, `publish ${bad}`)
      }
      await store.discard(staged)
      assert.equal(await store.stat(valid), null, 'nothing was published under a bad key')
    })

    it('lists published blobs with their sizes', async () => {
      assert.deepEqual(await collect(store.list()), [])
      const sizes = [0, 1, 5000]
      const expected = []
      for (const size of sizes) {
        const staged = await put(randomBytes(size))
        expected.push({ key: staged.sha256, sizeBytes: size })
      }
      const unpublished = await store.stage(bodyOf(randomBytes(10))) // staging is not a blob

      const listed = await collect(store.list())
      for (const entry of listed) assert.ok(Number.isFinite(entry.modifiedAtMs) && entry.modifiedAtMs > 0)
      const byKey = (x: { key: string }, y: { key: string }) => x.key.localeCompare(y.key)
      assert.deepEqual(
        listed.map(({ key, sizeBytes }) => ({ key, sizeBytes })).sort(byKey),
        expected.sort(byKey),
      )
      await store.discard(unpublished)
    })

    it('stages a 64 MiB stream generated on the fly with the right hash', async () => {
      const chunkSize = 64 * 1024
      const total = 64 * MiB
      const expected = createHash('sha256')
      const baseline = process.memoryUsage().arrayBuffers
      let peak = 0
      const body = Readable.from(
        (function* () {
          for (let sent = 0; sent < total; sent += chunkSize) {
            const chunk = randomBytes(chunkSize)
            expected.update(chunk)
            peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline)
            yield chunk
          }
        })(),
      )
      const staged = await store.stage(body, { maxBytes: total, expectedSize: total })
      assert.equal(staged.sizeBytes, total)
      assert.equal(staged.sha256, expected.digest('hex'))
      // Buffering the whole body would need >= 64 MiB; leave generous room for GC lag.
      assert.ok(peak < 48 * MiB, `peak buffer memory ${Math.round(peak / MiB)} MiB`)
      await store.discard(staged)
    })

    it('stats present and absent keys', async () => {
      const data = randomBytes(4321)
      const key = sha256(data)
      assert.equal(await store.stat(key), null, 'absent before anything is stored')

      const staged = await store.stage(bodyOf(data))
      assert.equal(await store.stat(key), null, 'staged bytes are not a blob')
      await store.publish(staged)
      assert.deepEqual(await store.stat(key), { sizeBytes: 4321 })
      await store.discard(staged)
      assert.deepEqual(await store.stat(key), { sizeBytes: 4321 }, 'discarding the staging keeps the blob')

      const empty = await put(Buffer.alloc(0))
      assert.deepEqual(await store.stat(empty.sha256), { sizeBytes: 0 }, 'an empty blob is present, not absent')
      assert.equal(await store.stat(sha256(Buffer.from('a neighbour never stored'))), null)

      await store.delete(key)
      assert.equal(await store.stat(key), null, 'absent after delete')
      assert.deepEqual(await store.stat(empty.sha256), { sizeBytes: 0 }, 'other blobs untouched')
    })

    it('deletes an absent key as a no-op, repeatedly and concurrently', async () => {
      const absent = sha256(Buffer.from('never stored either'))
      await store.delete(absent)
      await store.delete(absent)
      await Promise.all(Array.from({ length: 4 }, () => store.delete(absent)))
      assert.equal(await store.stat(absent), null)
      assert.deepEqual(await collect(store.list()), [], 'deleting creates nothing')

      const data = randomBytes(700)
      const { sha256: key } = await put(data)
      await Promise.all(Array.from({ length: 4 }, () => store.delete(key)))
      await store.delete(key)
      assert.equal(await store.stat(key), null)
      assert.deepEqual(await collect(store.list()), [])

      // Content-addressed keys get reused: the same bytes can be stored again after a delete.
      await put(data)
      assert.ok((await readAll(await store.get(key))).equals(data))
    })

    it('publishes the same content from 8 concurrent callers as one intact blob', async () => {
      const data = randomBytes(300_000)
      const key = sha256(data)
      const staged = await Promise.all(
        Array.from({ length: 8 }, async () => {
          const s = await store.stage(bodyOf(data))
          await store.publish(s)
          return s
        }),
      )
      for (const s of staged) assert.equal(s.sha256, key)
      assert.equal(new Set(staged.map((s) => s.stagingId)).size, 8, 'each caller gets its own staging')

      const listed = await collect(store.list())
      assert.deepEqual(
        listed.map(({ key, sizeBytes }) => ({ key, sizeBytes })),
        [{ key, sizeBytes: data.length }],
        'exactly one blob',
      )
      assert.ok((await readAll(await store.get(key))).equals(data), 'correct bytes')

      await Promise.all(staged.map((s) => store.discard(s)))
      assert.equal(await store.sweepStaging(0), 0, 'every staging was discarded')
      assert.ok((await readAll(await store.get(key))).equals(data), 'blob outlives all stagings')
    })

    describe('a blob above the multipart threshold', () => {
      // With these hints a 13 MiB blob goes up as parts [0, 5 MiB), [5, 10 MiB), [10, 13 MiB).
      const part = 5 * MiB
      const total = 13 * MiB
      const hints: BlobStoreHints = { multipartThresholdBytes: 6 * MiB, partSizeBytes: part }
      let big: { store: BlobStore; cleanup: () => Promise<void> }
      let data: Buffer
      let key: BlobKey

      before(async () => {
        big = await makeStore(hints)
        data = randomBytes(total)
        key = sha256(data)
        const staged = await big.store.stage(bodyOf(data, 64 * 1024), { expectedSize: total })
        assert.equal(staged.sha256, key)
        await big.store.publish(staged)
        await big.store.publish(staged) // idempotent for large blobs too
        await big.store.discard(staged)
      })
      after(async () => {
        await big?.cleanup()
      })

      it('round-trips with the right size, hash and listing', async () => {
        assert.deepEqual(await big.store.stat(key), { sizeBytes: total })
        const back = await readAll(await big.store.get(key))
        assert.equal(back.length, total)
        assert.equal(sha256(back), key)
        const listed = await collect(big.store.list())
        assert.deepEqual(
          listed.map(({ key, sizeBytes }) => ({ key, sizeBytes })),
          [{ key, sizeBytes: total }],
        )
      })

      it('reads ranges within and across part boundaries', async () => {
        const read = async (start: number, end: number) => readAll(await big.store.get(key, { start, end }))
        const cases: Array<[number, number, string]> = [
          [part - 1, part, 'two bytes straddling the first boundary'],
          [2 * part - 1, 2 * part, 'two bytes straddling the second boundary'],
          [part - 1000, 2 * part + 999, 'a whole middle part plus both neighbours'],
          [0, part - 1, 'exactly the first part'],
          [2 * part, 2 * part, 'first byte of the last part'],
          [2 * part - 1, total - 1, 'from a boundary to the end'],
          [total - 1, total - 1, 'last byte'],
          [1, total - 2, 'all but the first and last byte'],
        ]
        for (const [start, end, what] of cases) {
          const got = await read(start, end)
          assert.equal(got.length, end - start + 1, `${what}: length`)
          assert.ok(got.equals(data.subarray(start, end + 1)), `${what}: bytes`)
        }
      })
    })
  })
}
