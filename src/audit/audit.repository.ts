import type { Expression, QueryCreator } from 'kysely'
import type { Db } from '../db/database.ts'
import type { DB } from '../db/schema.ts'

export type AuditAction = 'trash' | 'restore' | 'delete' | 'empty' | 'purge' | 'retention-purge' | 'hold' | 'release'

export interface AuditEvent {
  id: number
  libraryId: string
  spaceId: number | null
  actor: string
  action: AuditAction
  entryId: number | null
  nodeId: number | null
  name: string | null
  details: Record<string, unknown>
  at: number
}

type NewAuditEvent = Omit<AuditEvent, 'id' | 'entryId'> & { entryId: number | null | Expression<number> }

function auditRow(e: NewAuditEvent) {
  return {
    library_id: e.libraryId,
    space_id: e.spaceId,
    actor: e.actor,
    action: e.action,
    entry_id: e.entryId,
    node_id: e.nodeId,
    name: e.name,
    details: JSON.stringify(e.details),
    at: e.at,
  }
}

/** The insert of one event, to run alone or inside a larger statement (`entryId` may be another part's result). */
export function insertAuditEvent(qc: QueryCreator<DB>, e: NewAuditEvent) {
  return qc.insertInto('audit_events').values(auditRow(e))
}

export class AuditRepository {
  constructor(private readonly db: Db) {}

  /** Written in the same transaction as the change it describes, so the log cannot miss or invent an action. */
  async record(e: Omit<AuditEvent, 'id'>): Promise<void> {
    await insertAuditEvent(this.db, e).execute()
  }

  /** Many events in one statement (a purge batch writes one per entry). */
  async recordMany(events: Omit<AuditEvent, 'id'>[]): Promise<void> {
    for (let i = 0; i < events.length; i += 200) {
      await this.db
        .insertInto('audit_events')
        .values(events.slice(i, i + 200).map(auditRow))
        .execute()
    }
  }

  async list(libraryId: string, opts: { spaceId?: number; limit: number; beforeId?: number; action?: string }): Promise<AuditEvent[]> {
    let q = this.db.selectFrom('audit_events').selectAll().where('library_id', '=', libraryId)
    if (opts.spaceId !== undefined) q = q.where('space_id', '=', opts.spaceId)
    if (opts.action) q = q.where('action', '=', opts.action)
    if (opts.beforeId) q = q.where('id', '<', opts.beforeId)
    const rows = await q.orderBy('id', 'desc').limit(opts.limit).execute()
    return rows.map((r) => ({
      id: Number(r.id),
      libraryId: r.library_id,
      spaceId: r.space_id === null ? null : Number(r.space_id),
      actor: r.actor,
      action: r.action as AuditAction,
      entryId: r.entry_id === null ? null : Number(r.entry_id),
      nodeId: r.node_id === null ? null : Number(r.node_id),
      name: r.name,
      details: JSON.parse(r.details) as Record<string, unknown>,
      at: Number(r.at),
    }))
  }
}
