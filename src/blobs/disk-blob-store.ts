import { promises as fsp } from 'node:fs'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { LocalStaging } from './local-staging.ts'
import { errCode, readdirIfExists, statIfExists, unlinkIfExists } from './fs-helpers.ts'
import {
  assertBlobKey,
  BlobNotFoundError,
  type BlobKey,
  type BlobStore,
  type ByteRange,
  type StagedBlob,
} from './blob-store.ts'

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
  private readonly staging: LocalStaging

  constructor(opts: DiskBlobStoreOptions) {
    this.blobsDir = path.join(opts.rootDir, 'blobs')
    // Staging beside the blobs (same filesystem), so publish can hard-link.
    this.staging = new LocalStaging({ dir: path.join(opts.rootDir, 'staging'), now: opts.now })
  }

  /** Staging is shared with the S3 store (local-staging.ts): same limits, errors and fsync, one implementation. */
  stage(body: Readable, opts: { maxBytes?: number; expectedSize?: number } = {}): Promise<StagedBlob> {
    return this.staging.stage(body, opts)
  }

  async publish(staged: StagedBlob): Promise<void> {
    assertBlobKey(staged.sha256)
    const src = this.staging.pathOf(staged.stagingId)
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
    await this.staging.discard(staged.stagingId)
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

  sweepStaging(olderThanMs: number): Promise<number> {
    return this.staging.sweep(olderThanMs)
  }

  private blobPath(key: BlobKey): string {
    return path.join(this.blobsDir, key.slice(0, 2), key.slice(2, 4), key)
  }
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
