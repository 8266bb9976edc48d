import type { Store } from '../db/store.ts'
import { invalid } from '../shared/errors.ts'
import type { Actor } from '../access/grants.ts'
import type { SpacesService } from '../spaces/spaces.service.ts'
import type { AuditEvent } from './audit.repository.ts'

/** Reading the audit log of a space: who trashed, restored, deleted, emptied, and what retention purged. */
export class AuditService {
  constructor(private readonly deps: { store: Store; spaces: SpacesService }) {}

  async list(actor: Actor, spaceId: string, opts: { limit?: number; beforeId?: number; action?: string } = {}): Promise<AuditEvent[]> {
    const space = await this.deps.spaces.load(actor, spaceId, 'space_admin')
    const limit = opts.limit ?? 100
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid('limit must be an integer from 1 to 1000')
    return this.deps.store.repos.audit.list(space.libraryId, { spaceId: Number(space.id), limit, beforeId: opts.beforeId, action: opts.action })
  }
}
