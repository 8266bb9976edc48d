import type { Kysely } from 'kysely'
import type { Db } from '../db/database.ts'
import type { DB, PartUploadPartsTable, Tables007 } from '../db/schema.ts'
import type { MultipartUploadPartsTable } from './multipart-uploads.repository.ts'

/** One part of an upload sent in numbered parts: the blob holding its bytes (the part row holds one reference on it). */
export interface UploadPart {
  partNumber: number
  sizeBytes: number
  sha256: string
  uploadedAt: number
}

/** The upload kinds sent in parts: their uploads table and their parts table (same columns; `upload_row_id` = upload id). */
export type UploadKindTables = { uploads: 'multipart_uploads'; parts: 'multipart_upload_parts' } | { uploads: 'part_uploads'; parts: 'part_upload_parts' }
/** The two columns of an uploads table this class touches (both kinds have them). */
type UploadRowColumns = { id: number; state: string }
type PartsTables = { multipart_upload_parts: MultipartUploadPartsTable; part_uploads: UploadRowColumns } & Tables007

/**
 * The SQL of part rows, shared by both upload kinds sent in parts (`MultipartUploadsRepository`,
 * `PartUploadsRepository` each hold one as `partRows`), so storing, listing and releasing parts has one
 * implementation; it is what `PartBlobs` works with. Deletions return the blob references they held (RETURNING), so
 * each reference is released exactly once whoever else deletes concurrently.
 */
export class UploadPartRows {
  private readonly db: Kysely<DB & PartsTables>
  /** Both kinds have the same row types; the builder is typed with one of them (see UploadKindTables). */
  private readonly table: 'part_upload_parts'
  private readonly uploads: 'part_uploads'

  constructor(db: Db, tables: UploadKindTables) {
    this.db = db.withTables<PartsTables>()
    this.table = tables.parts as 'part_upload_parts'
    this.uploads = tables.uploads as 'part_uploads'
  }

  /**
   * Locks the upload's row for the rest of the transaction if it is still `open` (a guarded no-op UPDATE); false when it
   * is not. A part stored under this lock is seen by the completion or sweep that claims the row next.
   */
  async lockOpen(uploadRowId: number): Promise<boolean> {
    const res = await this.db.updateTable(this.uploads).set((eb) => ({ state: eb.ref('state') })).where('id', '=', uploadRowId).where('state', '=', 'open').executeTakeFirst()
    return Number(res.numUpdatedRows) === 1
  }

  /** Deletes the upload's row (its parts go with `deleteParts`); false when it was already gone. */
  async deleteUpload(uploadRowId: number): Promise<boolean> {
    const res = await this.db.deleteFrom(this.uploads).where('id', '=', uploadRowId).executeTakeFirst()
    return Number(res.numDeletedRows) === 1
  }

  /** Stores a part; returns the blob of the part it replaced (to release), or null. */
  async putPart(uploadRowId: number, part: UploadPart): Promise<string | null> {
    const before = await this.db
      .deleteFrom(this.table)
      .where('upload_row_id', '=', uploadRowId)
      .where('part_number', '=', part.partNumber)
      .returning('blob_sha256')
      .executeTakeFirst()
    const row: PartUploadPartsTable = { upload_row_id: uploadRowId, part_number: part.partNumber, size_bytes: part.sizeBytes, blob_sha256: part.sha256, uploaded_at: part.uploadedAt }
    await this.db.insertInto(this.table).values(row).execute()
    return before?.blob_sha256 ?? null
  }

  /** The parts of an upload, by part number. */
  async parts(uploadRowId: number): Promise<UploadPart[]> {
    const rows = await this.db.selectFrom(this.table).selectAll().where('upload_row_id', '=', uploadRowId).orderBy('part_number').execute()
    return rows.map((r) => ({ partNumber: Number(r.part_number), sizeBytes: Number(r.size_bytes), sha256: r.blob_sha256, uploadedAt: Number(r.uploaded_at) }))
  }

  /** Deletes the parts of an upload; returns the blob references they held (per blob, to release exactly once). */
  async deleteParts(uploadRowId: number): Promise<Map<string, number>> {
    const rows = await this.db.deleteFrom(this.table).where('upload_row_id', '=', uploadRowId).returning('blob_sha256').execute()
    const refs = new Map<string, number>()
    for (const r of rows) refs.set(r.blob_sha256, (refs.get(r.blob_sha256) ?? 0) + 1)
    return refs
  }
}
