import type { Generated } from 'kysely'

/**
 * The Kysely view of the metadata schema. Times are epoch milliseconds (UTC) in 64-bit integers and booleans
 * are 0/1 integers, so the same queries run unchanged on SQLite and PostgreSQL.
 */
export interface LibrariesTable {
  id: string
  name: string
  secret_hash: string
  multi_space: number
  created_at: number
}

export interface SpacesTable {
  id: Generated<number>
  library_id: string
  name: string
  owner_id: string | null
  root_node_id: number | null
  quota_bytes: number | null
  retention_days: number
  recycle_enabled: number
  hold: number
  live_bytes: number
  trash_bytes: number
  trash_entries: number
  created_at: number
}

export interface UsersTable {
  library_id: string
  id: string
  password_hash: string | null
  created_at: number
}

export interface TokensTable {
  token_hash: string
  library_id: string
  user_id: string
  space_ids: string | null
  grants: string
  period_seconds: number
  expires_at: number
  created_at: number
}

export type NodeKind = 'folder' | 'file'
/** `live` nodes are in the tree; a `trashed` node is the root of a recycle entry, purging or not (its descendants stay `live` but unreachable). */
export type NodeState = 'live' | 'trashed'

export interface NodesTable {
  id: Generated<number>
  space_id: number
  parent_id: number | null
  name: string
  kind: NodeKind
  state: NodeState
  /** For a file its size; for a folder the bytes of the live files below it (maintained, so trash stays O(1)). */
  size_bytes: number
  /** For a folder the number of live nodes below it; 0 for a file. */
  item_count: number
  content_type: string | null
  blob_sha256: string | null
  recycle_entry_id: number | null
  created_by: string | null
  created_at: number
  modified_at: number
}

/** Closure table: one row per (node, ancestor-or-self). Lets "is any ancestor trashed?" cost O(depth) for any node. */
export interface NodeAncestorsTable {
  node_id: number
  ancestor_id: number
  depth: number
}

export interface BlobsTable {
  sha256: string
  size_bytes: number
  ref_count: number
  created_at: number
}

/** Blobs whose reference count reached zero; their bytes are deleted after the transaction that freed them. */
export interface BlobGcTable {
  sha256: string
  queued_at: number
}

export type EntryState = 'trashed' | 'purging'

export interface RecycleEntriesTable {
  id: Generated<number>
  space_id: number
  root_node_id: number
  name: string
  kind: NodeKind
  size_bytes: number
  item_count: number
  original_parent_id: number
  original_path: string
  modified_at: number
  removed_at: number
  removed_by: string
  expires_at: number
  state: EntryState
  held: number
  purge_task_id: number | null
  purge_started: Generated<number>
}

export type TaskState = 'Running' | 'Succeed' | 'PartialSucceed' | 'Failed' | 'Cancelled'

export interface TasksTable {
  id: Generated<number>
  library_id: string
  space_id: number | null
  kind: string
  state: TaskState
  payload: string
  total: number
  done: number
  failed: number
  failures: string
  created_by: string
  created_at: number
  started_at: number | null
  finished_at: number | null
  run_at: number
  lease_owner: string | null
  lease_until: number | null
  attempts: number
  dedupe_key: string | null
  cancel_requested: number
}

export interface AuditEventsTable {
  id: Generated<number>
  library_id: string
  space_id: number | null
  actor: string
  action: string
  entry_id: number | null
  node_id: number | null
  name: string | null
  details: string
  at: number
}

export interface AlbumsTable {
  id: Generated<number>
  space_id: number
  name: string
  created_by: string
  created_at: number
  modified_at: number
  /** Next position to hand out, so appends never need MAX(position). */
  next_position: number
}

export interface AlbumItemsTable {
  album_id: number
  node_id: number
  position: number
  added_at: number
}

export interface DB {
  albums: AlbumsTable
  album_items: AlbumItemsTable
  libraries: LibrariesTable
  spaces: SpacesTable
  users: UsersTable
  tokens: TokensTable
  nodes: NodesTable
  node_ancestors: NodeAncestorsTable
  blobs: BlobsTable
  blob_gc: BlobGcTable
  recycle_entries: RecycleEntriesTable
  tasks: TasksTable
  audit_events: AuditEventsTable
}

/**
 * Table of migration 007 (see migrations/007-part-blobs.ts): the parts of `part_uploads`, one row per part, each holding
 * one reference on the blob with its bytes. Repositories reach it through `db.withTables<Tables007>()`.
 */
export interface PartUploadPartsTable {
  upload_row_id: number
  part_number: number
  size_bytes: number
  blob_sha256: string
  uploaded_at: number
}

export type Tables007 = {
  part_upload_parts: PartUploadPartsTable
}

/**
 * Table of migration 008 (see migrations/008-sign-in-throttle.ts): password-guessing counters, one row per user name
 * (within a library) or client address. Repositories reach it through `db.withTables<Tables008>()`.
 */
export interface SignInThrottleTable {
  /** `user:` + SHA-256 (hex) of library id and user name, or `ip:` + the client address. */
  key: string
  /** Attempts of the current run that have not succeeded (one in flight counts until it is known to have succeeded). */
  failures: number
  /** When the current count began (the start of the per-address window). */
  window_started_at: number
  last_attempt_at: number
  /** No attempt is checked before this instant (0: not blocked). */
  blocked_until: number
}

export type Tables008 = {
  sign_in_throttle: SignInThrottleTable
}
