import { createReadStream, promises as fsp } from 'node:fs'
import { Readable } from 'node:stream'
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import {
  assertBlobKey,
  BlobNotFoundError,
  isBlobKey,
  type BlobKey,
  type BlobStore,
  type ByteRange,
  type StagedBlob,
} from './blob-store.ts'
import { LocalStaging } from './local-staging.ts'

const MiB = 1024 * 1024
/** S3 rejects multipart parts under 5 MiB (except the last) and single PUTs over 5 GiB. */
const MIN_PART_BYTES = 5 * MiB
const MAX_PUT_BYTES = 5 * 1024 * MiB
const MAX_PARTS = 10_000
const FANOUT_RE = /^[0-9a-f]{2}$/

export interface S3BlobStoreOptions {
  client: S3Client
  bucket: string
  /** Key prefix inside the bucket, so several deployments can share one bucket. A missing trailing '/' is added. */
  prefix?: string
  /** Local directory for staged uploads; S3 has no cheap rename, so bytes are hashed and checked locally first. */
  stagingDir: string
  /** Objects of at least this size are uploaded in parts. Default 16 MiB. */
  multipartThresholdBytes?: number
  /** Part size for multipart uploads; raised automatically for objects that would need more than 10,000 parts. Default 8 MiB. */
  partSizeBytes?: number
  /** Page size for list(); only tests need to change it. Default 1000 (the S3 maximum). */
  listPageSize?: number
  /** Clock for sweepStaging; injectable so tests can move time. */
  now?: () => number
}

/**
 * Blobs live at s3://<bucket>/<prefix>blobs/ab/cd/<sha256>; uploads are staged in a local directory and
 * copied up on publish. A PUT (single or completed multipart) becomes visible all at once, so readers
 * never see a partial object.
 */
export class S3BlobStore implements BlobStore {
  private readonly client: S3Client
  private readonly bucket: string
  private readonly prefix: string
  private readonly staging: LocalStaging
  private readonly multipartThresholdBytes: number
  private readonly partSizeBytes: number
  private readonly listPageSize: number
  private readonly now: () => number

  constructor(opts: S3BlobStoreOptions) {
    this.client = opts.client
    this.bucket = opts.bucket
    const prefix = opts.prefix ?? ''
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`
    this.now = opts.now ?? Date.now
    this.staging = new LocalStaging({ dir: opts.stagingDir, now: this.now })
    this.multipartThresholdBytes = opts.multipartThresholdBytes ?? 16 * MiB
    this.partSizeBytes = opts.partSizeBytes ?? 8 * MiB
    this.listPageSize = opts.listPageSize ?? 1000
    if (!(Number.isSafeInteger(this.multipartThresholdBytes) && this.multipartThresholdBytes > 0 && this.multipartThresholdBytes <= MAX_PUT_BYTES)) {
      throw new Error(`multipartThresholdBytes must be between 1 and ${MAX_PUT_BYTES}`)
    }
    if (!(Number.isSafeInteger(this.partSizeBytes) && this.partSizeBytes >= MIN_PART_BYTES)) {
      throw new Error(`partSizeBytes must be at least ${MIN_PART_BYTES}`)
    }
    if (!(Number.isSafeInteger(this.listPageSize) && this.listPageSize >= 1 && this.listPageSize <= 1000)) {
      throw new Error('listPageSize must be between 1 and 1000')
    }
  }

  stage(body: Readable, opts: { maxBytes?: number; expectedSize?: number } = {}): Promise<StagedBlob> {
    return this.staging.stage(body, opts)
  }

  async publish(staged: StagedBlob): Promise<void> {
    assertBlobKey(staged.sha256)
    const file = this.staging.pathOf(staged.stagingId)
    const objectKey = this.objectKey(staged.sha256)

    // An object of the right size under a content-addressed key already holds these bytes. A wrong size
    // can only be damage (e.g. a non-atomic S3-compatible server), so that one is overwritten.
    const existing = await this.headSize(objectKey)
    if (existing === staged.sizeBytes) return

    const { size } = await fsp.stat(file)
    if (size !== staged.sizeBytes) {
      throw new Error(`staging ${staged.stagingId} holds ${size} bytes, expected ${staged.sizeBytes}`)
    }
    const body = createReadStream(file)
    try {
      if (size < this.multipartThresholdBytes) {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: objectKey,
            Body: body,
            ContentLength: size,
            ContentType: 'application/octet-stream',
            // S3 checks the bytes against the key itself. Supplying the checksum also stops the SDK from
            // switching a stream body to aws-chunked encoding, which some S3-compatible servers store verbatim.
            ChecksumSHA256: Buffer.from(staged.sha256, 'hex').toString('base64'),
          }),
        )
      } else {
        const upload = new Upload({
          client: this.client,
          params: { Bucket: this.bucket, Key: objectKey, Body: body, ContentLength: size, ContentType: 'application/octet-stream' },
          // S3 allows at most 10,000 parts, so very large blobs get bigger parts rather than failing late.
          partSize: Math.max(this.partSizeBytes, Math.ceil(size / MAX_PARTS)),
          queueSize: 4,
          // Abort the multipart upload on failure so its parts do not linger (and cost) in the bucket.
          leavePartsOnError: false,
        })
        await upload.done()
      }
    } finally {
      // The SDK does not always consume a stream body to the end on failure; release the fd either way.
      body.destroy()
    }
  }

  async discard(staged: StagedBlob): Promise<void> {
    await this.staging.discard(staged.stagingId)
  }

  async get(key: BlobKey, range?: ByteRange): Promise<Readable> {
    assertBlobKey(key)
    if (range && !(Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end) && 0 <= range.start && range.start <= range.end)) {
      throw new Error(`invalid byte range ${range.start}-${range.end}`)
    }
    let res
    try {
      // Awaiting the response headers turns "missing" into a rejection instead of a later stream error.
      res = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      )
    } catch (err) {
      if (isMissingKey(err)) throw new BlobNotFoundError(key)
      throw err
    }
    const body = res.Body
    if (!(body instanceof Readable)) {
      throw new Error(`unexpected GetObject body type for blob ${key}`)
    }
    // Ranges arrive validated against the blob size, so any other length means the server ignored or
    // misread the Range header; failing beats serving the wrong bytes under a Content-Range.
    if (range && res.ContentLength !== undefined && res.ContentLength !== range.end - range.start + 1) {
      body.destroy()
      throw new Error(`blob ${key}: asked for bytes ${range.start}-${range.end}, server sent ${res.ContentLength} bytes`)
    }
    return body
  }

  async stat(key: BlobKey): Promise<{ sizeBytes: number } | null> {
    assertBlobKey(key)
    const size = await this.headSize(this.objectKey(key))
    return size === null ? null : { sizeBytes: size }
  }

  async delete(key: BlobKey): Promise<void> {
    assertBlobKey(key)
    try {
      // S3 answers 204 for a missing key; some compatible servers answer 404 instead.
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }))
    } catch (err) {
      if (!isMissingKey(err)) throw err
    }
  }

  async *list(): AsyncIterable<{ key: BlobKey; sizeBytes: number; modifiedAtMs: number }> {
    const base = `${this.prefix}blobs/`
    let token: string | undefined
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: base, ContinuationToken: token, MaxKeys: this.listPageSize }),
      )
      for (const obj of page.Contents ?? []) {
        const key = obj.Key === undefined ? null : this.blobKeyOf(obj.Key.slice(base.length))
        if (key === null) continue
        // Orphan sweeps skip blobs younger than a grace period; an unknown age must count as young, not ancient.
        yield { key, sizeBytes: obj.Size ?? 0, modifiedAtMs: obj.LastModified?.getTime() ?? this.now() }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined
    } while (token)
  }

  sweepStaging(olderThanMs: number): Promise<number> {
    // Only local staging: multipart uploads abandoned by a crash are left to the bucket's
    // AbortIncompleteMultipartUpload lifecycle rule.
    return this.staging.sweep(olderThanMs)
  }

  private objectKey(key: BlobKey): string {
    return `${this.prefix}blobs/${key.slice(0, 2)}/${key.slice(2, 4)}/${key}`
  }

  /** "ab/cd/<sha256>" -> the key; anything else under blobs/ is not reachable by get(), so not a blob. */
  private blobKeyOf(relative: string): BlobKey | null {
    const [ab, cd, key, ...rest] = relative.split('/')
    if (rest.length || !FANOUT_RE.test(ab) || !FANOUT_RE.test(cd ?? '') || !isBlobKey(key)) return null
    return key.startsWith(ab + cd) ? key : null
  }

  private async headSize(objectKey: string): Promise<number | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }))
      return head.ContentLength ?? 0
    } catch (err) {
      if (isMissingKey(err)) return null
      throw err
    }
  }
}

/**
 * True for "no such object". A HEAD response has no body, so a missing bucket also reads as NotFound
 * there; GET and DELETE do name NoSuchBucket, and that must surface as the misconfiguration it is.
 */
function isMissingKey(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | null
  if (!e || e.name === 'NoSuchBucket') return false
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404
}

export function s3ClientFromConfig(cfg: {
  endpoint?: string
  region: string
  accessKeyId: string
  secretAccessKey: string
  forcePathStyle: boolean
}): S3Client {
  return new S3Client({
    region: cfg.region,
    endpoint: cfg.endpoint,
    forcePathStyle: cfg.forcePathStyle,
    credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey },
    // A custom endpoint means an S3-compatible server; many reject or mis-store the SDK's default
    // CRC checksums (aws-chunked trailers), so only send checksums the operation requires.
    // AWS itself keeps the SDK defaults.
    ...(cfg.endpoint
      ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const }
      : {}),
  })
}
