import type { Container } from './container.ts'

const STAGING_GRACE_MS = 3_600_000

/**
 * Start-up recovery: whatever a crash left behind is either resumed or removed.
 * - staging files of uploads that never committed are deleted;
 * - on the embedded engine only this process runs tasks, so leases held by the dead process are released at once
 *   (with several workers, expired leases are taken over instead);
 * - blobs queued for deletion are deleted.
 */
export async function recoverAtStartup(c: Container): Promise<{ stagingRemoved: number; leasesReleased: number; blobsFreed: number }> {
  const stagingRemoved = await c.blobs.sweepStaging(STAGING_GRACE_MS)
  const leasesReleased = c.database.kit.capabilities.concurrentWriters ? 0 : await c.store.repos.tasks.releaseAllLeases()
  const blobsFreed = await c.gc.collect()
  return { stagingRemoved, leasesReleased, blobsFreed }
}
