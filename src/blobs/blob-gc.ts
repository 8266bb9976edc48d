import type { Store } from '../db/store.ts'
import type { Clock } from '../shared/clock.ts'
import type { BlobStore } from './blob-store.ts'
import { forEachConcurrent } from '../shared/pool.ts'

/** Deletes in flight at once: an unlink or an S3 DELETE is latency, not work, so a purge waits on many together. */
const DELETE_CONCURRENCY = 32

/**
 * Deletes the bytes of blobs nobody references. The bytes are removed inside the transaction that deletes the row,
 * so an upload re-referencing the same content waits for it and then republishes its own copy.
 */
export class BlobGarbageCollector {
  constructor(private readonly deps: { store: Store; blobs: BlobStore; clock: Clock }) {}

  async collect(batch = 500): Promise<number> {
    let freed = 0
    for (;;) {
      const queued = await this.deps.store.repos.blobs.gcQueue(batch)
      if (!queued.length) return freed
      freed += await this.deps.store.transaction(async (r) => {
        const dead = await r.blobs.takeUnreferenced(queued)
        await forEachConcurrent(dead, DELETE_CONCURRENCY, (sha) => this.deps.blobs.delete(sha))
        return dead.length
      })
      if (queued.length < batch) return freed
    }
  }

  /**
   * Removes stored bytes that no row references and that are older than the grace period (left by a crash between
   * publishing bytes and committing the row). Returns the keys removed.
   */
  async sweepOrphans(graceMs: number): Promise<string[]> {
    const cutoff = this.deps.clock.now() - graceMs
    const removed: string[] = []
    for await (const blob of this.deps.blobs.list()) {
      if (blob.modifiedAtMs > cutoff) continue
      if (await this.deps.store.repos.blobs.exists(blob.key)) continue
      await this.deps.store.transaction(async (r) => {
        if (!(await r.blobs.exists(blob.key))) {
          await this.deps.blobs.delete(blob.key)
          removed.push(blob.key)
        }
      })
    }
    return removed
  }
}
