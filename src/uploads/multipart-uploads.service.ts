import { createHash, randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import type { Store } from '../db/store.ts'
import type { Clock } from '../shared/clock.ts'
import { DomainError, invalid } from '../shared/errors.ts'
import { validateName } from '../shared/names.ts'
import type { Actor } from '../access/grants.ts'
import { BlobSizeMismatchError, BlobTooLargeError, type BlobStore, type StagedBlob } from '../blobs/blob-store.ts'
import type { BlobGarbageCollector } from '../blobs/blob-gc.ts'
import type { SpacesService } from '../spaces/spaces.service.ts'
import type { Space } from '../spaces/spaces.repository.ts'
import type { NodesService } from '../nodes/nodes.service.ts'
import type { ConflictPolicy, DriveNode } from '../nodes/node.ts'
import type { MultipartUpload, UploadPart } from './multipart-uploads.repository.ts'
import { PartBlobs } from './part-blobs.ts'

export type { MultipartUpload, UploadPart }

export const MAX_PART_NUMBER = 10_000
/** How long a completed upload still answers to its row id (clients may keep using the id they got at the start). */
const COMPLETED_KEEP_MS = 10 * 86_400_000
const SHA1_HEX = /^[0-9a-f]{40}$/

export interface StartMultipartUpload {
  parentId: string
  name: string
  onConflict?: ConflictPolicy
  /** Declared size: checked against the quota now, and against the parts at completion. */
  sizeBytes?: number
  contentType?: string
  /** Expected SHA-1 of the whole content (lowercase hex); the completion is refused when the bytes differ. */
  sha1?: string
  ttlMs: number
}

/**
 * Uploads sent as numbered parts, then completed into one file. Each part is staged, hashed and kept as a blob the
 * upload holds one reference on (`PartBlobs`); the upload and its parts are rows, so any API node can take any part. `putPart`
 * has no actor: the transport authorises it (e.g. with a signed URL naming the upload and the part). Completion
 * streams the parts in order through the ordinary upload (quota, naming, checksum), then releases the parts.
 * Expired uploads are swept (their part references released) whenever a new upload starts.
 */
export class MultipartUploadsService {
  private readonly partBlobs: PartBlobs
  constructor(private readonly deps: { store: Store; clock: Clock; blobs: BlobStore; gc: BlobGarbageCollector; spaces: SpacesService; nodes: NodesService }) {
    this.partBlobs = new PartBlobs({ ...deps, repo: (r) => r.multipartUploads.partRows })
  }

  async start(actor: Actor, spaceId: string, input: StartMultipartUpload): Promise<MultipartUpload> {
    const space = await this.deps.spaces.load(actor, spaceId, 'upload_file')
    validateName(input.name)
    if (input.sizeBytes !== undefined && (!Number.isSafeInteger(input.sizeBytes) || input.sizeBytes < 0)) throw invalid('size must be a non-negative integer')
    if (input.sha1 !== undefined && !SHA1_HEX.test(input.sha1)) throw invalid('sha1 must be 40 lowercase hex characters')
    const parent = await this.deps.nodes.visibleFolder(space, input.parentId)
    const available = availableBytes(space)
    if (available !== null && input.sizeBytes !== undefined && input.sizeBytes > available) throw quotaExceeded(input.sizeBytes, available)
    await this.sweepExpired(50)
    const now = this.deps.clock.now()
    const upload: Omit<MultipartUpload, 'id'> = {
      uploadId: randomBytes(20).toString('hex'),
      libraryId: space.libraryId,
      spaceId: Number(space.id),
      parentId: parent.id,
      name: input.name,
      onConflict: input.onConflict ?? 'fail',
      declaredSize: input.sizeBytes ?? null,
      contentType: input.contentType || null,
      sha1: input.sha1 ?? null,
      state: 'open',
      nodeId: null,
      createdBy: actor.userId,
      createdAt: now,
      expiresAt: now + input.ttlMs,
    }
    const id = await this.deps.store.repos.multipartUploads.insert(upload)
    return { id, ...upload }
  }

  /** An unexpired upload of the space, by its opaque id. */
  async get(actor: Actor, spaceId: string, uploadId: string): Promise<MultipartUpload> {
    const space = await this.deps.spaces.load(actor, spaceId)
    return this.live(space, await this.deps.store.repos.multipartUploads.findByUploadId(uploadId), uploadId)
  }

  /** An unexpired upload of the space, by its row id (what a transport hands out before the file exists). */
  async getById(actor: Actor, spaceId: string, id: number): Promise<MultipartUpload> {
    const space = await this.deps.spaces.load(actor, spaceId)
    return this.live(space, await this.deps.store.repos.multipartUploads.findById(id), String(id))
  }

  async parts(actor: Actor, spaceId: string, uploadId: string): Promise<UploadPart[]> {
    const upload = await this.get(actor, spaceId, uploadId)
    return this.deps.store.repos.multipartUploads.partRows.parts(upload.id)
  }

  /** Stores one part (again, if it was sent before: the last one wins). Authorised by the caller (see the class doc). */
  async putPart(uploadId: string, partNumber: number, body: Readable, opts: { sizeBytes?: number } = {}): Promise<UploadPart> {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) throw invalid(`part number must be an integer from 1 to ${MAX_PART_NUMBER}`)
    const repo = this.deps.store.repos.multipartUploads
    const upload = await repo.findByUploadId(uploadId)
    if (!upload || upload.state !== 'open' || upload.expiresAt <= this.deps.clock.now()) throw uploadNotFound(uploadId)
    const space = await this.deps.store.repos.spaces.find(upload.spaceId)
    if (!space) throw uploadNotFound(uploadId)
    // A part can be at most what is left of the quota, and of the declared size once the other parts are counted.
    const quotaLeft = availableBytes(space)
    let declaredLeft: number | null = null
    if (upload.declaredSize !== null) {
      const others = (await repo.partRows.parts(upload.id)).filter((p) => p.partNumber !== partNumber)
      declaredLeft = Math.max(0, upload.declaredSize - others.reduce((n, p) => n + p.sizeBytes, 0))
    }
    const limit = minOf(quotaLeft, declaredLeft)
    const staged = await this.stage(body, limit, opts.sizeBytes, declaredLeft !== null && (quotaLeft === null || declaredLeft <= quotaLeft))
    return this.partBlobs.keep(upload.id, partNumber, staged, () => uploadNotFound(uploadId))
  }

  /**
   * Assembles the parts (numbers 1..n, no gaps) into a file under the upload's parent and name. The conflict policy
   * given here wins over the one fixed at the start. On failure the upload stays open, so the client can fix and retry.
   */
  async complete(actor: Actor, spaceId: string, uploadId: string, opts: { onConflict?: ConflictPolicy } = {}): Promise<DriveNode> {
    const space = await this.deps.spaces.load(actor, spaceId, 'upload_file')
    const repo = this.deps.store.repos.multipartUploads
    const upload = this.live(space, await repo.findByUploadId(uploadId), uploadId)
    if (upload.state === 'completed' && upload.nodeId !== null) {
      throw new DomainError('validation.failed', 'This upload is already complete', { reason: 'upload.completed', uploadId, nodeId: String(upload.nodeId) })
    }
    if (!(await repo.transition(upload.id, 'open', 'completing'))) {
      throw new DomainError('validation.failed', 'This upload is being completed by another request', { reason: 'upload.completing', uploadId })
    }
    let node: DriveNode
    try {
      const parts = await repo.partRows.parts(upload.id)
      parts.forEach((p, i) => {
        if (p.partNumber !== i + 1) throw invalid(`Part ${i + 1} has not been uploaded`, { reason: 'upload.part_missing', partNumber: i + 1 })
      })
      const total = parts.reduce((n, p) => n + p.sizeBytes, 0)
      if (upload.declaredSize !== null && total !== upload.declaredSize) {
        throw new DomainError('upload.size_mismatch', `The parts hold ${total} bytes; ${upload.declaredSize} were declared`, { declared: upload.declaredSize, received: total })
      }
      const body = Readable.from(this.partBytes(parts, upload.sha1))
      node = await this.deps.nodes.upload(actor, spaceId, {
        parentId: String(upload.parentId),
        name: upload.name,
        body,
        sizeBytes: total,
        contentType: upload.contentType ?? undefined,
        onConflict: opts.onConflict ?? upload.onConflict,
      })
    } catch (e) {
      await repo.transition(upload.id, 'completing', 'open')
      throw e
    }
    const now = this.deps.clock.now()
    await this.partBlobs.finish(upload.id, (r) => r.multipartUploads.transition(upload.id, 'completing', 'completed', { nodeId: node.id, expiresAt: now + COMPLETED_KEEP_MS }))
    return node
  }

  /** Drops expired uploads (open ones release their parts); returns how many. */
  async sweepExpired(limit = 500): Promise<number> {
    const ids = await this.deps.store.repos.multipartUploads.expired(this.deps.clock.now(), limit)
    await this.partBlobs.forget(ids)
    return ids.length
  }

  /** The parts' bytes in order; with `sha1`, the stream fails at its end when the content's SHA-1 differs. */
  private async *partBytes(parts: UploadPart[], sha1: string | null): AsyncGenerator<Buffer> {
    const hash = createHash('sha1')
    for await (const chunk of this.partBlobs.bytes(parts)) {
      hash.update(chunk)
      yield chunk
    }
    const actual = hash.digest('hex')
    if (sha1 && actual !== sha1) throw new DomainError('upload.checksum_mismatch', 'The uploaded bytes do not match the given SHA-1', { expected: sha1, actual, algorithm: 'sha1' })
  }

  private live(space: Space, upload: MultipartUpload | undefined, ref: string): MultipartUpload {
    if (!upload || String(upload.spaceId) !== space.id || upload.expiresAt <= this.deps.clock.now()) throw uploadNotFound(ref)
    return upload
  }

  private async stage(body: Readable, maxBytes: number | null, expectedSize: number | undefined, limitIsDeclared: boolean): Promise<StagedBlob> {
    try {
      return await this.deps.blobs.stage(body, { maxBytes: maxBytes ?? undefined, expectedSize })
    } catch (e) {
      if (e instanceof BlobTooLargeError) {
        if (limitIsDeclared) throw new DomainError('upload.size_mismatch', 'The parts hold more bytes than the declared size', { declaredLeft: maxBytes })
        throw quotaExceeded(undefined, maxBytes ?? 0)
      }
      if (e instanceof BlobSizeMismatchError) throw new DomainError('upload.size_mismatch', 'The number of bytes received differs from the declared size', { declared: expectedSize })
      throw e
    }
  }
}

function minOf(a: number | null, b: number | null): number | null {
  if (a === null) return b
  if (b === null) return a
  return Math.min(a, b)
}

function availableBytes(s: Space): number | null {
  return s.quotaBytes === null ? null : Math.max(0, s.quotaBytes - s.liveBytes - s.trashBytes)
}

function uploadNotFound(ref: string): DomainError {
  return new DomainError('validation.failed', 'This upload does not exist, has expired or is complete', { reason: 'upload.not_found', uploadId: ref })
}

function quotaExceeded(requested: number | undefined, available: number | undefined): DomainError {
  return new DomainError('quota.exceeded', 'Not enough space left in the quota for this upload', { requestedBytes: requested ?? null, availableBytes: available ?? null })
}
