import { sql, type RawBuilder } from 'kysely'
import type { Database, Db } from '../db/database.ts'
import { Repos } from '../db/store.ts'
import { visible } from '../nodes/nodes.repository.ts'
import { BLOB_REFERENCE_SOURCES, referenceSelect } from '../blobs/blob-references.ts'

/**
 * Every row that holds one blob reference: file nodes, parts of multipart uploads and of part uploads, and upload
 * sessions whose bytes have arrived. A blob's ref_count must equal its rows here; counting nodes alone would free the
 * bytes of uploads in flight.
 */
const REFERENCES = sql.raw(`(${BLOB_REFERENCE_SOURCES.map(referenceSelect).join(' union all ')})`)

const num = (v: unknown): number => Number(v ?? 0)
const nullableNum = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))

export interface SpaceCounters {
  spaceId: number
  libraryId: string
  liveBytes: number
  trashBytes: number
  trashEntries: number
  realLiveBytes: number
  realTrashBytes: number
  realTrashEntries: number
}

export interface FolderDrift {
  id: number
  spaceId: number
  sizeBytes: number
  itemCount: number
  realBytes: number
  realItems: number
}

/**
 * The read-mostly SQL of `trove fsck`: each method states one invariant as a query returning its violations, plus the
 * few guarded writes repair needs. Plain portable SQL only (no engine-specific syntax), so it runs on SQLite and
 * PostgreSQL alike; PostgreSQL returns sums and counts as strings, hence the Number() on every aggregate.
 */
export class FsckRepository {
  constructor(private readonly db: Db) {}

  /** Runs `fn` in one transaction with this repository and the ordinary repositories bound to it. */
  static transaction<T>(database: Database, fn: (f: FsckRepository, r: Repos) => Promise<T>): Promise<T> {
    return database.db.transaction().execute((trx) => fn(new FsckRepository(trx), new Repos(trx, database)))
  }

  private async rows<R>(query: RawBuilder<R>): Promise<R[]> {
    return (await query.execute(this.db)).rows
  }

  async stats(): Promise<{ blobRows: number; nodes: number; spaces: number; entries: number; unfinishedTasks: number }> {
    const [r] = await this.rows(sql<Record<string, unknown>>`select
      (select count(*) from blobs) as blob_rows, (select count(*) from nodes) as nodes, (select count(*) from spaces) as spaces,
      (select count(*) from recycle_entries) as entries, (select count(*) from tasks where state = 'Running') as tasks`)
    return { blobRows: num(r.blob_rows), nodes: num(r.nodes), spaces: num(r.spaces), entries: num(r.entries), unfinishedTasks: num(r.tasks) }
  }

  // ---- blobs -------------------------------------------------------------------------------------------------------

  /** One keyset page of blob rows that something references (ref_count > 0): their bytes must exist. */
  async referencedBlobs(afterSha: string, limit: number): Promise<{ sha256: string; sizeBytes: number }[]> {
    const rows = await this.rows(sql<{ sha256: string; size_bytes: unknown }>`
      select sha256, size_bytes from blobs where ref_count > 0 and sha256 > ${afterSha} order by sha256 limit ${limit}`)
    return rows.map((r) => ({ sha256: r.sha256, sizeBytes: num(r.size_bytes) }))
  }

  /** Of the given keys, those with a blob row or a referencing row (so they are not orphans). */
  async knownKeys(shas: string[]): Promise<Set<string>> {
    if (!shas.length) return new Set()
    const list = sql.join(shas)
    const rows = await this.rows(sql<{ sha: string }>`
      select sha256 as sha from blobs where sha256 in (${list})
      union select r.sha from ${REFERENCES} r where r.sha in (${list})`)
    return new Set(rows.map((r) => r.sha))
  }

  /** Blob rows whose ref_count differs from the rows referencing them (negative counts included). */
  async refCountDrift(): Promise<{ sha256: string; refCount: number; references: number }[]> {
    const rows = await this.rows(sql<{ sha256: string; ref_count: unknown; refs: unknown }>`
      select b.sha256, b.ref_count, coalesce(r.n, 0) as refs
      from blobs b left join (select sha, count(*) as n from ${REFERENCES} x group by sha) r on r.sha = b.sha256
      where b.ref_count <> coalesce(r.n, 0) order by b.sha256`)
    return rows.map((r) => ({ sha256: r.sha256, refCount: num(r.ref_count), references: num(r.refs) }))
  }

  /** Referenced content without a blob row: nothing accounts for its bytes. */
  async danglingReferences(): Promise<{ sha256: string; references: number }[]> {
    const rows = await this.rows(sql<{ sha: string; n: unknown }>`
      select r.sha, count(*) as n from ${REFERENCES} r
      where not exists (select 1 from blobs b where b.sha256 = r.sha) group by r.sha order by r.sha`)
    return rows.map((r) => ({ sha256: r.sha, references: num(r.n) }))
  }

  /** Unreferenced blob rows the GC will never see: their bytes would stay forever. */
  async unqueuedUnreferenced(): Promise<string[]> {
    const rows = await this.rows(sql<{ sha256: string }>`
      select b.sha256 from blobs b where b.ref_count = 0 and not exists (select 1 from blob_gc g where g.sha256 = b.sha256)
      order by b.sha256`)
    return rows.map((r) => r.sha256)
  }

  /** A few nodes naming a blob, so a report can say which files a damaged blob affects. */
  async nodesNaming(sha: string, limit = 10): Promise<number[]> {
    const rows = await this.rows(sql<{ id: unknown }>`select id from nodes where blob_sha256 = ${sha} order by id limit ${limit}`)
    return rows.map((r) => num(r.id))
  }

  // ---- spaces and folders ------------------------------------------------------------------------------------------

  /** Every space's counters beside the ground truth (visible file bytes; bin entries in any state; trashed entries). */
  async spaceCounters(spaceId?: number): Promise<SpaceCounters[]> {
    const only = spaceId === undefined ? sql`` : sql`where s.id = ${spaceId}`
    const rows = await this.rows(sql<Record<string, unknown>>`
      select s.id, s.library_id, s.live_bytes, s.trash_bytes, s.trash_entries,
        (select coalesce(sum(n.size_bytes), 0) from nodes n where n.space_id = s.id and n.kind = 'file' and ${visible('n')}) as real_live,
        (select coalesce(sum(e.size_bytes), 0) from recycle_entries e where e.space_id = s.id) as real_trash,
        (select count(*) from recycle_entries e where e.space_id = s.id and e.state = 'trashed') as real_entries
      from spaces s ${only} order by s.id`)
    return rows.map((r) => ({
      spaceId: num(r.id),
      libraryId: String(r.library_id),
      liveBytes: num(r.live_bytes),
      trashBytes: num(r.trash_bytes),
      trashEntries: num(r.trash_entries),
      realLiveBytes: num(r.real_live),
      realTrashBytes: num(r.real_trash),
      realTrashEntries: num(r.real_entries),
    }))
  }

  /**
   * Visible folders whose maintained size/count differ from the visible content below them. One grouped pass over the
   * closure table (O(nodes × depth)) instead of a sub-select per folder.
   */
  async folderDrift(): Promise<FolderDrift[]> {
    const rows = await this.rows(sql<Record<string, unknown>>`
      select f.id, f.space_id, f.size_bytes, f.item_count, coalesce(a.bytes, 0) as real_bytes, coalesce(a.items, 0) as real_items
      from nodes f left join (
        select c.ancestor_id as id, sum(case when n.kind = 'file' then n.size_bytes else 0 end) as bytes, count(*) as items
        from node_ancestors c join nodes n on n.id = c.node_id
        where c.depth > 0 and ${visible('n')} group by c.ancestor_id) a on a.id = f.id
      where f.kind = 'folder' and ${visible('f')}
        and (f.size_bytes <> coalesce(a.bytes, 0) or f.item_count <> coalesce(a.items, 0))
      order by f.id`)
    return rows.map((r) => ({
      id: num(r.id),
      spaceId: num(r.space_id),
      sizeBytes: num(r.size_bytes),
      itemCount: num(r.item_count),
      realBytes: num(r.real_bytes),
      realItems: num(r.real_items),
    }))
  }

  // ---- tree and bin ------------------------------------------------------------------------------------------------

  /** Entries whose root node is missing, not `trashed`, or points at another entry. */
  async entryRootProblems(): Promise<{ entryId: number; spaceId: number; rootNodeId: number; rootState: string | null; rootEntryId: number | null }[]> {
    const rows = await this.rows(sql<Record<string, unknown>>`
      select e.id, e.space_id, e.root_node_id, n.state, n.recycle_entry_id
      from recycle_entries e left join nodes n on n.id = e.root_node_id
      where n.id is null or n.state <> 'trashed' or n.recycle_entry_id is null or n.recycle_entry_id <> e.id
      order by e.id`)
    return rows.map((r) => ({
      entryId: num(r.id),
      spaceId: num(r.space_id),
      rootNodeId: num(r.root_node_id),
      rootState: r.state === null || r.state === undefined ? null : String(r.state),
      rootEntryId: nullableNum(r.recycle_entry_id),
    }))
  }

  /**
   * Live nodes cut off from their space: the parent row is gone (a child of a purged parent), or no parent and not the
   * space's root. (A trashed entry root may outlive its parent: restore recreates the path.)
   */
  async orphanedLiveNodes(): Promise<{ id: number; spaceId: number; parentId: number | null }[]> {
    const rows = await this.rows(sql<Record<string, unknown>>`
      select n.id, n.space_id, n.parent_id from nodes n
      where n.state = 'live' and (
        (n.parent_id is not null and not exists (select 1 from nodes p where p.id = n.parent_id))
        or (n.parent_id is null and not exists (select 1 from spaces s where s.root_node_id = n.id)))
      order by n.id`)
    return rows.map((r) => ({ id: num(r.id), spaceId: num(r.space_id), parentId: nullableNum(r.parent_id) }))
  }

  /** Nodes without their depth-0 row, without a depth-1 row to their parent, or with a depth-1 row elsewhere. */
  async closureProblems(): Promise<{ id: number; spaceId: number; reason: 'no_self_row' | 'no_parent_row' | 'wrong_parent_row' }[]> {
    const rows = await this.rows(sql<Record<string, unknown>>`
      select n.id, n.space_id, 'no_self_row' as reason from nodes n
        where not exists (select 1 from node_ancestors c where c.node_id = n.id and c.ancestor_id = n.id and c.depth = 0)
      union all
      select n.id, n.space_id, 'no_parent_row' as reason from nodes n
        where n.parent_id is not null
          and not exists (select 1 from node_ancestors c where c.node_id = n.id and c.ancestor_id = n.parent_id and c.depth = 1)
      union all
      select n.id, n.space_id, 'wrong_parent_row' as reason from nodes n
        where exists (select 1 from node_ancestors c where c.node_id = n.id and c.depth = 1
          and (n.parent_id is null or c.ancestor_id <> n.parent_id))
      order by 1, 3`)
    return rows.map((r) => ({ id: num(r.id), spaceId: num(r.space_id), reason: String(r.reason) as 'no_self_row' }))
  }

  /** Entries in `purging` that no unfinished task will ever free. */
  async stuckPurges(spaceId?: number): Promise<{ entryId: number; spaceId: number; libraryId: string; purgeTaskId: number | null }[]> {
    const only = spaceId === undefined ? sql`` : sql`and e.space_id = ${spaceId}`
    const rows = await this.rows(sql<Record<string, unknown>>`
      select e.id, e.space_id, s.library_id, e.purge_task_id from recycle_entries e join spaces s on s.id = e.space_id
      where e.state = 'purging' ${only}
        and not exists (select 1 from tasks t where t.id = e.purge_task_id and t.state = 'Running')
      order by e.id`)
    return rows.map((r) => ({ entryId: num(r.id), spaceId: num(r.space_id), libraryId: String(r.library_id), purgeTaskId: nullableNum(r.purge_task_id) }))
  }

  /** Unfinished tasks of a kind no handler is registered for: no worker will ever finish them. */
  async unresumableTasks(kinds: string[]): Promise<{ id: number; kind: string; spaceId: number | null }[]> {
    const known = kinds.length ? sql`and kind not in (${sql.join(kinds)})` : sql``
    const rows = await this.rows(sql<Record<string, unknown>>`
      select id, kind, space_id from tasks where state = 'Running' ${known} order by id`)
    return rows.map((r) => ({ id: num(r.id), kind: String(r.kind), spaceId: nullableNum(r.space_id) }))
  }

  // ---- repair (each call inside FsckRepository.transaction) ----------------------------------------------------------
  // A no-op UPDATE takes the row's write lock on either engine. Every writer changes these counters by relative deltas
  // in the same transaction as the rows they describe, so truth read after the lock, plus deltas applied after our
  // commit, stays exact even with the server running.

  async lockBlob(sha: string): Promise<number | null> {
    await sql`update blobs set ref_count = ref_count where sha256 = ${sha}`.execute(this.db)
    const [r] = await this.rows(sql<{ ref_count: unknown }>`select ref_count from blobs where sha256 = ${sha}`)
    return r ? num(r.ref_count) : null
  }

  async referenceCount(sha: string): Promise<number> {
    const [r] = await this.rows(sql<{ n: unknown }>`select count(*) as n from ${REFERENCES} x where x.sha = ${sha}`)
    return num(r?.n)
  }

  async setRefCount(sha: string, n: number): Promise<void> {
    await sql`update blobs set ref_count = ${n} where sha256 = ${sha}`.execute(this.db)
  }

  /** Queues a blob for the GC if it is (still) unreferenced. */
  async queueIfUnreferenced(sha: string, now: number): Promise<boolean> {
    const res = await sql`insert into blob_gc (sha256, queued_at)
      select b.sha256, ${sql.lit(now)} from blobs b where b.sha256 = ${sha} and b.ref_count <= 0
        and not exists (select 1 from blob_gc g where g.sha256 = b.sha256)`.execute(this.db)
    return Number(res.numAffectedRows ?? 0) > 0
  }

  async isReferenced(sha: string): Promise<boolean> {
    return (await this.referenceCount(sha)) > 0
  }

  async lockSpace(spaceId: number): Promise<void> {
    await sql`update spaces set live_bytes = live_bytes where id = ${spaceId}`.execute(this.db)
  }

  async setSpaceCounters(spaceId: number, c: { liveBytes: number; trashBytes: number; trashEntries: number }): Promise<void> {
    await sql`update spaces set live_bytes = ${c.liveBytes}, trash_bytes = ${c.trashBytes}, trash_entries = ${c.trashEntries}
      where id = ${spaceId}`.execute(this.db)
  }

  async lockNode(id: number): Promise<void> {
    await sql`update nodes set size_bytes = size_bytes where id = ${id}`.execute(this.db)
  }

  /** The visible content below one folder, or null when it is no longer a visible folder (its aggregates then stay). */
  async folderTruth(id: number): Promise<{ sizeBytes: number; itemCount: number } | null> {
    const [f] = await this.rows(sql<{ id: unknown }>`select f.id from nodes f where f.id = ${id} and f.kind = 'folder' and ${visible('f')}`)
    if (!f) return null
    const [r] = await this.rows(sql<{ bytes: unknown; items: unknown }>`
      select coalesce(sum(case when n.kind = 'file' then n.size_bytes else 0 end), 0) as bytes, count(*) as items
      from node_ancestors c join nodes n on n.id = c.node_id
      where c.ancestor_id = ${id} and c.depth > 0 and ${visible('n')}`)
    return { sizeBytes: num(r?.bytes), itemCount: num(r?.items) }
  }

  async setFolderAggregate(id: number, sizeBytes: number, itemCount: number): Promise<void> {
    await sql`update nodes set size_bytes = ${sizeBytes}, item_count = ${itemCount} where id = ${id} and kind = 'folder'`.execute(this.db)
  }

  /** Points stuck `purging` entries at a new purge task (guarded on the state, so an entry restored meanwhile is left alone). */
  async repointPurging(entryIds: number[], taskId: number): Promise<number> {
    if (!entryIds.length) return 0
    const res = await sql`update recycle_entries set purge_task_id = ${taskId}
      where id in (${sql.join(entryIds)}) and state = 'purging'`.execute(this.db)
    return Number(res.numAffectedRows ?? 0)
  }
}
