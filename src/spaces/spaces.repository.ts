import type { Db } from '../db/database.ts'
import type { DialectKit } from '../db/dialects/kit.ts'
import type { DB, SpacesTable } from '../db/schema.ts'
import type { QueryCreator, Selectable } from 'kysely'
import { SPACE_COLUMNS } from '../db/columns.ts'

export interface Space {
  id: string
  libraryId: string
  name: string
  ownerId: string | null
  rootNodeId: number
  quotaBytes: number | null
  retentionDays: number
  recycleBinEnabled: boolean
  hold: boolean
  liveBytes: number
  trashBytes: number
  trashEntries: number
  createdAt: number
}

export interface NewSpace {
  libraryId: string
  name: string
  ownerId: string | null
  quotaBytes: number | null
  retentionDays: number
  recycleBinEnabled: boolean
  createdAt: number
}

export interface SpaceSettingsPatch {
  quotaBytes?: number | null
  retentionDays?: number
  recycleBinEnabled?: boolean
  hold?: boolean
  name?: string
}

function toSpace(r: Selectable<SpacesTable>): Space {
  return {
    id: String(r.id),
    libraryId: r.library_id,
    name: r.name,
    ownerId: r.owner_id,
    rootNodeId: Number(r.root_node_id),
    quotaBytes: r.quota_bytes === null ? null : Number(r.quota_bytes),
    retentionDays: r.retention_days,
    recycleBinEnabled: r.recycle_enabled === 1,
    hold: r.hold === 1,
    liveBytes: Number(r.live_bytes),
    trashBytes: Number(r.trash_bytes),
    trashEntries: Number(r.trash_entries),
    createdAt: r.created_at,
  }
}

export interface SpaceCounterDelta {
  liveBytes?: number
  trashBytes?: number
  trashEntries?: number
}

/** The update of a space's counters, to run alone or inside a larger statement. */
export function adjustSpaceCounters(qc: QueryCreator<DB>, spaceId: number, delta: SpaceCounterDelta) {
  return qc
    .updateTable('spaces')
    .set((eb) => ({
      live_bytes: eb('live_bytes', '+', delta.liveBytes ?? 0),
      trash_bytes: eb('trash_bytes', '+', delta.trashBytes ?? 0),
      trash_entries: eb('trash_entries', '+', delta.trashEntries ?? 0),
    }))
    .where('id', '=', spaceId)
}

export class SpacesRepository {
  constructor(
    private readonly db: Db,
    private readonly kit: DialectKit,
  ) {}

  /**
   * Where several processes write (PostgreSQL), every transaction that changes a space's counters or folder
   * aggregates locks the space rows first, in id order. One lock order for all writers means no deadlocks between
   * nodes rows and the space row; SQLite has a single writer and needs nothing.
   */
  async lockForWrite(spaceIds: number[]): Promise<void> {
    if (!this.kit.capabilities.concurrentWriters || !spaceIds.length) return
    await this.db.selectFrom('spaces').select('id').where('id', 'in', [...new Set(spaceIds)].sort((a, b) => a - b)).orderBy('id').forUpdate().execute()
  }

  /**
   * The space's row for a write transaction: locked on an engine with concurrent writers (SQLite's transaction already
   * holds the one write lock). One round trip where lockForWrite + find took two.
   */
  async findForWrite(spaceId: number): Promise<Space | undefined> {
    let q = this.db.selectFrom('spaces').select(SPACE_COLUMNS).where('id', '=', spaceId)
    if (this.kit.capabilities.concurrentWriters) q = q.forUpdate()
    const row = await q.executeTakeFirst()
    return row && toSpace(row)
  }

  async insert(s: NewSpace): Promise<number> {
    const row = await this.db
      .insertInto('spaces')
      .values({
        library_id: s.libraryId,
        name: s.name,
        owner_id: s.ownerId,
        root_node_id: null,
        quota_bytes: s.quotaBytes,
        retention_days: s.retentionDays,
        recycle_enabled: s.recycleBinEnabled ? 1 : 0,
        hold: 0,
        live_bytes: 0,
        trash_bytes: 0,
        trash_entries: 0,
        created_at: s.createdAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    return Number(row.id)
  }

  async setRoot(spaceId: number, rootNodeId: number): Promise<void> {
    await this.db.updateTable('spaces').set({ root_node_id: rootNodeId }).where('id', '=', spaceId).execute()
  }

  async find(spaceId: number): Promise<Space | undefined> {
    const row = await this.db.selectFrom('spaces').select(SPACE_COLUMNS).where('id', '=', spaceId).executeTakeFirst()
    return row && toSpace(row)
  }

  async listByLibrary(libraryId: string): Promise<Space[]> {
    const rows = await this.db.selectFrom('spaces').selectAll().where('library_id', '=', libraryId).orderBy('id').execute()
    return rows.map(toSpace)
  }

  async update(spaceId: number, patch: SpaceSettingsPatch): Promise<void> {
    const set: Partial<Record<keyof SpacesTable, unknown>> = {}
    if (patch.quotaBytes !== undefined) set.quota_bytes = patch.quotaBytes
    if (patch.retentionDays !== undefined) set.retention_days = patch.retentionDays
    if (patch.recycleBinEnabled !== undefined) set.recycle_enabled = patch.recycleBinEnabled ? 1 : 0
    if (patch.hold !== undefined) set.hold = patch.hold ? 1 : 0
    if (patch.name !== undefined) set.name = patch.name
    if (Object.keys(set).length) await this.db.updateTable('spaces').set(set as never).where('id', '=', spaceId).execute()
  }

  /**
   * Charges live bytes only if the quota allows it; the guard in the UPDATE is what makes two concurrent
   * uploads unable to overshoot together. Returns false when over quota.
   */
  async chargeLive(spaceId: number, bytes: number): Promise<boolean> {
    const res = await this.db
      .updateTable('spaces')
      .set((eb) => ({ live_bytes: eb('live_bytes', '+', bytes) }))
      .where('id', '=', spaceId)
      .where((eb) => eb.or([eb('quota_bytes', 'is', null), eb(eb('live_bytes', '+', eb('trash_bytes', '+', bytes)), '<=', eb.ref('quota_bytes'))]))
      .executeTakeFirst()
    return Number(res.numUpdatedRows) === 1
  }

  /** Moves counters between live and in-bin (trash: live→bin, restore: bin→live) and adjusts the bin's entry count. */
  async adjust(spaceId: number, delta: SpaceCounterDelta): Promise<void> {
    await adjustSpaceCounters(this.db, spaceId, delta).execute()
  }

  async delete(spaceId: number): Promise<void> {
    await this.db.deleteFrom('spaces').where('id', '=', spaceId).execute()
  }
}
