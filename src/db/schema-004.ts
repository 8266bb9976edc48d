import type { Generated, Kysely } from 'kysely'
import type { DB } from './schema.ts'

/** Tables of migration 004 (see migrations/004-koodrive.ts). Repositories reach them through `db.withTables<Tables004>()`. */
export type PartUploadState = 'open' | 'completing' | 'done'

export type PartUploadsTable = {
  id: Generated<number>
  library_id: string
  space_id: number
  parent_id: number
  name: string
  size_bytes: number
  sha256: string | null
  content_type: string | null
  on_conflict: string
  part_size: number
  part_count: number
  /** `open` while parts may arrive; `completing` while one request assembles it; `done` once it became node `node_id`. */
  state: PartUploadState
  node_id: number | null
  created_by: string
  created_at: number
  expires_at: number
}

export type Tables004 = {
  part_uploads: PartUploadsTable
}

export type Db004 = Kysely<DB & Tables004>
