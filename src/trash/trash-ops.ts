import type { Repos } from '../db/store.ts'
import { DomainError } from '../shared/errors.ts'
import type { DriveNode } from '../nodes/node.ts'
import type { Space } from '../spaces/spaces.repository.ts'
import { expiresAt } from './retention.ts'
import type { RecycleEntry } from './recycle-entry.ts'

export const PURGE_TASK_KIND = 'trash.purge'

export interface TrashResult {
  entry: RecycleEntry
  /** Set when the node went straight to purging (permanent delete, or the bin is disabled). */
  purgeTaskId: number | null
}

/**
 * Takes a visible node out of the tree inside the caller's transaction. Touches only the root, its ancestors'
 * counters (O(depth)) and the space counters: never the descendants. The bytes stay charged to the space until purged.
 */
export async function trashNode(
  r: Repos,
  ctx: { space: Space; node: DriveNode; userId: string; now: number; permanent: boolean; /** when the caller already has them */ pathNames?: string[] },
): Promise<TrashResult> {
  const { space, node, now } = ctx
  if (node.parentId === null) throw new DomainError('node.root_immutable', 'The root folder of a space cannot be deleted')
  const purgeNow = ctx.permanent || !space.recycleBinEnabled
  const names = ctx.pathNames ?? (await r.nodes.pathNames(node.id))
  let purgeTaskId: number | null = null
  if (purgeNow) {
    purgeTaskId = await r.tasks.insert({ libraryId: space.libraryId, spaceId: Number(space.id), kind: PURGE_TASK_KIND, total: 1, createdBy: ctx.userId, now })
  }
  const entryFields: Omit<RecycleEntry, 'id'> = {
    spaceId: Number(space.id),
    rootNodeId: node.id,
    name: node.name,
    kind: node.kind,
    sizeBytes: node.sizeBytes,
    itemCount: node.itemCount + 1,
    originalParentId: node.parentId,
    originalPath: '/' + names.join('/'),
    modifiedAt: node.modifiedAt,
    removedAt: now,
    removedBy: ctx.userId,
    expiresAt: expiresAt(now, space.retentionDays),
    state: purgeNow ? 'purging' : 'trashed',
    held: false,
    purgeTaskId,
  }
  // The root is `trashed` whatever the entry's state: the entry alone says whether it is being purged, so a cancelled
  // purge only has to flip the entry back.
  const entryId = await r.binWrites.trash({
    entry: entryFields,
    root: { id: node.id, parentId: node.parentId, from: 'live', to: 'trashed', bytes: -node.sizeBytes, items: -(node.itemCount + 1), now },
    space: { liveBytes: -node.sizeBytes, trashBytes: node.sizeBytes, trashEntries: purgeNow ? 0 : 1 },
    audit: {
      libraryId: space.libraryId,
      spaceId: Number(space.id),
      actor: ctx.userId,
      action: purgeNow ? 'delete' : 'trash',
      nodeId: node.id,
      name: node.name,
      details: { path: entryFields.originalPath, sizeBytes: node.sizeBytes, itemCount: entryFields.itemCount, ...(purgeTaskId ? { taskId: purgeTaskId } : {}) },
      at: now,
    },
  })
  if (entryId === null) throw new DomainError('node.not_found', `Node ${node.id} was removed by another request`, { id: String(node.id) })
  return { entry: { id: entryId, ...entryFields }, purgeTaskId }
}
