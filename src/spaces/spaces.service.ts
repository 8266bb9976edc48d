import type { Store, Repos } from '../db/store.ts'
import type { Clock } from '../shared/clock.ts'
import { DomainError, invalid } from '../shared/errors.ts'
import { parseDecimalId } from '../shared/ids.ts'
import { authorize, canAccessSpace, requireAdmin } from '../access/authorize.ts'
import type { Actor } from '../access/grants.ts'
import type { Space, SpaceSettingsPatch } from './spaces.repository.ts'
import { DAY_MS } from '../shared/clock.ts'

type Permission = Parameters<typeof authorize>[2]

export const DEFAULT_RETENTION_DAYS = 30
export const MAX_RETENTION_DAYS = 3650

export interface Usage {
  quotaBytes: number | null
  usedBytes: number
  liveBytes: number
  trashBytes: number
  trashEntries: number
  availableBytes: number | null
}

export interface CreateSpaceOptions {
  name?: string
  ownerId?: string | null
  quotaBytes?: number | null
  retentionDays?: number
  recycleBinEnabled?: boolean
}

/** Spaces (drives): creation with their root folder, settings, usage. */
export class SpacesService {
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  /** Loads a space the actor may use for `permission`; a space of another library is reported as missing. */
  async load(actor: Actor, spaceId: string | number, permission: Permission = 'read', repos: Repos = this.deps.store.repos): Promise<Space> {
    return this.authorized(actor, spaceId, permission, (id) => repos.spaces.find(id))
  }

  /** load inside a write transaction: the row comes locked and fresh (counters included) in the same round trip. */
  async loadForWrite(r: Repos, actor: Actor, spaceId: string | number, permission: Permission = 'read'): Promise<Space> {
    return this.authorized(actor, spaceId, permission, (id) => r.spaces.findForWrite(id))
  }

  private async authorized(actor: Actor, spaceId: string | number, permission: Permission, find: (id: number) => Promise<Space | undefined>): Promise<Space> {
    const id = parseDecimalId(spaceId)
    const space = id === null ? undefined : await find(id)
    if (!space) throw new DomainError('space.not_found', `Space ${spaceId} does not exist`, { id: String(spaceId) })
    authorize(actor, space, permission)
    return space
  }

  async create(actor: Actor, opts: CreateSpaceOptions = {}): Promise<Space> {
    requireAdmin(actor)
    return this.createInLibrary(actor.libraryId, opts)
  }

  /** For the CLI and first run: no actor, the caller already stands for the library's admin. */
  async createInLibrary(libraryId: string, opts: CreateSpaceOptions = {}): Promise<Space> {
    validateSettings(opts)
    const now = this.deps.clock.now()
    const id = await this.deps.store.transaction(async (r) => {
      const lib = await r.libraries.find(libraryId)
      if (!lib) throw new DomainError('library.not_found', `Library ${libraryId} does not exist`, { id: libraryId })
      if (!lib.multiSpace && (await r.spaces.listByLibrary(libraryId)).length > 0) {
        throw new DomainError('validation.failed', `Library ${libraryId} is single-space and already has its space`, { libraryId })
      }
      const spaceId = await r.spaces.insert({
        libraryId,
        name: opts.name ?? '',
        ownerId: opts.ownerId ?? null,
        quotaBytes: opts.quotaBytes ?? null,
        retentionDays: opts.retentionDays ?? DEFAULT_RETENTION_DAYS,
        recycleBinEnabled: opts.recycleBinEnabled ?? true,
        createdAt: now,
      })
      const rootId = await r.nodes.insert({ spaceId, parentId: null, name: '', kind: 'folder', sizeBytes: 0, contentType: null, blobSha256: null, createdBy: null, now })
      await r.spaces.setRoot(spaceId, rootId)
      return spaceId
    })
    return (await this.deps.store.repos.spaces.find(id))!
  }

  async get(actor: Actor, spaceId: string): Promise<Space> {
    return this.load(actor, spaceId)
  }

  async list(actor: Actor): Promise<Space[]> {
    const all = await this.deps.store.repos.spaces.listByLibrary(actor.libraryId)
    return all.filter((s) => canAccessSpace(actor, s))
  }

  /**
   * Changes settings. Retention: a longer period reaches entries already in the bin; a shorter one only new entries,
   * so nobody loses an item earlier than they were promised when it was deleted.
   */
  async updateSettings(actor: Actor, spaceId: string, patch: SpaceSettingsPatch): Promise<Space> {
    await this.load(actor, spaceId, 'space_admin')
    validateSettings(patch)
    const id = Number(spaceId)
    await this.deps.store.transaction(async (r) => {
      const before = (await r.spaces.find(id))!
      await r.spaces.update(id, patch)
      if (patch.retentionDays !== undefined && patch.retentionDays > before.retentionDays) {
        await r.trash.extendExpiry(id, patch.retentionDays * DAY_MS)
      }
    })
    return (await this.deps.store.repos.spaces.find(id))!
  }

  async usage(actor: Actor, spaceId: string): Promise<Usage> {
    return usageOf(await this.load(actor, spaceId))
  }
}

export function usageOf(s: Space): Usage {
  const used = s.liveBytes + s.trashBytes
  return {
    quotaBytes: s.quotaBytes,
    usedBytes: used,
    liveBytes: s.liveBytes,
    trashBytes: s.trashBytes,
    trashEntries: s.trashEntries,
    availableBytes: s.quotaBytes === null ? null : Math.max(0, s.quotaBytes - used),
  }
}

function validateSettings(p: { quotaBytes?: number | null; retentionDays?: number }): void {
  if (p.quotaBytes !== undefined && p.quotaBytes !== null && (!Number.isSafeInteger(p.quotaBytes) || p.quotaBytes < 0)) {
    throw invalid('quotaBytes must be a non-negative integer or null', { quotaBytes: p.quotaBytes })
  }
  if (p.retentionDays !== undefined && (!Number.isInteger(p.retentionDays) || p.retentionDays < 1 || p.retentionDays > MAX_RETENTION_DAYS)) {
    throw invalid(`retentionDays must be an integer from 1 to ${MAX_RETENTION_DAYS}`, { retentionDays: p.retentionDays })
  }
}
