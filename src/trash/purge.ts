import type { Store, Repos } from '../db/store.ts'
import type { Clock } from '../shared/clock.ts'
import type { RecycleEntry } from './recycle-entry.ts'
import type { AuditEvent } from '../audit/audit.repository.ts'
import type { BlobGarbageCollector } from '../blobs/blob-gc.ts'
import { finalState, type TaskState } from '../tasks/task.ts'
import type { TaskContext } from '../tasks/task-runner.ts'

export interface PurgeSettings {
  /** Entries per transaction for single-node entries. */
  entryBatch: number
  /** Descendant rows per transaction when purging a large folder. */
  nodeBatch: number
}

export const DEFAULT_PURGE_SETTINGS: PurgeSettings = { entryBatch: 1000, nodeBatch: 2000 }

/**
 * Frees recycle entries that are already `purging` (invisible). Works in keyset batches; each batch deletes rows,
 * releases blob references and quota in one transaction, so a crash replays at most the unfinished batch and
 * nothing is released twice. Blob bytes go after the rows (blob-gc), never before.
 */
export class TrashPurger {
  constructor(private readonly deps: { store: Store; clock: Clock; gc: BlobGarbageCollector; settings?: PurgeSettings; onPurged?: (entries: number) => void }) {}

  private get settings(): PurgeSettings {
    return this.deps.settings ?? DEFAULT_PURGE_SETTINGS
  }

  /**
   * Runs a purge task to its end. A cancel request returns the entries not yet started to the bin, but an entry whose
   * purge has begun (a folder with batches already committed) is always finished: nothing comes back half-deleted.
   */
  async run(taskId: number, ctx: TaskContext, action: AuditEvent['action'] = 'purge'): Promise<TaskState> {
    const { store } = this.deps
    let afterId = 0
    let cancelled = false
    for (;;) {
      const task = await store.repos.tasks.find(taskId)
      if (!task) return 'Failed'
      if (task.cancelRequested && !cancelled) {
        await this.cancelRemaining(taskId)
        cancelled = true
      }
      const entries = await store.repos.trash.nextPurging(taskId, afterId, this.settings.entryBatch)
      if (!entries.length) break
      const leaves = entries.filter((e) => e.kind === 'file')
      if (leaves.length) {
        const purged = await store.transaction((r) => this.finishEntries(r, taskId, leaves, action))
        this.deps.onPurged?.(purged)
      }
      for (const folder of entries.filter((e) => e.kind === 'folder')) {
        await this.purgeFolder(taskId, folder, ctx, action)
      }
      afterId = entries.at(-1)!.id
      await this.deps.gc.collect()
      await ctx.heartbeat()
    }
    await this.deps.gc.collect()
    if (cancelled) return 'Cancelled'
    const task = await store.repos.tasks.find(taskId)
    return task ? finalState(task) : 'Failed'
  }

  /** A folder entry: its descendants go in bounded batches, then the root and the entry. */
  private async purgeFolder(taskId: number, entry: RecycleEntry, ctx: TaskContext, action: AuditEvent['action']): Promise<void> {
    for (;;) {
      const purged = await this.deps.store.transaction(async (r) => {
        await r.spaces.lockForWrite([entry.spaceId])
        const batch = await r.nodes.purgeableDescendants(entry.rootNodeId, this.settings.nodeBatch)
        if (!batch.length) return this.finishEntries(r, taskId, [entry], action)
        await r.trash.markPurgeStarted(entry.id)
        const ids = batch.map((n) => n.id)
        await r.blobs.release(await r.nodes.deleteMany(ids), this.deps.clock.now())
        await r.albums.dropNodes(ids)
        return null
      })
      if (purged !== null) {
        this.deps.onPurged?.(purged)
        return
      }
      await ctx.heartbeat()
    }
  }

  /** Deletes entry rows and their root nodes, releasing quota exactly once (the guarded delete returns only what it took). */
  private async finishEntries(r: Repos, taskId: number, entries: RecycleEntry[], action: AuditEvent['action']): Promise<number> {
    const now = this.deps.clock.now()
    await r.spaces.lockForWrite(entries.map((e) => e.spaceId))
    const gone = await r.trash.deletePurged(entries.map((e) => e.id))
    if (!gone.length) return 0
    const roots = gone.map((e) => e.rootNodeId)
    await r.blobs.release(await r.nodes.deleteMany(roots), now)
    // Album membership ends only when the file is really gone; while in the bin it is just hidden.
    await r.albums.dropNodes(roots)
    const bytesBySpace = new Map<number, number>()
    for (const e of gone) bytesBySpace.set(e.spaceId, (bytesBySpace.get(e.spaceId) ?? 0) + e.sizeBytes)
    for (const [spaceId, bytes] of bytesBySpace) await r.spaces.adjust(spaceId, { trashBytes: -bytes })
    await r.tasks.addProgress(taskId, gone.length)
    const libraries = new Map<number, string>()
    for (const spaceId of bytesBySpace.keys()) libraries.set(spaceId, (await r.spaces.find(spaceId))?.libraryId ?? '')
    await r.audit.recordMany(
      gone.map((e) => ({
        libraryId: libraries.get(e.spaceId)!,
        spaceId: e.spaceId,
        actor: 'system',
        action,
        entryId: e.id,
        nodeId: e.rootNodeId,
        name: e.name,
        details: { path: e.originalPath, sizeBytes: e.sizeBytes, itemCount: e.itemCount, removedBy: e.removedBy, taskId },
        at: now,
      })),
    )
    return gone.length
  }

  private async cancelRemaining(taskId: number): Promise<void> {
    await this.deps.store.transaction(async (r) => {
      const bySpace = await r.trash.unmarkPurging(taskId)
      await r.spaces.lockForWrite([...bySpace.keys()])
      for (const [spaceId, n] of bySpace) await r.spaces.adjust(spaceId, { trashEntries: n })
    })
  }

  /** Retention: marks expired entries purging under this task (in chunks), then purges them like any other. */
  async runRetention(taskId: number, ctx: TaskContext, asOf: number): Promise<TaskState> {
    for (;;) {
      const marked = await this.deps.store.transaction(async (r) => {
        const bySpace = await r.trash.markExpiredPurging(asOf, taskId, 5000)
        await r.spaces.lockForWrite([...bySpace.keys()])
        let n = 0
        for (const [spaceId, k] of bySpace) {
          await r.spaces.adjust(spaceId, { trashEntries: -k })
          n += k
        }
        if (n) await r.tasks.addTotal(taskId, n)
        return n
      })
      if (!marked) break
      await ctx.heartbeat()
    }
    return this.run(taskId, ctx, 'retention-purge')
  }
}
