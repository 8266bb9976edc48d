import { randomBytes } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { Store } from '../db/store.ts'
import type { Clock } from '../shared/clock.ts'
import { DomainError, invalid } from '../shared/errors.ts'
import { validateName } from '../shared/names.ts'
import { authorize } from '../access/authorize.ts'
import type { Actor } from '../access/grants.ts'
import { BlobSizeMismatchError, BlobTooLargeError, type BlobStore, type StagedBlob } from '../blobs/blob-store.ts'
import type { BlobGarbageCollector } from '../blobs/blob-gc.ts'
import type { SpacesService } from '../spaces/spaces.service.ts'
import type { Space } from '../spaces/spaces.repository.ts'
import type { NodesService } from '../nodes/nodes.service.ts'
import type { ConflictPolicy, DriveNode } from '../nodes/node.ts'
import { planName } from '../nodes/naming.ts'
import { trashNode } from '../trash/trash-ops.ts'
import type { UploadSession } from './upload-sessions.repository.ts'

export type { UploadSession }

export interface BeginUpload {
  parentId: string
  name: string
  onConflict?: ConflictPolicy
  /** Declared size: checked against the quota now, and against the bytes when they arrive. */
  sizeBytes?: number
  contentType?: string
  ttlMs: number
}

export interface CommittedUpload {
  node: DriveNode
  /** A live file of that name was replaced (it went to the bin). */
  overwritten: boolean
  crc64: string | null
}

/**
 * Two-phase uploads: `begin` fixes where the file goes, `putBytes` (any node, authorised by the transport, e.g. with
 * a signed credential) stores the bytes as a blob the session holds one reference on, `commit` turns the session into
 * a node (the reference passes to the node). Everything lives in the database, so each step may hit another node.
 * An expired or aborted session releases its reference; the bytes go with the next blob GC.
 */
export class UploadSessionsService {
  constructor(private readonly deps: { store: Store; clock: Clock; blobs: BlobStore; gc: BlobGarbageCollector; spaces: SpacesService; nodes: NodesService }) {}

  async begin(actor: Actor, spaceId: string, input: BeginUpload): Promise<UploadSession> {
    const space = await this.deps.spaces.load(actor, spaceId, 'upload_file')
    validateName(input.name)
    const policy = input.onConflict ?? 'fail'
    if (input.sizeBytes !== undefined && (!Number.isSafeInteger(input.sizeBytes) || input.sizeBytes < 0)) throw invalid('size must be a non-negative integer')
    const parent = await this.deps.nodes.visibleFolder(space, input.parentId)
    const existing = await this.deps.store.repos.nodes.findLiveChild(parent.id, input.name)
    if (existing && (policy === 'fail' || (policy === 'overwrite' && existing.kind !== 'file'))) {
      throw new DomainError('node.name_conflict', `\`${input.name}\` already exists in this folder`, { name: input.name, existingId: String(existing.id) })
    }
    const available = availableBytes(space)
    if (available !== null && input.sizeBytes !== undefined && input.sizeBytes > available) throw quotaExceeded(input.sizeBytes, available)
    await this.sweepExpired(100)
    const now = this.deps.clock.now()
    const session: UploadSession = {
      key: randomBytes(24).toString('base64url'),
      libraryId: space.libraryId,
      spaceId: Number(space.id),
      parentId: parent.id,
      name: input.name,
      onConflict: policy,
      declaredSize: input.sizeBytes ?? null,
      state: 'pending',
      sha256: null,
      sizeBytes: null,
      crc64: null,
      contentType: input.contentType || null,
      createdBy: actor.userId,
      createdAt: now,
      expiresAt: now + input.ttlMs,
    }
    await this.deps.store.repos.uploadSessions.insert(session)
    return session
  }

  /** A live session by key, without an actor: for the byte endpoint, which the transport authorises itself. */
  async find(key: string): Promise<UploadSession | undefined> {
    const s = await this.deps.store.repos.uploadSessions.find(key)
    return s && s.expiresAt > this.deps.clock.now() ? s : undefined
  }

  async get(actor: Actor, spaceId: string, key: string): Promise<UploadSession> {
    const space = await this.deps.spaces.load(actor, spaceId)
    return this.sessionOf(space, key)
  }

  /** Stores the bytes of a session (again, if they were sent before: the last upload wins). */
  async putBytes(key: string, body: Readable, opts: { sizeBytes?: number; contentType?: string; crc64?: () => string | null } = {}): Promise<UploadSession> {
    const session = await this.find(key)
    if (!session) throw uploadNotFound(key)
    const space = await this.deps.store.repos.spaces.find(session.spaceId)
    if (!space) throw uploadNotFound(key)
    const expected = opts.sizeBytes ?? session.declaredSize ?? undefined
    const staged = await this.stage(body, availableBytes(space) ?? undefined, expected)
    let released = false
    try {
      await this.deps.blobs.publish(staged)
      const now = this.deps.clock.now()
      await this.deps.store.transaction(async (r) => {
        await r.blobs.addRef(staged.sha256, staged.sizeBytes, now)
        const res = await r.uploadSessions.attachBlob(key, { sha256: staged.sha256, sizeBytes: staged.sizeBytes, crc64: opts.crc64?.() ?? null, contentType: opts.contentType ?? null })
        if (!res) throw uploadNotFound(key)
        if (res.previous) {
          await r.blobs.release(new Map([[res.previous, 1]]), now)
          released = true
        }
      })
      // A blob GC between publish and commit may have removed the bytes of an unreferenced twin: publish again.
      await this.deps.blobs.publish(staged)
    } finally {
      await this.deps.blobs.discard(staged)
    }
    if (released) await this.deps.gc.collect()
    return (await this.deps.store.repos.uploadSessions.find(key))!
  }

  /** Makes the session a file. The conflict policy given here wins over the one fixed at begin. */
  async commit(actor: Actor, spaceId: string, key: string, opts: { onConflict?: ConflictPolicy } = {}): Promise<CommittedUpload> {
    const space = await this.deps.spaces.load(actor, spaceId, 'upload_file')
    const spaceNum = Number(space.id)
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.deps.store.transaction(async (r) => {
          const s = await r.uploadSessions.find(key)
          if (!s || s.spaceId !== spaceNum || s.expiresAt <= this.deps.clock.now()) throw uploadNotFound(key)
          if (s.state !== 'uploaded' || !s.sha256 || s.sizeBytes === null) {
            throw new DomainError('validation.failed', 'The bytes of this upload have not arrived yet', { reason: 'upload.incomplete', key })
          }
          const now = this.deps.clock.now()
          const parent = await this.deps.nodes.visibleFolder(space, s.parentId, r)
          const plan = await planName(r, parent.id, s.name, 'file', opts.onConflict ?? s.onConflict)
          if (plan.replaces) {
            authorize(actor, space, 'delete_file')
            await trashNode(r, { space: (await r.spaces.find(spaceNum))!, node: plan.replaces, userId: actor.userId, now, permanent: false })
          }
          if (!(await r.spaces.chargeLive(spaceNum, s.sizeBytes))) throw quotaExceeded(s.sizeBytes, undefined)
          // The session's blob reference passes to the node: no addRef, and the session row goes.
          const id = await r.nodes.insert({
            spaceId: spaceNum,
            parentId: parent.id,
            name: plan.name,
            kind: 'file',
            sizeBytes: s.sizeBytes,
            contentType: s.contentType,
            blobSha256: s.sha256,
            createdBy: actor.userId,
            now,
          })
          await r.nodes.adjustAncestors(parent.id, s.sizeBytes, 1, now)
          await r.uploadSessions.delete(key)
          if (s.crc64) await r.blobChecksums.put(s.sha256, s.crc64)
          return { node: (await r.nodes.find(spaceNum, id))!, overwritten: !!plan.replaces, crc64: s.crc64 }
        })
      } catch (e) {
        if (!this.deps.store.isUniqueViolation(e) || attempt >= 3) throw e
      }
    }
  }

  async renew(actor: Actor, spaceId: string, key: string, ttlMs: number): Promise<UploadSession> {
    const space = await this.deps.spaces.load(actor, spaceId, 'upload_file')
    const s = await this.sessionOf(space, key)
    const expiresAt = this.deps.clock.now() + ttlMs
    await this.deps.store.repos.uploadSessions.setExpiry(s.key, expiresAt)
    return { ...s, expiresAt }
  }

  async abort(actor: Actor, spaceId: string, key: string): Promise<void> {
    const space = await this.deps.spaces.load(actor, spaceId, 'upload_file')
    await this.sessionOf(space, key)
    await this.drop([key])
  }

  /** Drops expired sessions (their blob references go); returns how many. */
  async sweepExpired(limit = 500): Promise<number> {
    const keys = await this.deps.store.repos.uploadSessions.expiredKeys(this.deps.clock.now(), limit)
    if (keys.length) await this.drop(keys)
    return keys.length
  }

  /** The CRC-64 recorded for a blob's content, when it is known. */
  async crc64Of(sha256: string | null): Promise<string | null> {
    return sha256 ? this.deps.store.repos.blobChecksums.crc64Of(sha256) : null
  }

  private async drop(keys: string[]): Promise<void> {
    const now = this.deps.clock.now()
    const freed = await this.deps.store.transaction(async (r) => {
      const refs = new Map<string, number>()
      for (const key of keys) {
        const gone = await r.uploadSessions.delete(key)
        if (gone?.sha256) refs.set(gone.sha256, (refs.get(gone.sha256) ?? 0) + 1)
      }
      if (refs.size) await r.blobs.release(refs, now)
      return refs.size
    })
    if (freed) await this.deps.gc.collect()
  }

  private async sessionOf(space: Space, key: string): Promise<UploadSession> {
    const s = await this.find(key)
    if (!s || String(s.spaceId) !== space.id) throw uploadNotFound(key)
    return s
  }

  private async stage(body: Readable, maxBytes: number | undefined, expectedSize: number | undefined): Promise<StagedBlob> {
    try {
      return await this.deps.blobs.stage(body, { maxBytes, expectedSize })
    } catch (e) {
      if (e instanceof BlobTooLargeError) throw quotaExceeded(undefined, maxBytes ?? 0)
      if (e instanceof BlobSizeMismatchError) throw new DomainError('upload.size_mismatch', 'The number of bytes received differs from the declared size', { declared: expectedSize })
      throw e
    }
  }
}

function availableBytes(s: Space): number | null {
  return s.quotaBytes === null ? null : Math.max(0, s.quotaBytes - s.liveBytes - s.trashBytes)
}

function uploadNotFound(key: string): DomainError {
  return new DomainError('validation.failed', 'This upload does not exist or has expired', { reason: 'upload.not_found', key })
}

function quotaExceeded(requested: number | undefined, available: number | undefined): DomainError {
  return new DomainError('quota.exceeded', 'Not enough space left in the quota for this upload', { requestedBytes: requested ?? null, availableBytes: available ?? null })
}
