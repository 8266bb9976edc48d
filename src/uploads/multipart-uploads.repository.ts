import type { Kysely, Selectable } from 'kysely'
import type { Db } from '../db/database.ts'
import type { DB } from '../db/schema.ts'
import type { ConflictPolicy } from '../nodes/node.ts'
import { UploadPartRows, type UploadPart } from './upload-parts.repository.ts'

export type { UploadPart }

/** Tables of migration 003 (see migrations/003-pds.ts), reached through `db.withTables<MultipartTables>()`. */
export interface MultipartUploadsTable {
  id: number
  upload_id: string
  library_id: string
  space_id: number
  parent_id: number
  name: string
  on_conflict: string
  declared_size: number | null
  content_type: string | null
  sha1: string | null
  state: string
  node_id: number | null
  created_by: string
  created_at: number
  expires_at: number
}

export interface MultipartUploadPartsTable {
  upload_row_id: number
  part_number: number
  size_bytes: number
  blob_sha256: string
  uploaded_at: number
}

type MultipartTables = { multipart_uploads: MultipartUploadsTable; multipart_upload_parts: MultipartUploadPartsTable }

/** `open` takes parts; `completing` is being assembled (one completion at a time); `completed` points at its file. */
export type MultipartUploadState = 'open' | 'completing' | 'completed'

export interface MultipartUpload {
  /** Row id: stable, used to refer to the upload before its file exists. */
  id: number
  /** Opaque, unguessable id of the upload (it appears in part URLs). */
  uploadId: string
  libraryId: string
  spaceId: number
  parentId: number
  name: string
  onConflict: ConflictPolicy
  declaredSize: number | null
  contentType: string | null
  /** Expected SHA-1 (lowercase hex) of the whole content, checked at completion. */
  sha1: string | null
  state: MultipartUploadState
  nodeId: number | null
  createdBy: string
  createdAt: number
  expiresAt: number
}

function toUpload(r: Selectable<MultipartUploadsTable>): MultipartUpload {
  return {
    id: Number(r.id),
    uploadId: r.upload_id,
    libraryId: r.library_id,
    spaceId: Number(r.space_id),
    parentId: Number(r.parent_id),
    name: r.name,
    onConflict: r.on_conflict as ConflictPolicy,
    declaredSize: r.declared_size === null ? null : Number(r.declared_size),
    contentType: r.content_type,
    sha1: r.sha1,
    state: r.state as MultipartUploadState,
    nodeId: r.node_id === null ? null : Number(r.node_id),
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  }
}

export class MultipartUploadsRepository {
  private readonly db: Kysely<DB & MultipartTables>
  /** This kind's part rows (what `PartBlobs` stores parts through). */
  readonly partRows: UploadPartRows
  constructor(db: Db) {
    this.db = db.withTables<MultipartTables>()
    this.partRows = new UploadPartRows(db, { uploads: 'multipart_uploads', parts: 'multipart_upload_parts' })
  }

  async insert(u: Omit<MultipartUpload, 'id'>): Promise<number> {
    const row = await this.db
      .insertInto('multipart_uploads')
      .values({
        upload_id: u.uploadId,
        library_id: u.libraryId,
        space_id: u.spaceId,
        parent_id: u.parentId,
        name: u.name,
        on_conflict: u.onConflict,
        declared_size: u.declaredSize,
        content_type: u.contentType,
        sha1: u.sha1,
        state: u.state,
        node_id: u.nodeId,
        created_by: u.createdBy,
        created_at: u.createdAt,
        expires_at: u.expiresAt,
      } as never)
      .returning('id')
      .executeTakeFirstOrThrow()
    return Number(row.id)
  }

  async findByUploadId(uploadId: string): Promise<MultipartUpload | undefined> {
    const row = await this.db.selectFrom('multipart_uploads').selectAll().where('upload_id', '=', uploadId).executeTakeFirst()
    return row && toUpload(row)
  }

  async findById(id: number): Promise<MultipartUpload | undefined> {
    const row = await this.db.selectFrom('multipart_uploads').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toUpload(row)
  }

  /** Guarded state change; false when the upload was not in `from` (another request got there first). */
  async transition(id: number, from: MultipartUploadState, to: MultipartUploadState, set: { nodeId?: number; expiresAt?: number } = {}): Promise<boolean> {
    const res = await this.db
      .updateTable('multipart_uploads')
      .set({ state: to, ...(set.nodeId !== undefined ? { node_id: set.nodeId } : {}), ...(set.expiresAt !== undefined ? { expires_at: set.expiresAt } : {}) })
      .where('id', '=', id)
      .where('state', '=', from)
      .executeTakeFirst()
    return Number(res.numUpdatedRows) === 1
  }

  async expired(now: number, limit: number): Promise<number[]> {
    const rows = await this.db.selectFrom('multipart_uploads').select('id').where('expires_at', '<=', now).orderBy('expires_at').orderBy('id').limit(limit).execute()
    return rows.map((r) => Number(r.id))
  }

  async delete(id: number): Promise<boolean> {
    const res = await this.db.deleteFrom('multipart_uploads').where('id', '=', id).executeTakeFirst()
    return Number(res.numDeletedRows) === 1
  }
}
