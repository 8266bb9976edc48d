import { sql, type RawBuilder, type SqlBool } from 'kysely'
import type { Db } from '../db/database.ts'
import { SORT_COLUMNS, toNode, visible } from './nodes.repository.ts'
import type { Comparison, NodeQuery } from './node-query.ts'
import type { DriveNode, NodeSortKey, SortOrder } from './node.ts'

export interface FindQuery {
  /** Folder ids already resolved (`root` replaced by the root's id); ids that are not decimal match nothing. */
  where: NodeQuery | null
  sort: NodeSortKey
  order: SortOrder
  limit: number
  after?: { key: string | number; id: number }
}

const CMP: Record<Comparison, string> = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' }

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c)
const TRUE = sql<SqlBool>`1 = 1`
const FALSE = sql<SqlBool>`1 = 0`

/** Compiles a query to a predicate on alias `n`. Every value is a bound parameter; only operators are spliced. */
export function compile(q: NodeQuery): RawBuilder<SqlBool> {
  if ('and' in q) return q.and.length ? sql<SqlBool>`(${sql.join(q.and.map(compile), sql` and `)})` : TRUE
  if ('or' in q) return q.or.length ? sql<SqlBool>`(${sql.join(q.or.map(compile), sql` or `)})` : FALSE
  if ('not' in q) return sql<SqlBool>`not ${compile(q.not)}`
  switch (q.field) {
    case 'name':
      if (q.op === 'eq') return sql<SqlBool>`n.name = ${q.value}`
      return sql<SqlBool>`lower(n.name) like ${(q.op === 'prefix' ? '' : '%') + likeEscape(q.value.toLowerCase()) + '%'} escape '\\'`
    case 'kind':
      return sql<SqlBool>`n.kind = ${q.value}`
    case 'parentId':
    case 'id': {
      const ids = q.value.map((v) => (/^[0-9]{1,15}$/.test(v) ? Number(v) : -1))
      if (!ids.length) return FALSE
      return sql<SqlBool>`${sql.ref(q.field === 'id' ? 'n.id' : 'n.parent_id')} in (${sql.join(ids)})`
    }
    case 'size':
      return sql<SqlBool>`(n.kind = 'file' and n.size_bytes ${sql.raw(CMP[q.op])} ${q.value})`
    case 'createdAt':
    case 'modifiedAt':
      return sql<SqlBool>`${sql.ref(q.field === 'createdAt' ? 'n.created_at' : 'n.modified_at')} ${sql.raw(CMP[q.op])} ${q.value}`
    case 'extension': {
      if (!q.value.length) return FALSE
      const likes = q.value.map((ext) => sql<SqlBool>`lower(n.name) like ${'%.' + likeEscape(ext.toLowerCase())} escape '\\'`)
      return sql<SqlBool>`(n.kind = 'file' and (${sql.join(likes, sql` or `)}))`
    }
    case 'contentType': {
      // A file stored without a content type is served as application/octet-stream, so it matches as one.
      const type = sql`coalesce(n.content_type, 'application/octet-stream')`
      if (q.op === 'eq') return sql<SqlBool>`(n.kind = 'file' and ${type} = ${q.value})`
      return sql<SqlBool>`(n.kind = 'file' and ${type} like ${likeEscape(q.value) + '%'} escape '\\')`
    }
  }
}

/** Structured reads over nodes: filtered keyset pages of visible nodes, and lookups by id whatever the state. */
export class NodeFinderRepository {
  constructor(private readonly db: Db) {}

  /** Visible nodes of a space (never the root) matching `where`, keyset on (sort key, id). */
  async find(spaceId: number, q: FindQuery): Promise<DriveNode[]> {
    const col = SORT_COLUMNS[q.sort]
    let query = this.base(spaceId, q.where).selectAll('n')
    if (q.after) {
      const op = q.order === 'asc' ? '>' : '<'
      query = query.where(sql<SqlBool>`(${sql.ref(`n.${col}`)}, n.id) ${sql.raw(op)} (${q.after.key}, ${q.after.id})`)
    }
    const rows = await query.orderBy(sql.ref(`n.${col}`), q.order).orderBy('n.id', q.order).limit(q.limit).execute()
    return rows.map(toNode)
  }

  async count(spaceId: number, where: NodeQuery | null): Promise<number> {
    const row = await this.base(spaceId, where)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  /** Nodes of a space by id, whatever their state. */
  async findMany(spaceId: number, ids: number[]): Promise<DriveNode[]> {
    if (!ids.length) return []
    const rows = await this.db.selectFrom('nodes').selectAll().where('space_id', '=', spaceId).where('id', 'in', ids).execute()
    return rows.map(toNode)
  }

  private base(spaceId: number, where: NodeQuery | null) {
    let query = this.db.selectFrom('nodes as n').where('n.space_id', '=', spaceId).where('n.parent_id', 'is not', null).where(visible('n'))
    if (where) query = query.where(compile(where))
    return query
  }
}
