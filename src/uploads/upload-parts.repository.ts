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

/** The parts tables, one per upload kind, with the same columns: `upload_row_id` is the upload's row id. */
export type PartsTable = 'multipart_upload_parts' | 'part_upload_parts'
type PartsTables = { multipart_upload_parts: MultipartUploadPartsTable } & Tables007

/**
 * The SQL of part rows, shared by the repositories of both upload kinds sent in parts (`MultipartUploadsRepository`,
 * `PartUploadsRepository`), so storing, listing and releasing parts has one implementation. Deletions return the blob
 * references they held (RETURNING), so each reference is released exactly once whoever else deletes concurrently.
 */
export class UploadPartRows {
  private readonly db: Kysely<DB & PartsTables>
  /** Both tables have the same row type; the builder is typed with one of them (see PartsTable). */
  private readonly table: 'part_upload_parts'

  constructor(db: Db, table: PartsTable) {
    this.db = db.withTables<PartsTables>()
    this.table = table as 'part_upload_parts'
  }

  /** Stores a part; returns the blob of the part it replaced (to release), or null. */
  async put(uploadRowId: number, part: UploadPart): Promise<string | null> {
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
  async list(uploadRowId: number): Promise<UploadPart[]> {
    const rows = await this.db.selectFrom(this.table).selectAll().where('upload_row_id', '=', uploadRowId).orderBy('part_number').execute()
    return rows.map((r) => ({ partNumber: Number(r.part_number), sizeBytes: Number(r.size_bytes), sha256: r.blob_sha256, uploadedAt: Number(r.uploaded_at) }))
  }

  /** Deletes the parts of an upload; returns the blob references they held (per blob, to release exactly once). */
  async deleteAll(uploadRowId: number): Promise<Map<string, number>> {
    const rows = await this.db.deleteFrom(this.table).where('upload_row_id', '=', uploadRowId).returning('blob_sha256').execute()
    const refs = new Map<string, number>()
    for (const r of rows) refs.set(r.blob_sha256, (refs.get(r.blob_sha256) ?? 0) + 1)
    return refs
  }
}
