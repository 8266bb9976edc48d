import { sql, type Expression, type QueryCreator, type Selectable, type SqlBool } from 'kysely'
import type { Db } from '../db/database.ts'
import type { DB, NodesTable } from '../db/schema.ts'
import type { DriveNode, NodeSortKey, SortOrder } from './node.ts'
import { NODE_COLUMNS } from '../db/columns.ts'

/**
 * The one definition of "visible": the node is live and no ancestor is trashed or purging.
 * Every query that can reach a node other than by walking down from a visible folder must use it.
 * Costs O(depth) per candidate row through the closure table, independent of the size of the bin.
 */
export function visible(alias: string): Expression<SqlBool> {
  return sql<SqlBool>`(${sql.ref(`${alias}.state`)} = 'live' and not exists (
    select 1 from node_ancestors va join nodes vn on vn.id = va.ancestor_id
    where va.node_id = ${sql.ref(`${alias}.id`)} and va.depth > 0 and vn.state <> 'live'))`
}

export interface RootStateChange {
  id: number
  parentId: number
  from: DriveNode['state']
  to: DriveNode['state']
  /** The entry the root now belongs to (null when restored); may be another part of the same statement. */
  entryId: number | null | Expression<number>
  /** What every folder above gains (negative when the subtree leaves). */
  bytes: number
  items: number
  now: number
}

/**
 * Trashes or restores a subtree's root in one statement: the root's guarded state change, and the counters of every
 * folder above it plus its parent's modification time. All or nothing: if the root is not in `from` state (someone else
 * won), no row changes. Returns the ids written; the root's id is among them exactly when the change happened.
 */
export function changeRootState(qc: QueryCreator<DB>, c: RootStateChange) {
  const isRoot = sql<SqlBool>`id = ${c.id}`
  return (
    qc
      .updateTable('nodes')
      .set({
        state: sql`case when ${isRoot} then ${c.to} else state end`,
        recycle_entry_id: sql`case when ${isRoot} then ${c.entryId} else recycle_entry_id end`,
        size_bytes: sql`case when ${isRoot} then size_bytes else size_bytes + ${c.bytes} end`,
        item_count: sql`case when ${isRoot} then item_count else item_count + ${c.items} end`,
        modified_at: sql`case when id = ${c.parentId} then ${c.now} else modified_at end`,
      })
      .where('id', 'in', (eb) => eb.selectFrom('node_ancestors').select('ancestor_id').where('node_id', '=', c.id))
      .where((eb) => eb.exists(eb.selectFrom('nodes as g').select(sql`1`.as('one')).where('g.id', '=', c.id).where('g.state', '=', c.from)))
      // The root's own guard again, on the row being written (what a concurrent writer's commit is re-checked against).
      .where((eb) => eb.or([eb('id', '<>', c.id), eb('state', '=', c.from)]))
      .returning('id')
  )
}

export const SORT_COLUMNS = { name: 'name', size: 'size_bytes', modified: 'modified_at', created: 'created_at' } as const

export function toNode(r: Selectable<NodesTable>): DriveNode {
  return {
    id: Number(r.id),
    spaceId: Number(r.space_id),
    parentId: r.parent_id === null ? null : Number(r.parent_id),
    name: r.name,
    kind: r.kind,
    state: r.state,
    sizeBytes: Number(r.size_bytes),
    itemCount: Number(r.item_count),
    contentType: r.content_type,
    blobSha256: r.blob_sha256,
    recycleEntryId: r.recycle_entry_id === null ? null : Number(r.recycle_entry_id),
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    modifiedAt: Number(r.modified_at),
  }
}

export interface NewNode {
  spaceId: number
  parentId: number | null
  name: string
  kind: DriveNode['kind']
  sizeBytes: number
  contentType: string | null
  blobSha256: string | null
  createdBy: string | null
  now: number
  /** For a copied folder: the size and count of what is copied below it. */
  aggregate?: { sizeBytes: number; itemCount: number }
}

export interface KeysetQuery {
  sort: NodeSortKey
  order: SortOrder
  limit: number
  after?: { key: string | number | null; id: number }
}

export class NodesRepository {
  constructor(private readonly db: Db) {}

  async findVisible(spaceId: number, id: number): Promise<DriveNode | undefined> {
    const row = await this.db.selectFrom('nodes as n').selectAll('n').where('n.id', '=', id).where('n.space_id', '=', spaceId).where(visible('n')).executeTakeFirst()
    return row && toNode(row)
  }

  /**
   * A visible node with the names of its path from the root, in one query: its ancestor chain (itself included) is
   * what both need, and it is visible exactly when every node of that chain is live. With `liveChildNamed`, the same
   * round trip also answers whether a live child of that name exists (a restore's name check).
   */
  async findVisibleWithPath(spaceId: number, id: number, opts: { liveChildNamed?: string } = {}): Promise<{ node: DriveNode; pathNames: string[]; liveChild: DriveNode | null } | undefined> {
    let q = this.db
      .selectFrom('node_ancestors as c')
      .innerJoin('nodes as a', 'a.id', 'c.ancestor_id')
      .select(NODE_COLUMNS.map((c) => `a.${c}` as const))
      .select('c.depth')
      .where('c.node_id', '=', id)
    if (opts.liveChildNamed !== undefined) {
      q = q.unionAll(
        this.db
          .selectFrom('nodes')
          .select(NODE_COLUMNS)
          .select(sql<number>`-1`.as('depth'))
          .where('parent_id', '=', id)
          .where('name', '=', opts.liveChildNamed)
          .where(sql<SqlBool>`state = 'live'`),
      )
    }
    const rows = await q.orderBy('depth', 'desc').execute()
    const chain = rows.filter((r) => Number(r.depth) >= 0)
    const self = chain.at(-1)
    if (!self || Number(self.id) !== id || Number(self.space_id) !== spaceId || chain.some((r) => r.state !== 'live')) return undefined
    const child = rows.find((r) => Number(r.depth) < 0)
    return { node: toNode(self), pathNames: chain.filter((r) => r.parent_id !== null).map((r) => r.name), liveChild: child ? toNode(child) : null }
  }

  /** Any node of the space whatever its state (restore and purge work on trashed subtrees). */
  async find(spaceId: number, id: number): Promise<DriveNode | undefined> {
    const row = await this.db.selectFrom('nodes').select(NODE_COLUMNS).where('id', '=', id).where('space_id', '=', spaceId).executeTakeFirst()
    return row && toNode(row)
  }

  async findLiveChild(parentId: number, name: string): Promise<DriveNode | undefined> {
    const row = await this.db
      .selectFrom('nodes')
      .select(NODE_COLUMNS)
      .where('parent_id', '=', parentId)
      .where('name', '=', name)
      .where(sql<SqlBool>`state = 'live'`)
      .executeTakeFirst()
    return row && toNode(row)
  }

  /** Inserts a node and its closure rows; returns its id. */
  async insert(n: NewNode): Promise<number> {
    const row = await this.db
      .insertInto('nodes')
      .values({
        space_id: n.spaceId,
        parent_id: n.parentId,
        name: n.name,
        kind: n.kind,
        state: 'live',
        size_bytes: n.kind === 'file' ? n.sizeBytes : (n.aggregate?.sizeBytes ?? 0),
        item_count: n.aggregate?.itemCount ?? 0,
        content_type: n.contentType,
        blob_sha256: n.blobSha256,
        recycle_entry_id: null,
        created_by: n.createdBy,
        created_at: n.now,
        modified_at: n.now,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const id = Number(row.id)
    await this.db.insertInto('node_ancestors').values({ node_id: id, ancestor_id: id, depth: 0 }).execute()
    if (n.parentId !== null) {
      await this.db
        .insertInto('node_ancestors')
        .columns(['node_id', 'ancestor_id', 'depth'])
        .expression((eb) =>
          eb
            .selectFrom('node_ancestors')
            .select([sql.lit(id).as('node_id'), 'ancestor_id', sql<number>`depth + 1`.as('depth')])
            .where('node_id', '=', n.parentId!),
        )
        .execute()
    }
    return id
  }

  /** Adds to the maintained size and count of `folderId` and every folder above it: O(depth). */
  async adjustAncestors(folderId: number, bytes: number, items: number, touchedAt?: number): Promise<void> {
    if (bytes === 0 && items === 0 && touchedAt === undefined) return
    if (bytes === 0 && items === 0) {
      await this.db.updateTable('nodes').set({ modified_at: touchedAt! }).where('id', '=', folderId).execute()
      return
    }
    // One statement for the counters of the chain and the folder's own modification time (a round trip each on PostgreSQL).
    await this.db
      .updateTable('nodes')
      .set((eb) => ({
        size_bytes: eb('size_bytes', '+', bytes),
        item_count: eb('item_count', '+', items),
        ...(touchedAt === undefined ? {} : { modified_at: sql<number>`case when id = ${folderId} then ${touchedAt} else modified_at end` }),
      }))
      .where('id', 'in', (eb) => eb.selectFrom('node_ancestors').select('ancestor_id').where('node_id', '=', folderId))
      .execute()
  }

  async rename(id: number, name: string, now: number): Promise<void> {
    await this.db.updateTable('nodes').set({ name, modified_at: now }).where('id', '=', id).execute()
  }

  /**
   * Re-parents a node and rewrites the closure rows of its subtree: O(subtree × depth).
   * Only moves and restores to a different folder pay this; trash and same-place restore do not.
   */
  async reparent(id: number, newParentId: number, name: string): Promise<void> {
    await this.db.updateTable('nodes').set({ parent_id: newParentId, name }).where('id', '=', id).execute()
    await sql`delete from node_ancestors
      where node_id in (select node_id from node_ancestors where ancestor_id = ${id})
        and ancestor_id in (select ancestor_id from node_ancestors where node_id = ${id} and depth > 0)`.execute(this.db)
    await sql`insert into node_ancestors (node_id, ancestor_id, depth)
      select sub.node_id, sup.ancestor_id, sup.depth + sub.depth + 1
      from node_ancestors sup, node_ancestors sub
      where sup.node_id = ${newParentId} and sub.ancestor_id = ${id}`.execute(this.db)
  }

  async isAncestorOrSelf(ancestorId: number, nodeId: number): Promise<boolean> {
    const row = await this.db.selectFrom('node_ancestors').select('depth').where('node_id', '=', nodeId).where('ancestor_id', '=', ancestorId).executeTakeFirst()
    return row !== undefined
  }

  /** Names from the space root down to the node (the root itself has no name). */
  async pathNames(id: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('node_ancestors as c')
      .innerJoin('nodes as a', 'a.id', 'c.ancestor_id')
      .select(['a.name', 'a.parent_id'])
      .where('c.node_id', '=', id)
      .orderBy('c.depth', 'desc')
      .execute()
    return rows.filter((r) => r.parent_id !== null).map((r) => r.name)
  }

  /** Live sibling names that start with `prefix`, to pick the next free `name (n)`. */
  async liveNamesWithPrefix(parentId: number, prefix: string): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('nodes')
      .select('name')
      .where('parent_id', '=', parentId)
      .where(sql<SqlBool>`state = 'live'`)
      .where('name', '>=', prefix)
      .where('name', '<', prefix + '\uffff')
      .execute()
    return new Set(rows.map((r) => r.name))
  }

  async listChildren(parentId: number, q: KeysetQuery): Promise<DriveNode[]> {
    const col = SORT_COLUMNS[q.sort]
    let query = this.db.selectFrom('nodes').selectAll().where('parent_id', '=', parentId).where(sql<SqlBool>`state = 'live'`)
    if (q.after) {
      const op = q.order === 'asc' ? '>' : '<'
      query = query.where(sql<SqlBool>`(${sql.ref(col)}, id) ${sql.raw(op)} (${q.after.key}, ${q.after.id})`)
    }
    const rows = await query.orderBy(sql.ref(col), q.order).orderBy('id', q.order).limit(q.limit).execute()
    return rows.map(toNode)
  }

  async countChildren(parentId: number): Promise<{ files: number; folders: number }> {
    const rows = await this.db
      .selectFrom('nodes')
      .select(['kind', (eb) => eb.fn.countAll<number>().as('n')])
      .where('parent_id', '=', parentId)
      .where(sql<SqlBool>`state = 'live'`)
      .groupBy('kind')
      .execute()
    const by = Object.fromEntries(rows.map((r) => [r.kind, Number(r.n)]))
    return { files: by.file ?? 0, folders: by.folder ?? 0 }
  }

  /** Case-insensitive substring search over visible nodes, keyset on (name, id). */
  async search(spaceId: number, needle: string, limit: number, after?: { key: string; id: number }, kind?: DriveNode['kind']): Promise<DriveNode[]> {
    const pattern = '%' + needle.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c) + '%'
    let query = this.db
      .selectFrom('nodes as n')
      .selectAll('n')
      .where('n.space_id', '=', spaceId)
      .where('n.parent_id', 'is not', null)
      .where(sql<SqlBool>`lower(n.name) like ${pattern} escape '\\'`)
      .where(visible('n'))
    if (kind) query = query.where('n.kind', '=', kind)
    if (after) query = query.where(sql<SqlBool>`(n.name, n.id) > (${after.key}, ${after.id})`)
    const rows = await query.orderBy('n.name').orderBy('n.id').limit(limit).execute()
    return rows.map(toNode)
  }

  /**
   * The next batch of nodes to purge below an entry root, skipping subtrees that are recycle entries of their own
   * (a file trashed before its folder keeps its own entry and is purged by it).
   */
  async purgeableDescendants(rootId: number, limit: number): Promise<{ id: number; blobSha256: string | null }[]> {
    const rows = await sql<{ id: number; blob_sha256: string | null }>`
      select n.id, n.blob_sha256 from node_ancestors c join nodes n on n.id = c.node_id
      where c.ancestor_id = ${rootId} and c.depth > 0
        and not exists (
          select 1 from node_ancestors c2 join nodes t on t.id = c2.ancestor_id
          where c2.node_id = n.id and c2.depth < c.depth and t.state <> 'live')
      order by n.id limit ${limit}`.execute(this.db)
    return rows.rows.map((r) => ({ id: Number(r.id), blobSha256: r.blob_sha256 }))
  }

  /**
   * Deletes node rows and their closure rows. Returns the blob references held by the rows this call actually
   * deleted (RETURNING), so two workers replaying the same batch can never release a reference twice.
   */
  async deleteMany(ids: number[]): Promise<Map<string, number>> {
    const refs = new Map<string, number>()
    if (!ids.length) return refs
    const rows = await this.db.deleteFrom('nodes').where('id', 'in', ids).returning(['blob_sha256']).execute()
    await this.db.deleteFrom('node_ancestors').where('node_id', 'in', ids).execute()
    for (const r of rows) if (r.blob_sha256) refs.set(r.blob_sha256, (refs.get(r.blob_sha256) ?? 0) + 1)
    return refs
  }

  /** The subtree under a folder in depth order (parents before children), for copying. */
  async subtree(rootId: number, maxItems: number): Promise<DriveNode[]> {
    const rows = await this.db
      .selectFrom('node_ancestors as c')
      .innerJoin('nodes as n', 'n.id', 'c.node_id')
      .selectAll('n')
      .where('c.ancestor_id', '=', rootId)
      .where('c.depth', '>', 0)
      .where(visible('n'))
      .orderBy('c.depth')
      .orderBy('n.id')
      .limit(maxItems + 1)
      .execute()
    return rows.map(toNode)
  }

  async countSpaceNodes(spaceId: number): Promise<number> {
    const row = await this.db.selectFrom('nodes').select((eb) => eb.fn.countAll<number>().as('n')).where('space_id', '=', spaceId).executeTakeFirstOrThrow()
    return Number(row.n)
  }
}
