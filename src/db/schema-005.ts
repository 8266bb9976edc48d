import type { Kysely } from 'kysely'
import type { DB } from './schema.ts'

/** Tables of migration 005 (see migrations/005-smh.ts). Repositories reach them through `db.withTables<Tables005>()`. */
export type UploadSessionsTable = {
  id: string
  library_id: string
  space_id: number
  parent_id: number
  name: string
  on_conflict: string
  declared_size: number | null
  /** `pending` until the bytes arrived, then `uploaded`. */
  state: string
  blob_sha256: string | null
  size_bytes: number | null
  crc64: string | null
  content_type: string | null
  created_by: string
  created_at: number
  expires_at: number
}

export type BlobChecksumsTable = {
  sha256: string
  crc64: string
}

/** One installation-wide secret for signed links (row id 1). */
export type SigningKeysTable = {
  id: number
  secret: string
  created_at: number
}

export type TaskResultsTable = {
  task_id: number
  result: string
}

export type Tables005 = {
  upload_sessions: UploadSessionsTable
  blob_checksums: BlobChecksumsTable
  task_results: TaskResultsTable
  signing_keys: SigningKeysTable
}

export type Db005 = Kysely<DB & Tables005>
