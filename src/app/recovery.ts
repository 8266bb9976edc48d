import fs from 'node:fs'
import path from 'node:path'
import type { Container } from './container.ts'

const STAGING_GRACE_MS = 3_600_000
/** Where builds before migration 007 kept the parts of KooDrive part uploads, on the node's own disk. */
const LEGACY_PART_UPLOADS_DIR = 'part-uploads'

/**
 * Start-up recovery: whatever a crash left behind is either resumed or removed.
 * - staging files of uploads that never committed are deleted;
 * - the node-local part directory of older builds is deleted: parts now live in the blob store (migration 007), and an
 *   upload begun before the upgrade is answered "incomplete" and expires;
 * - on the embedded engine only this process runs tasks, so leases held by the dead process are released at once
 *   (with several workers, expired leases are taken over instead);
 * - blobs queued for deletion are deleted;
 * - after a crash on the embedded engine, blobs published by uploads that never committed their row are deleted
 *   (nothing can be in flight before this process listens; a clean start skips the walk over every blob).
 */
export async function recoverAtStartup(c: Container): Promise<{ stagingRemoved: number; leasesReleased: number; blobsFreed: number; orphansRemoved: number; markCleanShutdown(): void }> {
  const embedded = !c.database.kit.capabilities.concurrentWriters
  const marker = path.join(c.config.dataDir, 'trove.running')
  const crashed = fs.existsSync(marker)
  const stagingRemoved = await c.blobs.sweepStaging(STAGING_GRACE_MS)
  await fs.promises.rm(path.join(c.config.dataDir, LEGACY_PART_UPLOADS_DIR), { recursive: true, force: true })
  const leasesReleased = embedded ? await c.store.repos.tasks.releaseAllLeases() : 0
  const blobsFreed = await c.gc.collect()
  const orphansRemoved = embedded && crashed ? (await c.gc.sweepOrphans(0)).length : 0
  fs.writeFileSync(marker, `${process.pid}\n`)
  return { stagingRemoved, leasesReleased, blobsFreed, orphansRemoved, markCleanShutdown: () => fs.rmSync(marker, { force: true }) }
}
