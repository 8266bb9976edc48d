import type { Repos, Store } from '../db/store.ts'
import type { Clock } from '../shared/clock.ts'
import type { BlobStore, StagedBlob } from '../blobs/blob-store.ts'
import type { BlobGarbageCollector } from '../blobs/blob-gc.ts'
import type { UploadPart, UploadPartRows } from './upload-parts.repository.ts'

/**
 * Part storage for uploads sent in numbered parts (`MultipartUploadsService`, `PartUploadsService`): each part is a blob
 * in the blob store that its upload holds one reference on, listed in the upload kind's parts table. Nothing stays on
 * the node, so any API node can take any part and any node can complete. It owns the order of publishing, reference
 * counting and releasing; it never decides what a part may hold (size, quota): services stage with their own limits.
 *
 * Concurrency: storing a part locks the upload row while it is `open`. A completion claims the row (open → completing)
 * and a sweep deletes it, each before reading or deleting the parts, so a part either lands before the claim (and is
 * assembled or released with the others) or finds the upload closed; no part row outlives its upload.
 */
export class PartBlobs {
  constructor(private readonly deps: { store: Store; clock: Clock; blobs: BlobStore; gc: BlobGarbageCollector; repo: (r: Repos) => UploadPartRows }) {}

  /**
   * Keeps staged bytes as part `partNumber` of an upload (replacing the part sent before, whose reference is released)
   * and discards the staging copy whatever happens. Throws `closed()` when the upload is no longer open.
   */
  async keep(uploadRowId: number, partNumber: number, staged: StagedBlob, closed: () => Error): Promise<UploadPart> {
    let released = false
    let published = false
    try {
      // Bytes first, then the row: a crash in between leaves an unreferenced blob (swept), never a row without bytes.
      await this.deps.blobs.publish(staged)
      published = true
      const now = this.deps.clock.now()
      const part: UploadPart = { partNumber, sizeBytes: staged.sizeBytes, sha256: staged.sha256, uploadedAt: now }
      await this.deps.store.transaction(async (r) => {
        const repo = this.deps.repo(r)
        if (!(await repo.lockOpen(uploadRowId))) throw closed()
        await r.blobs.addRef(staged.sha256, staged.sizeBytes, now)
        const previous = await repo.putPart(uploadRowId, part)
        if (previous) {
          await r.blobs.release(new Map([[previous, 1]]), now)
          released = true
        }
      })
      // A blob GC between publish and commit may have removed the bytes of an unreferenced twin: publish again.
      await this.deps.blobs.publish(staged)
      if (released) await this.deps.gc.collect()
      return part
    } catch (e) {
      // Refused after publishing (the upload closed meanwhile): the GC deletes the bytes unless something references them.
      if (published) {
        await this.deps.store.transaction((r) => r.blobs.queueIfUnreferenced(staged.sha256, staged.sizeBytes, this.deps.clock.now()))
        await this.deps.gc.collect()
      }
      throw e
    } finally {
      await this.deps.blobs.discard(staged)
    }
  }

  /** The parts of an upload, by part number. */
  parts(uploadRowId: number): Promise<UploadPart[]> {
    return this.deps.repo(this.deps.store.repos).parts(uploadRowId)
  }

  /** The bytes of the given parts, in the order given (read from the blob store, whichever node stored them). */
  async *bytes(parts: UploadPart[]): AsyncGenerator<Buffer> {
    for (const p of parts) {
      if (p.sizeBytes === 0) continue
      for await (const chunk of await this.deps.blobs.get(p.sha256)) yield chunk as Buffer
    }
  }

  /**
   * Ends an upload whose file exists: `mark` (e.g. completing → done) and the release of every part's reference in one
   * transaction, then the blob GC.
   */
  async finish(uploadRowId: number, mark: (r: Repos) => Promise<unknown>): Promise<void> {
    const now = this.deps.clock.now()
    await this.deps.store.transaction(async (r) => {
      await mark(r)
      await r.blobs.release(await this.deps.repo(r).deleteParts(uploadRowId), now)
    })
    await this.deps.gc.collect()
  }

  /** Forgets uploads (expired or aborted): each row goes first, then its parts, whose references are released; then the GC. */
  async forget(uploadRowIds: number[]): Promise<void> {
    if (!uploadRowIds.length) return
    const now = this.deps.clock.now()
    await this.deps.store.transaction(async (r) => {
      const repo = this.deps.repo(r)
      const refs = new Map<string, number>()
      for (const id of uploadRowIds) {
        await repo.deleteUpload(id)
        for (const [sha, n] of await repo.deleteParts(id)) refs.set(sha, (refs.get(sha) ?? 0) + n)
      }
      if (refs.size) await r.blobs.release(refs, now)
    })
    await this.deps.gc.collect()
  }
}
