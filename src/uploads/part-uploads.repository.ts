import type { Selectable } from 'kysely'
import type { Db } from '../db/database.ts'
import type { Db004, PartUploadState, PartUploadsTable, Tables004 } from '../db/schema-004.ts'
import type { ConflictPolicy } from '../nodes/node.ts'
import { UploadPartRows, type UploadPart } from './upload-parts.repository.ts'

export type { UploadPart }

/** An upload sent in numbered parts, completed into one file; its parts are rows of `part_upload_parts` (migration 007). */
export interface PartUpload {
  id: number
  libraryId: string
  spaceId: number
  parentId: number
  name: string
  sizeBytes: number
  /** Expected SHA-256 of the whole file (hex), when the client declared it. */
  sha256: string | null
  contentType: string | null
  onConflict: ConflictPolicy
  partSize: number
  partCount: number
  state: PartUploadState
  /** The file it became, once `done`. */
  nodeId: number | null
  createdBy: string
  createdAt: number
  expiresAt: number
}

function toUpload(r: Selectable<PartUploadsTable>): PartUpload {
  return {
    id: Number(r.id),
    libraryId: r.library_id,
    spaceId: Number(r.space_id),
    parentId: Number(r.parent_id),
    name: r.name,
    sizeBytes: Number(r.size_bytes),
    sha256: r.sha256,
    contentType: r.content_type,
    onConflict: r.on_conflict as ConflictPolicy,
    partSize: Number(r.part_size),
    partCount: Number(r.part_count),
    state: r.state,
    nodeId: r.node_id === null ? null : Number(r.node_id),
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  }
}

export class PartUploadsRepository {
  private readonly db: Db004
  /** This kind's part rows (what `PartBlobs` stores parts through). */
  readonly partRows: UploadPartRows
  constructor(db: Db) {
    this.db = db.withTables<Tables004>()
    this.partRows = new UploadPartRows(db, { uploads: 'part_uploads', parts: 'part_upload_parts' })
  }

  async insert(u: Omit<PartUpload, 'id' | 'state' | 'nodeId'>): Promise<number> {
    const row = await this.db
      .insertInto('part_uploads')
      .values({
        library_id: u.libraryId,
        space_id: u.spaceId,
        parent_id: u.parentId,
        name: u.name,
        size_bytes: u.sizeBytes,
        sha256: u.sha256,
        content_type: u.contentType,
        on_conflict: u.onConflict,
        part_size: u.partSize,
        part_count: u.partCount,
        state: 'open',
        node_id: null,
        created_by: u.createdBy,
        created_at: u.createdAt,
        expires_at: u.expiresAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    return Number(row.id)
  }

  async find(id: number): Promise<PartUpload | undefined> {
    const row = await this.db.selectFrom('part_uploads').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toUpload(row)
  }

  /** Guarded state change: true only for the caller that moved the row from `from`. */
  async transition(id: number, from: PartUploadState, to: PartUploadState, change: { nodeId?: number; expiresAt?: number } = {}): Promise<boolean> {
    const res = await this.db
      .updateTable('part_uploads')
      .set({ state: to, ...(change.nodeId !== undefined ? { node_id: change.nodeId } : {}), ...(change.expiresAt !== undefined ? { expires_at: change.expiresAt } : {}) })
      .where('id', '=', id)
      .where('state', '=', from)
      .executeTakeFirst()
    return Number(res.numUpdatedRows) === 1
  }

  /** Uploads past their expiry: abandoned ones, completions that crashed half-way, and finished ones kept long enough. */
  async expiredIds(now: number, limit: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('part_uploads')
      .select('id')
      .where('expires_at', '<', now)
      .orderBy('expires_at')
      .limit(limit)
      .execute()
    return rows.map((r) => Number(r.id))
  }

  async delete(id: number): Promise<boolean> {
    const res = await this.db.deleteFrom('part_uploads').where('id', '=', id).executeTakeFirst()
    return Number(res.numDeletedRows) === 1
  }
}
