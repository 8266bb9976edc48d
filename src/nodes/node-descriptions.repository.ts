import type { Kysely } from 'kysely'
import type { Db } from '../db/database.ts'
import type { DB } from '../db/schema.ts'

/** Table of migration 003 (see migrations/003-pds.ts). A row outlives a purged node harmlessly: ids are never reused. */
export interface NodeDescriptionsTable {
  node_id: number
  description: string
  updated_at: number
}

type DescriptionTables = { node_descriptions: NodeDescriptionsTable }

export class NodeDescriptionsRepository {
  private readonly db: Kysely<DB & DescriptionTables>
  constructor(db: Db) {
    this.db = db.withTables<DescriptionTables>()
  }

  /** Descriptions of those of `nodeIds` that belong to the space. */
  async get(spaceId: number, nodeIds: number[]): Promise<Map<number, string>> {
    if (!nodeIds.length) return new Map()
    const rows = await this.db
      .selectFrom('node_descriptions as d')
      .innerJoin('nodes as n', 'n.id', 'd.node_id')
      .select(['d.node_id', 'd.description'])
      .where('n.space_id', '=', spaceId)
      .where('d.node_id', 'in', nodeIds)
      .execute()
    return new Map(rows.map((r) => [Number(r.node_id), r.description]))
  }

  /** Sets a description; an empty one removes the row. */
  async set(nodeId: number, description: string, now: number): Promise<void> {
    if (!description) {
      await this.db.deleteFrom('node_descriptions').where('node_id', '=', nodeId).execute()
      return
    }
    await this.db
      .insertInto('node_descriptions')
      .values({ node_id: nodeId, description, updated_at: now })
      .onConflict((oc) => oc.column('node_id').doUpdateSet({ description, updated_at: now }))
      .execute()
  }
}
