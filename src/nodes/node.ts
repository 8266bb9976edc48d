import type { NodeKind, NodeState } from '../db/schema.ts'

/** A folder or a file in a space, as the core sees it. */
export interface DriveNode {
  id: number
  spaceId: number
  parentId: number | null
  name: string
  kind: NodeKind
  state: NodeState
  /** File: its size. Folder: bytes of the live files below it. */
  sizeBytes: number
  /** Folder: number of live nodes below it. File: 0. */
  itemCount: number
  contentType: string | null
  blobSha256: string | null
  recycleEntryId: number | null
  createdBy: string | null
  createdAt: number
  modifiedAt: number
}

export type NodeSortKey = 'name' | 'size' | 'modified' | 'created'
export type SortOrder = 'asc' | 'desc'

export type ConflictPolicy = 'fail' | 'rename' | 'overwrite'

/** The value a keyset cursor records for a node under a given sort. */
export function sortKeyOf(n: DriveNode, sort: NodeSortKey): string | number {
  switch (sort) {
    case 'name':
      return n.name
    case 'size':
      return n.sizeBytes
    case 'modified':
      return n.modifiedAt
    case 'created':
      return n.createdAt
  }
}
