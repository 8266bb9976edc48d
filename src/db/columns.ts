import type { DB } from './schema.ts'

/**
 * Every column of a table, spelled out, for the hot statements: a statement without `*` keeps its result columns
 * when a migration adds a column, so PostgreSQL may keep it prepared (see dialects/postgres.ts). Compiles only when
 * the list names every column of the table, so a new column cannot be forgotten here.
 */
export function allColumns<T extends keyof DB>() {
  return <const C extends readonly (keyof DB[T] & string)[]>(
    ...columns: C & ([Exclude<keyof DB[T] & string, C[number]>] extends [never] ? unknown : { missingColumns: Exclude<keyof DB[T] & string, C[number]> })
  ): C => columns
}

export const TOKEN_COLUMNS = allColumns<'tokens'>()('token_hash', 'library_id', 'user_id', 'space_ids', 'grants', 'period_seconds', 'expires_at', 'created_at')

export const SPACE_COLUMNS = allColumns<'spaces'>()(
  'id',
  'library_id',
  'name',
  'owner_id',
  'root_node_id',
  'quota_bytes',
  'retention_days',
  'recycle_enabled',
  'hold',
  'live_bytes',
  'trash_bytes',
  'trash_entries',
  'created_at',
)

export const NODE_COLUMNS = allColumns<'nodes'>()(
  'id',
  'space_id',
  'parent_id',
  'name',
  'kind',
  'state',
  'size_bytes',
  'item_count',
  'content_type',
  'blob_sha256',
  'recycle_entry_id',
  'created_by',
  'created_at',
  'modified_at',
)

export const RECYCLE_ENTRY_COLUMNS = allColumns<'recycle_entries'>()(
  'id',
  'space_id',
  'root_node_id',
  'name',
  'kind',
  'size_bytes',
  'item_count',
  'original_parent_id',
  'original_path',
  'modified_at',
  'removed_at',
  'removed_by',
  'expires_at',
  'state',
  'held',
  'purge_task_id',
  'purge_started',
)
