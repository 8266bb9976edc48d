import { Readable } from 'node:stream'
import type { Store } from '../db/store.ts'
import type { Clock } from '../shared/clock.ts'
import { DomainError, invalid } from '../shared/errors.ts'
import { validateName } from '../shared/names.ts'
import { parseDecimalId } from '../shared/ids.ts'
import type { Actor } from '../access/grants.ts'
import type { SpacesService } from '../spaces/spaces.service.ts'
import type { NodesService } from '../nodes/nodes.service.ts'
import type { ConflictPolicy, DriveNode } from '../nodes/node.ts'
import type { UrlSigner } from '../signing/url-signer.ts'
import { BlobSizeMismatchError, BlobTooLargeError, type BlobStore, type StagedBlob } from '../blobs/blob-store.ts'
import type { BlobGarbageCollector } from '../blobs/blob-gc.ts'
import type { PartUpload, UploadPart } from './part-uploads.repository.ts'
import { PartBlobs } from './part-blobs.ts'

export type { PartUpload }

export const DEFAULT_PART_SIZE = 8 * 1024 * 1024
export const MAX_PARTS = 10_000
/** How long an unfinished upload may wait for its parts. */
export const PART_UPLOAD_TTL_MS = 24 * 3_600_000
/** How long a finished upload still answers "which file did I become?". */
export const FINISHED_UPLOAD_TTL_MS = 7 * 24 * 3_600_000
export const PART_LINK_TTL_MS = 3_600_000
const SHA256_HEX = /^[0-9a-f]{64}$/

export interface BeginPartUpload {
  parentId: string
  name: string
  sizeBytes: number
  sha256?: string
  contentType?: string
  onConflict?: ConflictPolicy
  partSize?: number
}

export interface PartPlan {
  partNumber: number
  partSize: number
  partOffset: number
}

export interface PartLink extends PartPlan {
  /** Signed credential for `putPart` (time-limited); the transport puts it into the URL it hands out. */
  token: string
  expiresAt: number
}

/**
 * Uploads in numbered parts: `begin` fixes where the file goes and plans the parts, `putPart` receives one part
 * (authorised by its signed credential alone, as object stores do), `complete` assembles the parts in order and goes
 * through the ordinary upload (quota, name conflict, size and SHA-256 checks), so the file is committed exactly like
 * any other. Each part is a blob the upload holds one reference on, listed in `part_upload_parts` (`PartBlobs`, as for
 * multipart uploads), so every step may reach a different API node. Completion, and the sweep of expired uploads,
 * release the parts' references; the bytes go with the blob GC.
 */
export class PartUploadsService {
  private readonly partBlobs: PartBlobs
  constructor(private readonly deps: { store: Store; clock: Clock; blobs: BlobStore; gc: BlobGarbageCollector; spaces: SpacesService; nodes: NodesService; signer: UrlSigner }) {
    this.partBlobs = new PartBlobs({ ...deps, repo: (r) => r.partUploads.partRows })
  }

  async begin(actor: Actor, spaceId: string, input: BeginPartUpload): Promise<PartUpload> {
    const space = await this.deps.spaces.load(actor, spaceId, 'upload_file')
    validateName(input.name)
    const size = input.sizeBytes
    if (!Number.isSafeInteger(size) || size < 0) throw invalid('size must be a non-negative integer', { sizeBytes: size })
    if (input.sha256 !== undefined && !SHA256_HEX.test(input.sha256)) throw invalid('sha256 must be 64 lowercase hex characters')
    const policy = input.onConflict ?? 'fail'
    const parent = await this.deps.nodes.visibleFolder(space, input.parentId)
    if (policy === 'fail' && (await this.deps.store.repos.nodes.findLiveChild(parent.id, input.name))) {
      throw new DomainError('node.name_conflict', `\`${input.name}\` already exists in this folder`, { name: input.name })
    }
    const available = space.quotaBytes === null ? null : Math.max(0, space.quotaBytes - space.liveBytes - space.trashBytes)
    if (available !== null && size > available) {
      throw new DomainError('quota.exceeded', 'Not enough space left in the quota for this upload', { requestedBytes: size, availableBytes: available })
    }
    let partSize = input.partSize ?? DEFAULT_PART_SIZE
    if (!Number.isSafeInteger(partSize) || partSize < 1) throw invalid('partSize must be a positive integer')
    if (Math.ceil(size / partSize) > MAX_PARTS) partSize = Math.ceil(size / MAX_PARTS)
    await this.sweepExpired(20)
    const now = this.deps.clock.now()
    const id = await this.deps.store.repos.partUploads.insert({
      libraryId: space.libraryId,
      spaceId: Number(space.id),
      parentId: parent.id,
      name: input.name,
      sizeBytes: size,
      sha256: input.sha256 ?? null,
      contentType: input.contentType || null,
      onConflict: policy,
      partSize,
      partCount: Math.ceil(size / partSize),
      createdBy: actor.userId,
      createdAt: now,
      expiresAt: now + PART_UPLOAD_TTL_MS,
    })
    return (await this.deps.store.repos.partUploads.find(id))!
  }

  /** The upload as a reader of its space sees it (e.g. to learn which file a finished upload became). */
  async get(actor: Actor, uploadId: string | number): Promise<PartUpload> {
    const u = await this.find(uploadId)
    await this.deps.spaces.load(actor, u.spaceId).catch((e) => {
      throw e instanceof DomainError && e.code === 'space.not_found' ? uploadNotFound(uploadId) : e
    })
    return u
  }

  plan(u: PartUpload): PartPlan[] {
    return Array.from({ length: u.partCount }, (_, i) => ({ partNumber: i + 1, partSize: partSizeOf(u, i + 1), partOffset: i * u.partSize }))
  }

  /** Fresh signed links for some (default: all) parts of an open upload, for the actor who began it. */
  async partLinks(actor: Actor, uploadId: string | number, partNumbers?: number[]): Promise<PartLink[]> {
    const u = await this.continuable(actor, uploadId)
    const plan = this.plan(u)
    const wanted = partNumbers ?? plan.map((p) => p.partNumber)
    const out: PartLink[] = []
    for (const n of wanted) {
      const p = plan[n - 1]
      if (!Number.isInteger(n) || !p) throw invalid(`Part ${n} is not in the plan of upload ${u.id} (1–${u.partCount})`, { partNumber: n })
      const { token, expiresAt } = await this.deps.signer.sign({ t: 'part', u: u.id, n }, PART_LINK_TTL_MS)
      out.push({ ...p, token, expiresAt })
    }
    return out
  }

  /** Receives one part. Its size must be exactly the planned size; sending a part again replaces it. */
  async putPart(token: string, body: Readable): Promise<{ uploadId: number; partNumber: number; sizeBytes: number; sha256: string }> {
    const claims = await this.deps.signer.verify(token)
    if (claims.t !== 'part' || typeof claims.u !== 'number' || typeof claims.n !== 'number') {
      throw new DomainError('auth.unauthenticated', 'The signed URL or credential is invalid')
    }
    const u = await this.find(claims.u)
    if (u.state !== 'open' || u.expiresAt <= this.deps.clock.now()) throw uploadNotFound(u.id)
    const expected = partSizeOf(u, claims.n)
    const staged = await this.stage(body, expected)
    const part = await this.partBlobs.keep(u.id, claims.n, staged, () => uploadNotFound(u.id))
    return { uploadId: u.id, partNumber: claims.n, sizeBytes: part.sizeBytes, sha256: part.sha256 }
  }

  /**
   * Assembles the parts into the file. `sha256` (optional) must agree with the one declared at begin, and the bytes must
   * match whichever was given. Completing a finished upload again returns the same file.
   */
  async complete(actor: Actor, uploadId: string | number, opts: { sha256?: string } = {}): Promise<{ upload: PartUpload; node: DriveNode }> {
    if (opts.sha256 !== undefined && !SHA256_HEX.test(opts.sha256)) throw invalid('sha256 must be 64 lowercase hex characters')
    const found = await this.find(uploadId)
    if (found.state === 'done') {
      await this.deps.spaces.load(actor, found.spaceId)
      const node = await this.deps.store.repos.nodes.find(found.spaceId, found.nodeId!)
      if (!node) throw uploadNotFound(found.id)
      return { upload: found, node }
    }
    const u = await this.continuable(actor, found.id)
    if (opts.sha256 && u.sha256 && opts.sha256 !== u.sha256) {
      throw new DomainError('upload.checksum_mismatch', 'The SHA-256 given at completion differs from the one declared when the upload began', { expected: u.sha256, actual: opts.sha256 })
    }
    const missing = this.missingParts(u, await this.partBlobs.parts(u.id))
    if (missing.length) {
      throw new DomainError('validation.failed', `Parts ${missing.slice(0, 20).join(', ')} of upload ${u.id} have not arrived`, { reason: 'upload.incomplete', missingParts: missing.slice(0, 100) })
    }
    // Claimed by one completion at a time: a second concurrent completion is told the upload is busy.
    if (!(await this.deps.store.repos.partUploads.transition(u.id, 'open', 'completing'))) {
      throw new DomainError('service.busy', `Upload ${u.id} is being completed by another request`, { uploadId: String(u.id) })
    }
    let node: DriveNode
    try {
      // Read again now that no part can change: one sent again since the check above replaced (and released) its blob.
      const parts = await this.partBlobs.parts(u.id)
      if (this.missingParts(u, parts).length) throw new DomainError('validation.failed', `Parts of upload ${u.id} have not arrived`, { reason: 'upload.incomplete' })
      node = await this.deps.nodes.upload(actor, String(u.spaceId), {
        parentId: String(u.parentId),
        name: u.name,
        body: Readable.from(this.partBlobs.bytes(parts)),
        sizeBytes: u.sizeBytes,
        sha256: opts.sha256 ?? u.sha256 ?? undefined,
        contentType: u.contentType ?? undefined,
        onConflict: u.onConflict,
      })
    } catch (e) {
      await this.deps.store.repos.partUploads.transition(u.id, 'completing', 'open')
      throw e
    }
    const done = { nodeId: node.id, expiresAt: this.deps.clock.now() + FINISHED_UPLOAD_TTL_MS }
    await this.partBlobs.finish(u.id, (r) => r.partUploads.transition(u.id, 'completing', 'done', done))
    return { upload: (await this.deps.store.repos.partUploads.find(u.id))!, node }
  }

  /** Forgets expired uploads and releases the parts they left behind; returns how many. */
  async sweepExpired(limit = 500): Promise<number> {
    const ids = await this.deps.store.repos.partUploads.expiredIds(this.deps.clock.now(), limit)
    await this.partBlobs.forget(ids)
    return ids.length
  }

  /** Numbers of the planned parts that have not arrived (a part's size is checked when it arrives). */
  private missingParts(u: PartUpload, parts: UploadPart[]): number[] {
    const have = new Map(parts.map((p) => [p.partNumber, p.sizeBytes]))
    return this.plan(u).filter((p) => have.get(p.partNumber) !== p.partSize).map((p) => p.partNumber)
  }

  /** Stages one part, which must hold exactly its planned size. */
  private async stage(body: Readable, expected: number): Promise<StagedBlob> {
    try {
      return await this.deps.blobs.stage(body, { maxBytes: expected, expectedSize: expected })
    } catch (e) {
      if (e instanceof BlobTooLargeError) throw sizeMismatch(expected, expected + 1)
      if (e instanceof BlobSizeMismatchError) throw sizeMismatch(expected, e.receivedSize)
      throw e
    }
  }

  /** An open upload the actor may continue: the one who began it, or an admin of the space. */
  private async continuable(actor: Actor, uploadId: string | number): Promise<PartUpload> {
    const u = await this.find(uploadId)
    await this.deps.spaces.load(actor, u.spaceId, 'upload_file').catch((e) => {
      throw e instanceof DomainError && e.code === 'space.not_found' ? uploadNotFound(uploadId) : e
    })
    const admin = actor.grants.includes('admin') || actor.grants.includes('space_admin')
    if (u.createdBy !== actor.userId && !admin) throw uploadNotFound(uploadId)
    if (u.state !== 'open' || u.expiresAt <= this.deps.clock.now()) {
      if (u.state === 'completing') throw new DomainError('service.busy', `Upload ${u.id} is being completed by another request`, { uploadId: String(u.id) })
      throw uploadNotFound(uploadId)
    }
    return u
  }

  private async find(uploadId: string | number): Promise<PartUpload> {
    const id = parseDecimalId(uploadId)
    const u = id === null ? undefined : await this.deps.store.repos.partUploads.find(id)
    if (!u) throw uploadNotFound(uploadId)
    return u
  }

}

function partSizeOf(u: PartUpload, n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > u.partCount) throw invalid(`Part ${n} is not in the plan of upload ${u.id} (1–${u.partCount})`, { partNumber: n })
  return n < u.partCount ? u.partSize : u.sizeBytes - u.partSize * (u.partCount - 1)
}

function sizeMismatch(expected: number, received: number): DomainError {
  return new DomainError('upload.size_mismatch', `The part holds ${received}${received > expected ? '+' : ''} bytes; ${expected} were planned`, { expected, received })
}

function uploadNotFound(id: string | number): DomainError {
  return new DomainError('validation.failed', `Upload ${id} does not exist or has expired`, { reason: 'upload.not_found', uploadId: String(id) })
}
