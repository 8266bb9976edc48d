import type { Store } from '../db/store.ts'
import type { Clock } from '../shared/clock.ts'
import { DomainError } from '../shared/errors.ts'
import { requireAdmin } from '../access/authorize.ts'
import type { Actor } from '../access/grants.ts'
import type { BlobGarbageCollector } from '../blobs/blob-gc.ts'
import type { SpacesService } from './spaces.service.ts'

/**
 * Deleting a whole space of a multi-space library. Refused while the space holds anything (files, folders or bin
 * entries) unless forced; forced, everything goes in one transaction of set-based statements (O(nodes)), blob
 * references are released for exactly the rows deleted, and the bytes follow through the blob GC.
 */
export class SpaceDeletionService {
  constructor(private readonly deps: { store: Store; clock: Clock; spaces: SpacesService; gc: BlobGarbageCollector }) {}

  async deleteSpace(actor: Actor, spaceId: string, opts: { force?: boolean } = {}): Promise<void> {
    requireAdmin(actor)
    const space = await this.deps.spaces.load(actor, spaceId)
    const lib = await this.deps.store.repos.libraries.find(space.libraryId)
    if (!lib?.multiSpace) throw new DomainError('validation.failed', `Library ${space.libraryId} is single-space; its space cannot be deleted`, { libraryId: space.libraryId })
    const id = Number(space.id)
    const now = this.deps.clock.now()
    await this.deps.store.transaction(async (r) => {
      if (!opts.force && !(await r.spaceDeletion.isEmpty(id))) {
        throw new DomainError('space.not_empty', `Space ${space.id} is not empty; force the deletion to remove its content`, { id: space.id })
      }
      const refs = await r.spaceDeletion.deleteContents(id)
      for (const s of await r.uploadSessions.deleteBySpace(id)) if (s.sha256) refs.set(s.sha256, (refs.get(s.sha256) ?? 0) + 1)
      if (refs.size) await r.blobs.release(refs, now)
      await r.spaces.delete(id)
    })
    await this.deps.gc.collect()
  }
}
