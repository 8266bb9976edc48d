import { createHash, randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { Transform, type Readable, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { readdirIfExists, statIfExists, unlinkIfExists } from './fs-helpers.ts'
import { BlobSizeMismatchError, BlobTooLargeError, type StagedBlob } from './blob-store.ts'

const STAGING_ID_RE = /^[0-9a-f]{32}$/

/**
 * A local directory of staged uploads (<dir>/<32 hex id>), used by the disk store and the S3 store alike.
 * One implementation, so every BlobStore stages with the same limits, errors and durability.
 */
export class LocalStaging {
  readonly dir: string
  private readonly now: () => number

  constructor(opts: { dir: string; now?: () => number }) {
    this.dir = opts.dir
    this.now = opts.now ?? Date.now
  }

  async stage(body: Readable, opts: { maxBytes?: number; expectedSize?: number } = {}): Promise<StagedBlob> {
    const { maxBytes, expectedSize } = opts
    await fsp.mkdir(this.dir, { recursive: true })
    const stagingId = randomBytes(16).toString('hex')
    const file = this.pathOf(stagingId)

    const hash = createHash('sha256')
    let sizeBytes = 0
    const meter = new Transform({
      transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
        sizeBytes += chunk.length
        // Failing the transform makes pipeline destroy the body, so we stop reading at once.
        if (maxBytes !== undefined && sizeBytes > maxBytes) return cb(new BlobTooLargeError(maxBytes))
        if (expectedSize !== undefined && sizeBytes > expectedSize) {
          return cb(new BlobSizeMismatchError(expectedSize, sizeBytes))
        }
        hash.update(chunk)
        cb(null, chunk)
      },
    })

    const handle = await fsp.open(file, 'wx')
    // autoClose:false keeps the fd open after the stream finishes so we can fsync it.
    const out = handle.createWriteStream({ autoClose: false })
    try {
      await pipeline(body, meter, out)
      if (expectedSize !== undefined && sizeBytes !== expectedSize) {
        throw new BlobSizeMismatchError(expectedSize, sizeBytes)
      }
      await handle.sync()
    } catch (err) {
      await closeQuietly(out, handle)
      await unlinkIfExists(file)
      throw err
    }
    await closeQuietly(out, handle)
    return { stagingId, sizeBytes, sha256: hash.digest('hex') }
  }

  /** Path of a staged upload. stagingId comes back from callers, so it is validated like a key. */
  pathOf(stagingId: string): string {
    if (typeof stagingId !== 'string' || !STAGING_ID_RE.test(stagingId)) {
      throw new Error(`invalid staging id ${JSON.stringify(stagingId)}`)
    }
    return path.join(this.dir, stagingId)
  }

  /** Idempotent. */
  async discard(stagingId: string): Promise<void> {
    await unlinkIfExists(this.pathOf(stagingId))
  }

  /** Removes staged uploads not modified for olderThanMs; returns how many. */
  async sweep(olderThanMs: number): Promise<number> {
    const cutoff = this.now() - olderThanMs
    let removed = 0
    for (const name of await readdirIfExists(this.dir)) {
      if (!STAGING_ID_RE.test(name)) continue
      const file = path.join(this.dir, name)
      const st = await statIfExists(file)
      if (st && st.mtimeMs < cutoff && (await unlinkIfExists(file))) removed++
    }
    return removed
  }
}

async function closeQuietly(stream: { destroy(): unknown }, handle: fsp.FileHandle): Promise<void> {
  // The stream holds a reference on the handle; handle.close() waits for it forever unless
  // the stream is destroyed first (autoClose:false means destroy leaves the fd to us).
  stream.destroy()
  await handle.close().catch(() => {})
}
