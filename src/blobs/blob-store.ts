import type { Readable } from 'node:stream'

/** Lowercase hex SHA-256 of the content; blobs are content-addressed. Callers never build paths. */
export type BlobKey = string

/** Inclusive byte range, already validated against the blob size (see shared/byte-range.ts). */
export interface ByteRange {
  start: number
  end: number
}

/** Bytes that have been received and hashed but are not yet readable by key. */
export interface StagedBlob {
  readonly stagingId: string
  readonly sizeBytes: number
  readonly sha256: BlobKey
}

export class BlobNotFoundError extends Error {
  readonly key: BlobKey
  constructor(key: BlobKey) {
    super(`blob ${key} not found`)
    this.name = 'BlobNotFoundError'
    this.key = key
  }
}

export class BlobTooLargeError extends Error {
  readonly maxBytes: number
  constructor(maxBytes: number) {
    super(`blob exceeds the limit of ${maxBytes} bytes`)
    this.name = 'BlobTooLargeError'
    this.maxBytes = maxBytes
  }
}

export class BlobSizeMismatchError extends Error {
  readonly expectedSize: number
  readonly receivedSize: number
  constructor(expectedSize: number, receivedSize: number) {
    super(`blob size mismatch: declared ${expectedSize} bytes, received ${receivedSize}`)
    this.name = 'BlobSizeMismatchError'
    this.expectedSize = expectedSize
    this.receivedSize = receivedSize
  }
}

const BLOB_KEY_RE = /^[0-9a-f]{64}$/

export function isBlobKey(key: unknown): key is BlobKey {
  return typeof key === 'string' && BLOB_KEY_RE.test(key)
}

/** Shared guard for implementations: keys are hashes, never paths, so anything else is a caller bug. */
export function assertBlobKey(key: unknown): asserts key is BlobKey {
  if (!isBlobKey(key)) throw new Error(`invalid blob key ${JSON.stringify(key)}: expected 64 lowercase hex chars`)
}

/**
 * Content-addressed byte storage. Writes go stage -> publish -> discard so the caller can
 * commit its metadata between publish and discard; a crash at any point leaves at most
 * an orphan blob (found by list()) or stale staging (removed by sweepStaging()).
 * Every method taking a key rejects with a plain Error if the key is not a BlobKey.
 */
export interface BlobStore {
  /**
   * Streams body into a private staging area, hashing (sha256) and counting as bytes arrive.
   * If more than opts.maxBytes arrive, stops reading, deletes the staging data and rejects with
   * BlobTooLargeError. If opts.expectedSize is given and the received size differs, deletes
   * staging and rejects with BlobSizeMismatchError. Never holds the body in memory (streams
   * with backpressure). The staged data is durable (fsynced) when this resolves.
   */
  stage(body: Readable, opts?: { maxBytes?: number; expectedSize?: number }): Promise<StagedBlob>

  /**
   * Makes staged bytes readable under key staged.sha256. Idempotent; if the key already exists
   * the existing bytes are kept. The staging copy stays until discard(). Atomic: a reader never
   * sees a partial blob.
   */
  publish(staged: StagedBlob): Promise<void>

  /** Removes the staging copy. Idempotent. */
  discard(staged: StagedBlob): Promise<void>

  /** Streams the blob, or the inclusive byte range. Rejects with BlobNotFoundError if absent. */
  get(key: BlobKey, range?: ByteRange): Promise<Readable>

  /** Size of a stored blob, or null if absent. */
  stat(key: BlobKey): Promise<{ sizeBytes: number } | null>

  /** Deletes a blob. Idempotent: a missing key is success. */
  delete(key: BlobKey): Promise<void>

  /** Every stored blob, for orphan sweeps and fsck. */
  list(): AsyncIterable<{ key: BlobKey; sizeBytes: number; modifiedAtMs: number }>

  /** Deletes staging data older than the given age (abandoned by a crash). Returns how many were removed. */
  sweepStaging(olderThanMs: number): Promise<number>
}
