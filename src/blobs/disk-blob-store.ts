import { createHash, randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { Transform, type Readable, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import {
  assertBlobKey,
  BlobNotFoundError,
  BlobSizeMismatchError,
  BlobTooLargeError,
  type BlobKey,
  type BlobStore,
  type ByteRange,
  type StagedBlob,
} from './blob-store.ts'

const STAGING_ID_RE = /^[0-9a-f]{32}$/
const FANOUT_RE = /^[0-9a-f]{2}$/
const KEY_RE = /^[0-9a-f]{64}$/

export interface DiskBlobStoreOptions {
  rootDir: string
  /** Clock for sweepStaging; injectable so tests can move time. */
  now?: () => number
}

/**
 * Blobs live at <rootDir>/blobs/ab/cd/<sha256>; uploads land in <rootDir>/staging/<id> first.
 * Both trees share rootDir so publish can hard-link (same filesystem, atomic, no copy).
 */
export class DiskBlobStore implements BlobStore {
  private readonly blobsDir: string
  private readonly stagingDir: string
  private readonly now: () => number

  constructor(opts: DiskBlobStoreOptions) {
    this.blobsDir = path.join(opts.rootDir, 'blobs')
    this.stagingDir = path.join(opts.rootDir, 'staging')
    this.now = opts.now ?? Date.now
  }

  async stage(body: Readable, opts: { maxBytes?: number; expectedSize?: number } = {}): Promise<StagedBlob> {
    const { maxBytes, expectedSize } = opts
    await fsp.mkdir(this.stagingDir, { recursive: true })
    const stagingId = randomBytes(16).toString('hex')
    const file = this.stagingPath(stagingId)

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

  async publish(staged: StagedBlob): Promise<void> {
    assertBlobKey(staged.sha256)
    const src = this.stagingPath(staged.stagingId)
    const dest = this.blobPath(staged.sha256)
    await fsp.mkdir(path.dirname(dest), { recursive: true })
    try {
      // link() either creates the full name or fails; readers never see a half-written blob.
      await fsp.link(src, dest)
    } catch (err) {
      if (errCode(err) !== 'EEXIST') throw err
      return // same content already published; keep the existing bytes
    }
    await fsyncDir(path.dirname(dest))
  }

  async discard(staged: StagedBlob): Promise<void> {
    await unlinkIfExists(this.stagingPath(staged.stagingId))
  }

  async get(key: BlobKey, range?: ByteRange): Promise<Readable> {
    assertBlobKey(key)
    if (range && !(Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end) && 0 <= range.start && range.start <= range.end)) {
      throw new Error(`invalid byte range ${range.start}-${range.end}`)
    }
    let handle: fsp.FileHandle
    try {
      // Opening up front turns "missing" into a rejection instead of a later stream error.
      handle = await fsp.open(this.blobPath(key), 'r')
    } catch (err) {
      if (errCode(err) === 'ENOENT') throw new BlobNotFoundError(key)
      throw err
    }
    return handle.createReadStream(range ? { start: range.start, end: range.end } : {})
  }

  async stat(key: BlobKey): Promise<{ sizeBytes: number } | null> {
    assertBlobKey(key)
    try {
      return { sizeBytes: (await fsp.stat(this.blobPath(key))).size }
    } catch (err) {
      if (errCode(err) === 'ENOENT') return null
      throw err
    }
  }

  async delete(key: BlobKey): Promise<void> {
    assertBlobKey(key)
    await unlinkIfExists(this.blobPath(key))
  }

  async *list(): AsyncIterable<{ key: BlobKey; sizeBytes: number; modifiedAtMs: number }> {
    for (const ab of await readdirIfExists(this.blobsDir)) {
      if (!FANOUT_RE.test(ab)) continue
      for (const cd of await readdirIfExists(path.join(this.blobsDir, ab))) {
        if (!FANOUT_RE.test(cd)) continue
        const dir = path.join(this.blobsDir, ab, cd)
        for (const key of await readdirIfExists(dir)) {
          // A file in the wrong fan-out directory is not reachable by get(), so it is not a blob.
          if (!KEY_RE.test(key) || !key.startsWith(ab + cd)) continue
          const st = await statIfExists(path.join(dir, key))
          if (st?.isFile()) yield { key, sizeBytes: st.size, modifiedAtMs: st.mtimeMs }
        }
      }
    }
  }

  async sweepStaging(olderThanMs: number): Promise<number> {
    const cutoff = this.now() - olderThanMs
    let removed = 0
    for (const name of await readdirIfExists(this.stagingDir)) {
      if (!STAGING_ID_RE.test(name)) continue
      const file = path.join(this.stagingDir, name)
      const st = await statIfExists(file)
      if (st && st.mtimeMs < cutoff && (await unlinkIfExists(file))) removed++
    }
    return removed
  }

  private blobPath(key: BlobKey): string {
    return path.join(this.blobsDir, key.slice(0, 2), key.slice(2, 4), key)
  }

  private stagingPath(stagingId: string): string {
    // stagingId comes back from callers, so it gets the same no-paths treatment as keys.
    if (typeof stagingId !== 'string' || !STAGING_ID_RE.test(stagingId)) {
      throw new Error(`invalid staging id ${JSON.stringify(stagingId)}`)
    }
    return path.join(this.stagingDir, stagingId)
  }
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code
}

/** Returns whether a file was actually removed. */
async function unlinkIfExists(file: string): Promise<boolean> {
  try {
    await fsp.unlink(file)
    return true
  } catch (err) {
    if (errCode(err) === 'ENOENT') return false
    throw err
  }
}

async function readdirIfExists(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir)
  } catch (err) {
    if (errCode(err) === 'ENOENT') return []
    throw err
  }
}

async function statIfExists(file: string) {
  try {
    return await fsp.stat(file)
  } catch (err) {
    if (errCode(err) === 'ENOENT') return null
    throw err
  }
}

async function closeQuietly(stream: { destroy(): unknown }, handle: fsp.FileHandle): Promise<void> {
  // The stream holds a reference on the handle; handle.close() waits for it forever unless
  // the stream is destroyed first (autoClose:false means destroy leaves the fd to us).
  stream.destroy()
  await handle.close().catch(() => {})
}

/** Persists the new directory entry. Best-effort: some platforms cannot fsync directories. */
async function fsyncDir(dir: string): Promise<void> {
  try {
    const handle = await fsp.open(dir, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch {
    // ignored on purpose
  }
}
