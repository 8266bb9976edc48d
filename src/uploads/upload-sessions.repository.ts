import type { Selectable } from 'kysely'
import type { Db } from '../db/database.ts'
import type { Db005, Tables005, UploadSessionsTable } from '../db/schema-005.ts'
import type { ConflictPolicy } from '../nodes/node.ts'

export type UploadSessionState = 'pending' | 'uploaded'

/** A two-phase upload: parameters fixed at begin, bytes attached later, committed into a node at the end. */
export interface UploadSession {
  key: string
  libraryId: string
  spaceId: number
  parentId: number
  name: string
  onConflict: ConflictPolicy
  declaredSize: number | null
  state: UploadSessionState
  /** Set once the bytes arrived: the session then holds one reference on this blob until commit or abort. */
  sha256: string | null
  sizeBytes: number | null
  crc64: string | null
  contentType: string | null
  createdBy: string
  createdAt: number
  expiresAt: number
}

function toSession(r: Selectable<UploadSessionsTable>): UploadSession {
  return {
    key: r.id,
    libraryId: r.library_id,
    spaceId: Number(r.space_id),
    parentId: Number(r.parent_id),
    name: r.name,
    onConflict: r.on_conflict as ConflictPolicy,
    declaredSize: r.declared_size === null ? null : Number(r.declared_size),
    state: r.state as UploadSessionState,
    sha256: r.blob_sha256,
    sizeBytes: r.size_bytes === null ? null : Number(r.size_bytes),
    crc64: r.crc64,
    contentType: r.content_type,
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  }
}

export class UploadSessionsRepository {
  private readonly db: Db005
  constructor(db: Db) {
    this.db = db.withTables<Tables005>()
  }

  async insert(s: UploadSession): Promise<void> {
    await this.db
      .insertInto('upload_sessions')
      .values({
        id: s.key,
        library_id: s.libraryId,
        space_id: s.spaceId,
        parent_id: s.parentId,
        name: s.name,
        on_conflict: s.onConflict,
        declared_size: s.declaredSize,
        state: s.state,
        blob_sha256: s.sha256,
        size_bytes: s.sizeBytes,
        crc64: s.crc64,
        content_type: s.contentType,
        created_by: s.createdBy,
        created_at: s.createdAt,
        expires_at: s.expiresAt,
      })
      .execute()
  }

  async find(key: string): Promise<UploadSession | undefined> {
    const row = await this.db.selectFrom('upload_sessions').selectAll().where('id', '=', key).executeTakeFirst()
    return row && toSession(row)
  }

  /** Attaches bytes. Returns the blob the session held before (to release), or undefined when the session is gone. */
  async attachBlob(key: string, blob: { sha256: string; sizeBytes: number; crc64: string | null; contentType: string | null }): Promise<{ previous: string | null } | undefined> {
    const before = await this.find(key)
    if (!before) return undefined
    await this.db
      .updateTable('upload_sessions')
      .set({ state: 'uploaded', blob_sha256: blob.sha256, size_bytes: blob.sizeBytes, crc64: blob.crc64, content_type: blob.contentType ?? before.contentType })
      .where('id', '=', key)
      .execute()
    return { previous: before.sha256 }
  }

  async setExpiry(key: string, expiresAt: number): Promise<void> {
    await this.db.updateTable('upload_sessions').set({ expires_at: expiresAt }).where('id', '=', key).execute()
  }

  /** Deletes the session; returns what was deleted (RETURNING), so its blob reference is released exactly once. */
  async delete(key: string): Promise<UploadSession | undefined> {
    const row = await this.db.deleteFrom('upload_sessions').where('id', '=', key).returningAll().executeTakeFirst()
    return row && toSession(row)
  }

  async expiredKeys(now: number, limit: number): Promise<string[]> {
    const rows = await this.db.selectFrom('upload_sessions').select('id').where('expires_at', '<=', now).orderBy('expires_at').limit(limit).execute()
    return rows.map((r) => r.id)
  }

  /** Every session of a space (deleting the space); returns the deleted rows. */
  async deleteBySpace(spaceId: number): Promise<UploadSession[]> {
    const rows = await this.db.deleteFrom('upload_sessions').where('space_id', '=', spaceId).returningAll().execute()
    return rows.map(toSession)
  }
}
