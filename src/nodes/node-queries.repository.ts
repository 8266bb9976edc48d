import { sql, type SqlBool } from 'kysely'
import type { Db } from '../db/database.ts'
import { SORT_COLUMNS, toNode } from './nodes.repository.ts'
import type { DriveNode, NodeSortKey, SortOrder } from './node.ts'

export interface OffsetPageQuery {
  sort: NodeSortKey
  order: SortOrder
  /** Folders before files (each group in the sort order); false sorts both kinds together. */
  foldersFirst: boolean
  kind?: DriveNode['kind']
  offset: number
  limit: number
}

export interface SpaceNodeCounts {
  liveFiles: number
  liveFolders: number
  trashedFiles: number
  trashedFolders: number
}

/** Read-only node queries that the keyset listing does not cover: offset pages, grouped counts, lookups by id. */
export class NodeQueriesRepository {
  constructor(private readonly db: Db) {}

  /** Live children of a folder by offset (page-number clients). The skip walks rows: its cost grows with the offset. */
  async listChildrenPage(parentId: number, q: OffsetPageQuery): Promise<DriveNode[]> {
    let query = this.db.selectFrom('nodes').selectAll().where('parent_id', '=', parentId).where(sql<SqlBool>`state = 'live'`)
    if (q.kind) query = query.where('kind', '=', q.kind)
    if (q.foldersFirst) query = query.orderBy(sql`case when kind = 'folder' then 0 else 1 end`)
    const rows = await query.orderBy(sql.ref(SORT_COLUMNS[q.sort]), q.order).orderBy('id', q.order).limit(q.limit).offset(q.offset).execute()
    return rows.map(toNode)
  }

  /**
   * Files and folders of a space (the root excluded), split into live and in-the-bin. A node is in the bin when its
   * nearest trashed ancestor-or-self roots a `trashed` entry; below an entry that is being purged it is already gone
   * and not counted. One pass over the space's nodes: O(nodes × depth).
   */
  async spaceCounts(spaceId: number): Promise<SpaceNodeCounts> {
    const rows = await sql<{ kind: string; bin: string | null; n: number | string }>`
      select kind, bin, count(*) as n from (
        select n.kind as kind,
          (select e.state from node_ancestors a
             join nodes t on t.id = a.ancestor_id
             join recycle_entries e on e.id = t.recycle_entry_id
            where a.node_id = n.id and t.state <> 'live' order by a.depth limit 1) as bin
        from nodes n where n.space_id = ${spaceId} and n.parent_id is not null
      ) x group by kind, bin`.execute(this.db)
    const out: SpaceNodeCounts = { liveFiles: 0, liveFolders: 0, trashedFiles: 0, trashedFolders: 0 }
    for (const r of rows.rows) {
      const n = Number(r.n)
      if (r.bin === 'purging') continue
      const file = r.kind === 'file'
      if (r.bin === 'trashed') {
        if (file) out.trashedFiles += n
        else out.trashedFolders += n
      } else if (file) out.liveFiles += n
      else out.liveFolders += n
    }
    return out
  }

  /** Nodes of a space by id, whatever their state (e.g. the roots of recycle entries). */
  async findMany(spaceId: number, ids: number[]): Promise<DriveNode[]> {
    if (!ids.length) return []
    const rows = await this.db.selectFrom('nodes').selectAll().where('space_id', '=', spaceId).where('id', 'in', ids).execute()
    return rows.map(toNode)
  }
}
