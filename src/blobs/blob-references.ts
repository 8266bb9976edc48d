/**
 * Every table column that holds a reference on a blob (one row = one reference, counted in `blobs.ref_count`).
 * fsck checks counts against these rows and a backup copies the blobs they name: a new table that references blobs is
 * added here, and only here.
 */
export const BLOB_REFERENCE_SOURCES: readonly { table: string; column: string; nullable: boolean }[] = [
  { table: 'nodes', column: 'blob_sha256', nullable: true },
  { table: 'multipart_upload_parts', column: 'blob_sha256', nullable: false },
  { table: 'part_upload_parts', column: 'blob_sha256', nullable: false },
  { table: 'upload_sessions', column: 'blob_sha256', nullable: true },
]

/** `select <column> as sha from <table> [where <column> is not null]` for one source (names are constants above). */
export function referenceSelect(source: (typeof BLOB_REFERENCE_SOURCES)[number]): string {
  return `select ${source.column} as sha from ${source.table}${source.nullable ? ` where ${source.column} is not null` : ''}`
}
