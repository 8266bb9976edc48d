import { sql, type QueryCreator, type Selectable, type SqlBool } from 'kysely'
import type { Db } from '../db/database.ts'
import type { DB, RecycleEntriesTable } from '../db/schema.ts'
import type { BinSortKey, RecycleEntry, TrashFilter } from './recycle-entry.ts'
import type { SortOrder } from '../nodes/node.ts'
import { RECYCLE_ENTRY_COLUMNS } from '../db/columns.ts'

export const TRASH_SORT_COLUMNS = {
  name: 'name',
  modified: 'modified_at',
  size: 'size_bytes',
  removed: 'removed_at',
  // Whole days left is a monotonic function of the expiry instant, so sorting by it is sorting by expiry.
  remaining: 'expires_at',
  // Original location and remover, for the web UI's bin table (indexes in migration 006).
  path: 'original_path',
  removedBy: 'removed_by',
} as const

/**
 * "In the bin": the predicate of the bin's partial sort indexes (migration 009), the state written as a literal so that it matches
 * the index predicate when the statement is prepared (SQLite matches a bound parameter only by re-preparing with its
 * value, which needs a STAT4 build; PostgreSQL only in a custom plan).
 */
const inBin = (state = 'state') => sql<SqlBool>`${sql.ref(state)} = 'trashed'`

function toEntry(r: Selectable<RecycleEntriesTable>): RecycleEntry {
  return {
    id: Number(r.id),
    spaceId: Number(r.space_id),
    rootNodeId: Number(r.root_node_id),
    name: r.name,
    kind: r.kind,
    sizeBytes: Number(r.size_bytes),
    itemCount: Number(r.item_count),
    originalParentId: Number(r.original_parent_id),
    originalPath: r.original_path,
    modifiedAt: Number(r.modified_at),
    removedAt: Number(r.removed_at),
    removedBy: r.removed_by,
    expiresAt: Number(r.expires_at),
    state: r.state,
    held: r.held === 1,
    purgeTaskId: r.purge_task_id === null ? null : Number(r.purge_task_id),
  }
}

/** The insert of one entry returning its id, to run alone or inside a larger statement. */
export function insertRecycleEntry(qc: QueryCreator<DB>, e: Omit<RecycleEntry, 'id'>) {
  return qc
    .insertInto('recycle_entries')
    .values({
      space_id: e.spaceId,
      root_node_id: e.rootNodeId,
      name: e.name,
      kind: e.kind,
      size_bytes: e.sizeBytes,
      item_count: e.itemCount,
      original_parent_id: e.originalParentId,
      original_path: e.originalPath,
      modified_at: e.modifiedAt,
      removed_at: e.removedAt,
      removed_by: e.removedBy,
      expires_at: e.expiresAt,
      state: e.state,
      held: e.held ? 1 : 0,
      purge_task_id: e.purgeTaskId,
    })
    .returning('id')
}

export interface TrashPageQuery {
  sort: BinSortKey
  order: SortOrder
  limit: number
  filter: TrashFilter
  after?: { key: string | number; id: number }
  offset?: number
}

export class TrashRepository {
  constructor(private readonly db: Db) {}

  async find(spaceId: number, id: number): Promise<RecycleEntry | undefined> {
    const row = await this.db.selectFrom('recycle_entries').select(RECYCLE_ENTRY_COLUMNS).where('id', '=', id).where('space_id', '=', spaceId).executeTakeFirst()
    return row && toEntry(row)
  }

  async findById(id: number): Promise<RecycleEntry | undefined> {
    const row = await this.db.selectFrom('recycle_entries').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toEntry(row)
  }

  /** The restore side of the race with purge: only a `trashed` entry can be taken. Returns the entry taken, if any. */
  async takeForRestore(spaceId: number, id: number): Promise<RecycleEntry | undefined> {
    const row = await this.db.deleteFrom('recycle_entries').where('id', '=', id).where('space_id', '=', spaceId).where('state', '=', 'trashed').returning(RECYCLE_ENTRY_COLUMNS).executeTakeFirst()
    return row && toEntry(row)
  }

  /** The purge side of the race: flips listed `trashed`, unheld entries to `purging` under a task. Returns the ids flipped. */
  async markPurging(spaceId: number, ids: number[], taskId: number): Promise<number[]> {
    if (!ids.length) return []
    const rows = await this.db
      .updateTable('recycle_entries')
      .set({ state: 'purging', purge_task_id: taskId })
      .where('space_id', '=', spaceId)
      .where('id', 'in', ids)
      .where('state', '=', 'trashed')
      .where('held', '=', 0)
      .returning(['id', 'size_bytes'])
      .execute()
    return rows.map((r) => Number(r.id))
  }

  /** Empties a bin: every unheld `trashed` entry of the space goes to `purging` in one statement. */
  async markAllPurging(spaceId: number, taskId: number): Promise<number> {
    const res = await this.db
      .updateTable('recycle_entries')
      .set({ state: 'purging', purge_task_id: taskId })
      .where('space_id', '=', spaceId)
      .where(inBin())
      .where('held', '=', 0)
      .executeTakeFirst()
    return Number(res.numUpdatedRows)
  }

  /** Retention: flips up to `limit` expired, unheld entries of unheld spaces to `purging`. Returns per-space counts. */
  async markExpiredPurging(now: number, taskId: number, limit: number): Promise<Map<number, number>> {
    const ids = await this.db
      .selectFrom('recycle_entries as e')
      .innerJoin('spaces as s', 's.id', 'e.space_id')
      .select(['e.id', 'e.space_id'])
      .where(inBin('e.state'))
      .where('e.held', '=', 0)
      .where('s.hold', '=', 0)
      .where('e.expires_at', '<=', now)
      .orderBy('e.expires_at')
      .limit(limit)
      .execute()
    const bySpace = new Map<number, number>()
    if (!ids.length) return bySpace
    await this.db
      .updateTable('recycle_entries')
      .set({ state: 'purging', purge_task_id: taskId })
      .where('id', 'in', ids.map((r) => Number(r.id)))
      .where('state', '=', 'trashed')
      .execute()
    for (const r of ids) bySpace.set(Number(r.space_id), (bySpace.get(Number(r.space_id)) ?? 0) + 1)
    return bySpace
  }

  /** Cancelling a purge task puts its untouched entries back in the bin. Returns per-space counts. */
  async unmarkPurging(taskId: number): Promise<Map<number, number>> {
    const rows = await this.db
      .updateTable('recycle_entries')
      .set({ state: 'trashed', purge_task_id: null })
      .where('purge_task_id', '=', taskId)
      .where('state', '=', 'purging')
      .where('purge_started', '=', 0)
      .returning(['space_id'])
      .execute()
    const bySpace = new Map<number, number>()
    for (const r of rows) bySpace.set(Number(r.space_id), (bySpace.get(Number(r.space_id)) ?? 0) + 1)
    return bySpace
  }

  async nextPurging(taskId: number, afterId: number, limit: number): Promise<RecycleEntry[]> {
    const rows = await this.db
      .selectFrom('recycle_entries')
      .selectAll()
      .where('purge_task_id', '=', taskId)
      .where('state', '=', 'purging')
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute()
    return rows.map(toEntry)
  }

  /** Final step of a purge: the entry rows go. RETURNING reports only what this call deleted, so quota is released once. */
  async deletePurged(ids: number[]): Promise<RecycleEntry[]> {
    if (!ids.length) return []
    const rows = await this.db.deleteFrom('recycle_entries').where('id', 'in', ids).where('state', '=', 'purging').returningAll().execute()
    return rows.map(toEntry)
  }

  async markPurgeStarted(id: number): Promise<void> {
    await this.db.updateTable('recycle_entries').set({ purge_started: 1 }).where('id', '=', id).execute()
  }

  async setHeld(spaceId: number, id: number, held: boolean): Promise<boolean> {
    const res = await this.db.updateTable('recycle_entries').set({ held: held ? 1 : 0 }).where('id', '=', id).where('space_id', '=', spaceId).executeTakeFirst()
    return Number(res.numUpdatedRows) === 1
  }

  /** Extending retention reaches existing entries (never shortens them). */
  async extendExpiry(spaceId: number, retentionMs: number): Promise<void> {
    await this.db
      .updateTable('recycle_entries')
      .set({ expires_at: sql<number>`removed_at + ${retentionMs}` })
      .where('space_id', '=', spaceId)
      .where(inBin())
      .where(sql<SqlBool>`expires_at < removed_at + ${retentionMs}`)
      .execute()
  }

  private filtered(spaceId: number, f: TrashFilter) {
    let q = this.db.selectFrom('recycle_entries').where('space_id', '=', spaceId).where(inBin())
    if (f.nameContains) {
      const pattern = '%' + f.nameContains.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c) + '%'
      q = q.where(sql<SqlBool>`lower(name) like ${pattern} escape '\\'`)
    }
    if (f.removedFrom !== undefined) q = q.where('removed_at', '>=', f.removedFrom)
    if (f.removedTo !== undefined) q = q.where('removed_at', '<', f.removedTo)
    if (f.removedBy !== undefined) q = q.where('removed_by', '=', f.removedBy)
    if (f.originalParentId !== undefined) q = q.where('original_parent_id', '=', f.originalParentId)
    return q
  }

  /** One page of the bin. Keyset when `after` is given; `offset` only for page-number clients (the skip walks the index). */
  async page(spaceId: number, q: TrashPageQuery): Promise<RecycleEntry[]> {
    const col = TRASH_SORT_COLUMNS[q.sort]
    let base = this.filtered(spaceId, q.filter)
    if (q.after) {
      const op = q.order === 'asc' ? '>' : '<'
      base = base.where(sql<SqlBool>`(${sql.ref(col)}, id) ${sql.raw(op)} (${q.after.key}, ${q.after.id})`)
    }
    if (q.offset) {
      // Page-number mode: the skip walks the sort index for ids alone, then only the page's rows are read. Selecting
      // whole rows while skipping makes PostgreSQL fetch every skipped row from the table (page 5,001: 3.2 s, not 0.1 s).
      const ids = await base.select('id').orderBy(sql.ref(col), q.order).orderBy('id', q.order).limit(q.limit).offset(q.offset).execute()
      const byId = new Map((await this.listIds(spaceId, ids.map((r) => Number(r.id)))).map((e) => [e.id, e]))
      // An entry purged between the two reads is simply not on the page.
      return ids.map((r) => byId.get(Number(r.id))).filter((e): e is RecycleEntry => e !== undefined)
    }
    return (await base.selectAll().orderBy(sql.ref(col), q.order).orderBy('id', q.order).limit(q.limit).execute()).map(toEntry)
  }

  async count(spaceId: number, f: TrashFilter): Promise<number> {
    const row = await this.filtered(spaceId, f).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    return Number(row.n)
  }

  async listIds(spaceId: number, ids: number[]): Promise<RecycleEntry[]> {
    if (!ids.length) return []
    const rows = await this.db.selectFrom('recycle_entries').selectAll().where('space_id', '=', spaceId).where('id', 'in', ids).execute()
    return rows.map(toEntry)
  }
}
