import { sql, type QueryCreator } from 'kysely'
import type { Db } from '../db/database.ts'
import type { DB } from '../db/schema.ts'
import type { DialectKit } from '../db/dialects/kit.ts'
import { insertAuditEvent, type AuditEvent } from '../audit/audit.repository.ts'
import { changeRootState, type RootStateChange } from '../nodes/nodes.repository.ts'
import { adjustSpaceCounters, type SpaceCounterDelta } from '../spaces/spaces.repository.ts'
import { insertRecycleEntry } from './trash.repository.ts'
import type { RecycleEntry } from './recycle-entry.ts'

type AuditWrite = Omit<AuditEvent, 'id' | 'entryId'>

/** A CTE's query creator knows the earlier CTEs as extra tables; the shared query factories only need the schema's. */
const tables = (qc: unknown) => qc as QueryCreator<DB>

/**
 * The writes that complete a trash or a restore, applied together. On PostgreSQL every statement is a network round
 * trip, and these were half of a trash's: there they go as one statement (writable CTEs), on SQLite one by one (a
 * function call each). Same rows either way; the caller's transaction makes them atomic.
 */
export class BinWritesRepository {
  constructor(
    private readonly db: Db,
    private readonly kit: DialectKit,
  ) {}

  /**
   * Records the entry, takes its root out of the tree, moves the bytes to the bin and audits. Returns the entry's id,
   * or null when the root was no longer live: the caller must then abort its transaction (some rows may be written).
   */
  async trash(w: { entry: Omit<RecycleEntry, 'id'>; root: Omit<RootStateChange, 'entryId'>; space: SpaceCounterDelta; audit: AuditWrite }): Promise<number | null> {
    if (!this.kit.capabilities.writableCtes) {
      const entryId = Number((await insertRecycleEntry(this.db, w.entry).executeTakeFirstOrThrow()).id)
      const moved = await changeRootState(this.db, { ...w.root, entryId }).execute()
      if (!moved.some((r) => Number(r.id) === w.root.id)) return null
      await adjustSpaceCounters(this.db, w.entry.spaceId, w.space).execute()
      await insertAuditEvent(this.db, { ...w.audit, entryId }).execute()
      return entryId
    }
    const entryId = sql<number>`(select id from entry)`
    const row = await this.db
      .with('entry', (qc) => insertRecycleEntry(tables(qc), w.entry))
      .with('moved', (qc) => changeRootState(tables(qc), { ...w.root, entryId }))
      .with('counters', (qc) => adjustSpaceCounters(tables(qc), w.entry.spaceId, w.space).returning('id'))
      .with('audit', (qc) => insertAuditEvent(tables(qc), { ...w.audit, entryId }).returning('id'))
      .selectFrom('entry')
      .select((eb) => ['entry.id', eb.exists(eb.selectFrom('moved').select('moved.id').where('moved.id', '=', w.root.id)).as('moved')])
      .executeTakeFirstOrThrow()
    return row.moved ? Number(row.id) : null
  }

  /** Puts a root back into the tree, moves its bytes out of the bin and audits. False when the root was not trashed. */
  async restore(w: { root: RootStateChange; spaceId: number; space: SpaceCounterDelta; audit: AuditWrite & { entryId: number } }): Promise<boolean> {
    if (!this.kit.capabilities.writableCtes) {
      const moved = await changeRootState(this.db, w.root).execute()
      if (!moved.some((r) => Number(r.id) === w.root.id)) return false
      await adjustSpaceCounters(this.db, w.spaceId, w.space).execute()
      await insertAuditEvent(this.db, w.audit).execute()
      return true
    }
    const row = await this.db
      .with('moved', (qc) => changeRootState(tables(qc), w.root))
      .with('counters', (qc) => adjustSpaceCounters(tables(qc), w.spaceId, w.space).returning('id'))
      .with('audit', (qc) => insertAuditEvent(tables(qc), w.audit).returning('id'))
      .selectNoFrom((eb) => eb.exists(eb.selectFrom('moved').select('moved.id').where('moved.id', '=', w.root.id)).as('moved'))
      .executeTakeFirstOrThrow()
    return !!row.moved
  }
}
