import type { EntryState, NodeKind } from '../db/schema.ts'

/** One trash action: the root it removed, where it was, and what it holds. */
export interface RecycleEntry {
  id: number
  spaceId: number
  rootNodeId: number
  name: string
  kind: NodeKind
  sizeBytes: number
  itemCount: number
  originalParentId: number
  /** Path of the root when it was trashed, e.g. `/photos/2024/beach.jpg`. */
  originalPath: string
  modifiedAt: number
  removedAt: number
  removedBy: string
  expiresAt: number
  state: EntryState
  held: boolean
  purgeTaskId: number | null
}

export type TrashSortKey = 'name' | 'modified' | 'size' | 'removed' | 'remaining'
/** Every key the bin can be listed by: the above, plus original location and remover (the web UI's bin table). */
export type BinSortKey = TrashSortKey | 'path' | 'removedBy'

export interface TrashFilter {
  nameContains?: string
  removedFrom?: number
  removedTo?: number
  removedBy?: string
  originalParentId?: number
}
