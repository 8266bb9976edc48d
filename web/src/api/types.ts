/** Wire shapes of the native API (/trove/v1), as the UI uses them. */
export interface Usage {
  quotaBytes: number | null
  usedBytes: number
  liveBytes: number
  trashBytes: number
  trashEntries: number
  availableBytes: number | null
}

export interface Space {
  id: string
  libraryId: string
  name: string
  rootFolderId: string
  quotaBytes: number | null
  retentionDays: number
  recycleBinEnabled: boolean
  hold: boolean
  usage: Usage
  createdAt: string
}

export interface Session {
  userId: string
  libraryId: string
  grants: string[]
  spaceIds: string[] | null
  csrfToken: string | null
  expiresAt: string | null
  spaces: Space[]
}

export interface DriveNode {
  id: string
  spaceId: string
  parentId: string | null
  name: string
  kind: 'folder' | 'file'
  sizeBytes: number
  itemCount: number
  contentType: string | null
  sha256: string | null
  createdBy: string | null
  createdAt: string
  modifiedAt: string
  path?: string
}

export interface NodePage {
  folder?: DriveNode
  items: DriveNode[]
  nextCursor: string | null
}

export interface Entry {
  id: string
  spaceId: string
  nodeId: string
  name: string
  kind: 'folder' | 'file'
  sizeBytes: number
  itemCount: number
  originalParentId: string
  originalPath: string
  modifiedAt: string
  removedAt: string
  removedBy: string
  expiresAt: string
  remainingDays: number
  held: boolean
}

export interface EntryPage {
  items: Entry[]
  total: number
  nextCursor: string | null
}

export interface RestoreOutcome {
  entryId: string
  status: 'restored' | 'failed'
  nodeId?: string
  parentId?: string
  name?: string
  path?: string
  renamed?: boolean
  parentRecreated?: boolean
  restoredToRoot?: boolean
  error?: { code: string; message: string }
}

export interface PurgeAccepted {
  taskId: string | null
  accepted: string[]
  rejected: { entryId: string; code: string; message: string }[]
}

export type TaskState = 'Running' | 'Succeed' | 'PartialSucceed' | 'Failed' | 'Cancelled'

export interface Task {
  id: string
  kind: string
  spaceId: string | null
  state: TaskState
  total: number
  done: number
  failed: number
  failures: { item: string; code: string; message: string }[]
  cancelRequested: boolean
  createdBy: string
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
}

export interface Album {
  id: string
  spaceId: string
  name: string
  itemCount: number
  coverNodeId: string | null
  createdBy: string
  createdAt: string
  modifiedAt: string
}

export type AlbumItem = DriveNode & { addedAt: string }
