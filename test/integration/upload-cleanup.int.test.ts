import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { makeHarness, readAll, blobFiles, body } from '../support/harness.ts'
import { rejectsWith, sha256 } from '../support/purge-helpers.ts'
import { DiskBlobStore } from '../../src/blobs/disk-blob-store.ts'
import type { BlobStore } from '../../src/blobs/blob-store.ts'

/** A promise the test resolves when it chooses: lets it pin one interleaving of two uploads. */
function gate() {
  let open!: () => void
  const opened = new Promise<void>((r) => (open = r))
  return { open, opened }
}

/**
 * A disk store whose first publish and first delete wait for the test. Deleting over a slow link (S3, NFS) takes
 * time; the gate makes that time long enough for a concurrent upload to commit in between, deterministically.
 */
function gatedStore(rootDir: string) {
  const inner = new DiskBlobStore({ rootDir })
  const publishGate = gate()
  const deleteGate = gate()
  const deleteStarted = gate()
  const publishReached = gate()
  let publishes = 0
  let deletes = 0
  const store: BlobStore = {
    stage: (b, o) => inner.stage(b, o),
    publish: async (s) => {
      if (publishes++ === 0) {
        publishReached.open()
        await publishGate.opened
      }
      return inner.publish(s)
    },
    discard: (s) => inner.discard(s),
    get: (k, r) => inner.get(k, r),
    stat: (k) => inner.stat(k),
    delete: async (k) => {
      if (deletes++ === 0) {
        deleteStarted.open()
        await deleteGate.opened
      }
      return inner.delete(k)
    },
    list: () => inner.list(),
    sweepStaging: (ms) => inner.sweepStaging(ms),
  }
  return { store, publishGate, publishReached, deleteGate, deleteStarted }
}

test("a failed upload's cleanup never deletes bytes that a concurrent upload of the same content committed", async () => {
  const blobRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'trove-gated-'))
  const g = gatedStore(path.join(blobRoot, 'blobs'))
  const h = await makeHarness({ container: { blobs: g.store } })
  try {
    const X = 'identical content'
    // B passes the name pre-check, then waits before publishing; meanwhile `n` is taken, so B's commit will fail.
    const b = h.c.nodes.upload(h.admin, h.spaceId, { parentId: 'root', name: 'n', body: body(X) })
    const bRefused = rejectsWith(b, 'node.name_conflict') // observed from the start: B settles while A is in flight
    await g.publishReached.opened
    await h.c.nodes.createFolder(h.admin, h.spaceId, 'root', 'n')
    g.publishGate.open()
    // B failed and queued X's unreferenced bytes; the GC is deleting them (slowly).
    await g.deleteStarted.opened
    // A uploads the same content meanwhile. Its publish finds the bytes still there; its commit must wait for the
    // cleanup (which holds the blob row while deleting), and then it republishes its own staged copy.
    const pendingA = h.c.nodes.upload(h.admin, h.spaceId, { parentId: 'root', name: 'a', body: body(X) })
    await new Promise((r) => setTimeout(r, 50))
    g.deleteGate.open()
    const a = await pendingA
    await bRefused

    assert.equal(await h.c.store.repos.blobs.refCount(sha256(X)), 1)
    assert.deepEqual(await blobFiles(blobRoot), [sha256(X)], 'committed row without its bytes')
    const dl = await h.c.nodes.download(h.admin, h.spaceId, String(a.id))
    assert.equal((await readAll(dl.body)).toString(), X)
  } finally {
    await h.close()
    await fs.rm(blobRoot, { recursive: true, force: true })
  }
})
