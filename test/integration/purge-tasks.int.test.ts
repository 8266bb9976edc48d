import { test } from 'node:test'
import assert from 'node:assert/strict'
import { makeHarness, upload, mkdir, readAll, blobFiles, type Harness } from '../support/harness.ts'
import { assertConsistent, registeredHandler, rejectsWith, sha256, trash, uploadMany, usage } from '../support/purge-helpers.ts'
import { buildContainer } from '../../src/app/container.ts'
import { recoverAtStartup } from '../../src/app/recovery.ts'
import { TrashPurger } from '../../src/trash/purge.ts'
import { PURGE_TASK_KIND } from '../../src/trash/trash-ops.ts'

const SMALL = { entryBatch: 2, nodeBatch: 3 }

test('cancelling an empty-bin task before it runs puts its entries back in the bin', async () => {
  const h = await makeHarness()
  try {
    const files = await uploadMany(h, 'root', 5, 'c', 6)
    const ids: string[] = []
    for (const f of files) ids.push(await trash(h, f.id))
    const { taskId, entries } = await h.c.trash.emptyTrash(h.admin, h.spaceId)
    assert.equal(entries, 5)
    assert.equal((await h.c.trash.list(h.admin, h.spaceId)).total, 0)
    const cancelled = await h.c.tasks.cancel(h.admin, String(taskId))
    assert.equal(cancelled.cancelRequested, true)

    await h.c.runner.drain()
    const t = await h.c.tasks.get(h.admin, String(taskId))
    assert.deepEqual([t.state, t.total, t.done], ['Cancelled', 5, 0])
    const bin = await h.c.trash.list(h.admin, h.spaceId)
    assert.equal(bin.total, 5)
    assert.deepEqual(bin.items.map((i) => String(i.id)).sort(), [...ids].sort())
    assert.ok(bin.items.every((i) => i.state === 'trashed' && i.purgeTaskId === null))
    assert.equal((await blobFiles(h.dataDir)).length, 5)
    await assertConsistent(h)

    const [out] = await h.c.trash.restore(h.admin, h.spaceId, [ids[0]])
    assert.equal(out.status, 'restored', JSON.stringify(out))
    const dl = await h.c.nodes.download(h.admin, h.spaceId, files[0].id)
    assert.equal((await readAll(dl.body)).toString(), files[0].content)
    assert.equal((await h.c.trash.list(h.admin, h.spaceId)).total, 4)
    await assertConsistent(h)
  } finally {
    await h.close()
  }
})

test('a finished task is not cancellable; a task of another library does not exist', async () => {
  const h = await makeHarness()
  try {
    const { taskId } = await h.c.trash.emptyTrash(h.admin, h.spaceId)
    await rejectsWith(h.c.tasks.cancel(h.admin, String(taskId)), 'task.not_cancellable')
    const f = await upload(h, 'root', 'f', 'ff')
    const del = await h.c.trash.deleteEntries(h.admin, h.spaceId, [await trash(h, f.id)])
    await h.c.runner.drain()
    await rejectsWith(h.c.tasks.cancel(h.admin, String(del.taskId)), 'task.not_cancellable')
    const other = await h.c.libraries.create({ name: 'other' })
    const stranger = { libraryId: other.libraryId, userId: 'x', grants: ['admin' as const], spaceIds: null }
    await rejectsWith(h.c.tasks.get(stranger, String(taskId)), 'task.not_found')
    await rejectsWith(h.c.tasks.cancel(stranger, String(del.taskId)), 'task.not_found')
  } finally {
    await h.close()
  }
})

test('cancelling a running purge stops at an entry boundary: done entries stay purged, the rest return', async () => {
  const h = await makeHarness({ container: { purge: SMALL } })
  try {
    const files = await uploadMany(h, 'root', 6, 'r', 4)
    for (const f of files) await trash(h, f.id)
    const { taskId } = await h.c.trash.emptyTrash(h.admin, h.spaceId)
    // The real handler, asked for cancellation after its first batch, as a user would mid-run.
    const real = registeredHandler(h.c, PURGE_TASK_KIND)
    h.c.runner.register(PURGE_TASK_KIND, (task, ctx) =>
      real(task, {
        ...ctx,
        heartbeat: async () => {
          await ctx.heartbeat()
          await h.c.tasks.cancel(h.admin, String(task.id))
        },
      }),
    )
    await h.c.runner.drain()
    const t = await h.c.tasks.get(h.admin, String(taskId))
    assert.deepEqual([t.state, t.total, t.done], ['Cancelled', 6, 2])
    assert.equal((await h.c.trash.list(h.admin, h.spaceId)).total, 4)
    assert.deepEqual(await usage(h), { quotaBytes: null, usedBytes: 16, liveBytes: 0, trashBytes: 16, trashEntries: 4, availableBytes: null })
    await assertConsistent(h)
  } finally {
    await h.close()
  }
})

/**
 * Builds a bin whose purge touches shared blobs: a live file and two files inside the trashed folder share content S,
 * two files in the folder share content T, and single-file entries come first so the crash lands inside the folder.
 */
async function crashFixture(h: Harness) {
  const keep = await upload(h, 'root', 'keep.bin', 'SSSS')
  const singles = await uploadMany(h, 'root', 4, 'single', 9)
  const dir = await mkdir(h, 'root', 'dir')
  const sub = await h.c.nodes.createFolder(h.admin, h.spaceId, String(dir.id), 'sub')
  await upload(h, String(dir.id), 's1', 'SSSS')
  await upload(h, String(sub.id), 's2', 'SSSS')
  await upload(h, String(dir.id), 't1', 'TTTTTT')
  await upload(h, String(sub.id), 't2', 'TTTTTT')
  await uploadMany(h, String(sub.id), 12, 'deep', 11)
  for (const s of singles) await trash(h, s.id)
  await trash(h, dir.id)
  const { taskId, entries } = await h.c.trash.emptyTrash(h.admin, h.spaceId)
  assert.equal(entries, 5)
  return { keep, taskId }
}

test('crash mid-purge: a new container on the same data dir recovers and finishes with exact accounting', async () => {
  const h = await makeHarness({ container: { purge: SMALL } })
  let c2: Awaited<ReturnType<typeof buildContainer>> | undefined
  try {
    const { keep, taskId } = await crashFixture(h)
    const nodesBefore = await h.c.store.repos.nodes.countSpaceNodes(Number(h.spaceId))

    // The dying worker: holds the lease, commits some batches, never gets to blob GC, then stops dead at a heartbeat.
    const [claimed] = await h.c.store.repos.tasks.claim('dead-worker', h.clock.now(), 30_000, 1)
    assert.equal(claimed.id, taskId)
    h.c.gc.collect = async () => 0
    let beats = 0
    const crash = new Error('simulated crash')
    const ctx = {
      taskId,
      heartbeat: async () => {
        if (++beats === 5) throw crash
      },
    }
    const task = (await h.c.store.repos.tasks.find(taskId))!
    await assert.rejects(registeredHandler(h.c, PURGE_TASK_KIND)({ id: taskId, payload: task.payload }, ctx), (e) => e === crash)

    // Partial progress is durable: the singles are done, the folder is half deleted, its bytes still charged.
    const mid = await h.c.store.repos.tasks.find(taskId)
    assert.deepEqual([mid!.state, mid!.total, mid!.done], ['Running', 5, 4])
    const nodesMid = await h.c.store.repos.nodes.countSpaceNodes(Number(h.spaceId))
    assert.ok(nodesMid < nodesBefore - 4 && nodesMid > 2, `folder partially purged (${nodesBefore} → ${nodesMid})`)
    const queued = (await h.c.database.db.selectFrom('blob_gc').select('sha256').execute()).length
    assert.ok(queued > 0, 'some blobs are waiting for GC')
    await h.c.close()

    // Same data dir and same metadata database (its config), fresh process state.
    c2 = await buildContainer(h.c.config, { clock: h.clock, purge: SMALL })
    const multiWriter = c2.database.kit.capabilities.concurrentWriters
    // Embedded engine: the dead lease is released at start-up; with several writers it must expire first.
    if (multiWriter) h.clock.advance(h.c.config.jobs.leaseMs + 1)
    const rec = await recoverAtStartup(c2)
    assert.equal(rec.leasesReleased, multiWriter ? 0 : 1)
    assert.equal(rec.blobsFreed, queued)
    assert.equal(await c2.runner.drain(), 1)

    const h2: Harness = { ...h, c: c2 }
    const t = await c2.tasks.get(h.admin, String(taskId))
    assert.deepEqual([t.state, t.total, t.done, t.failed], ['Succeed', 5, 5, 0])
    assert.equal(await c2.store.repos.nodes.countSpaceNodes(Number(h.spaceId)), 2, 'root and keep.bin remain')
    assert.equal(await c2.store.repos.blobs.refCount(sha256('SSSS')), 1)
    assert.equal(await c2.store.repos.blobs.refCount(sha256('TTTTTT')), null)
    assert.deepEqual(await blobFiles(h.dataDir), [sha256('SSSS')])
    const dl = await c2.nodes.download(h.admin, h.spaceId, String(keep.id))
    assert.equal((await readAll(dl.body)).toString(), 'SSSS')
    assert.deepEqual(await c2.spaces.usage(h.admin, h.spaceId), { quotaBytes: null, usedBytes: 4, liveBytes: 4, trashBytes: 0, trashEntries: 0, availableBytes: null })
    // One purge event per entry: the replayed folder was not recorded (or released) twice.
    assert.equal((await c2.audit.list(h.admin, h.spaceId, { action: 'purge' })).length, 5)
    await assertConsistent(h2)
  } finally {
    await c2?.close()
    await h.close() // closes the first container again (a no-op) and drops the data dir / test schema
  }
})

test('a purge handler that fails transiently is retried after backoff and finishes exactly once', async () => {
  const h = await makeHarness({ container: { purge: SMALL } })
  try {
    const { keep, taskId } = await crashFixture(h)
    const real = registeredHandler(h.c, PURGE_TASK_KIND)
    let beats = 0
    h.c.runner.register(PURGE_TASK_KIND, (task, ctx) =>
      real(task, {
        ...ctx,
        heartbeat: async () => {
          await ctx.heartbeat()
          if (++beats === 4) throw new Error('disk hiccup')
        },
      }),
    )
    assert.equal(await h.c.runner.drain(), 1)
    assert.equal((await h.c.tasks.get(h.admin, String(taskId))).state, 'Running')
    // Not claimable before the backoff elapses, then it resumes.
    assert.equal(await h.c.runner.runOnce(), false)
    h.clock.advance(1000)
    assert.equal(await h.c.runner.drain(), 1)
    const t = await h.c.tasks.get(h.admin, String(taskId))
    assert.deepEqual([t.state, t.total, t.done, t.failed], ['Succeed', 5, 5, 0])
    assert.equal(await h.c.store.repos.blobs.refCount(sha256('SSSS')), 1)
    const dl = await h.c.nodes.download(h.admin, h.spaceId, String(keep.id))
    assert.equal((await readAll(dl.body)).toString(), 'SSSS')
    assert.equal((await usage(h)).usedBytes, 4)
    assert.equal((await h.c.audit.list(h.admin, h.spaceId, { action: 'purge' })).length, 5)
    await assertConsistent(h)
  } finally {
    await h.close()
  }
})

test('a TrashPurger built without the optional onPurged hook still purges', async () => {
  const h = await makeHarness()
  try {
    const files = await uploadMany(h, 'root', 3, 'n', 4)
    const dir = await mkdir(h, 'root', 'dir')
    await uploadMany(h, String(dir.id), 2, 'm', 4)
    for (const f of files) await trash(h, f.id)
    await trash(h, dir.id)
    const { taskId } = await h.c.trash.emptyTrash(h.admin, h.spaceId)
    // `onPurged` is typed optional; leaving it out must only lose the metric, never the work.
    const purger = new TrashPurger({ store: h.c.store, clock: h.clock, gc: h.c.gc, settings: SMALL })
    h.c.runner.register(PURGE_TASK_KIND, (task, ctx) => purger.run(task.id, ctx))
    await h.c.runner.drain()
    const t = await h.c.tasks.get(h.admin, String(taskId))
    assert.deepEqual([t.state, t.total, t.done], ['Succeed', 4, 4])
    assert.deepEqual(await blobFiles(h.dataDir), [])
    assert.equal((await usage(h)).usedBytes, 0)
    await assertConsistent(h)
  } finally {
    await h.close()
  }
})

test('cancelling a permanent delete returns a restorable entry: restore makes the file visible again', async () => {
  for (const how of ['permanent flag', 'bin disabled'] as const) {
    const h = await makeHarness()
    try {
      const f = await upload(h, 'root', 'p.txt', 'perm')
      if (how === 'bin disabled') await h.c.spaces.updateSettings(h.admin, h.spaceId, { recycleBinEnabled: false })
      const { entry, purgeTaskId } = await h.c.trash.moveToTrash(h.admin, h.spaceId, String(f.id), { permanent: how === 'permanent flag' })
      await h.c.tasks.cancel(h.admin, String(purgeTaskId))
      await h.c.runner.drain()
      assert.equal((await h.c.tasks.get(h.admin, String(purgeTaskId))).state, 'Cancelled', how)
      await assertConsistent(h, undefined, `${how}, cancelled`)

      // Cancelled means nothing was lost: the file is either live again or back in the bin, and then restorable.
      const bin = (await h.c.trash.list(h.admin, h.spaceId)).items.map((i) => i.id)
      if (bin.length) {
        assert.deepEqual(bin, [entry.id], how)
        const [out] = await h.c.trash.restore(h.admin, h.spaceId, [String(entry.id)])
        assert.equal(out.status, 'restored', `${how}: ${JSON.stringify(out)}`)
      }
      const dl = await h.c.nodes.download(h.admin, h.spaceId, String(f.id))
      assert.equal((await readAll(dl.body)).toString(), 'perm', how)
      await assertConsistent(h, undefined, `${how}, restored`)
    } finally {
      await h.close()
    }
  }
})

/** Fixture whose purge fails inside the folder (after the singles and two of its node batches), then is cancelled. */
async function interruptedThenCancelled(h: Harness) {
  const { taskId } = await crashFixture(h)
  const real = registeredHandler(h.c, PURGE_TASK_KIND)
  let beats = 0
  h.c.runner.register(PURGE_TASK_KIND, (task, ctx) =>
    real(task, {
      ...ctx,
      heartbeat: async () => {
        await ctx.heartbeat()
        if (++beats === 4) throw new Error('disk hiccup')
      },
    }),
  )
  await h.c.runner.drain()
  // Cancelled while waiting for its retry: it is still Running, so the cancel is accepted.
  await h.c.tasks.cancel(h.admin, String(taskId))
  h.clock.advance(1000)
  await h.c.runner.drain()
  assert.equal((await h.c.tasks.get(h.admin, String(taskId))).state, 'Cancelled')
  return taskId
}

test('a cancelled purge still deletes the bytes of what it had already freed', async () => {
  const h = await makeHarness({ container: { purge: SMALL } })
  try {
    await interruptedThenCancelled(h)
    const queued = await h.c.database.db.selectFrom('blob_gc').select('sha256').execute()
    assert.deepEqual(queued, [], 'blobs released by the committed batches are still waiting for GC')
  } finally {
    await h.close()
  }
})

test('cancel after an interrupted folder purge never returns a half-deleted folder to the bin', async () => {
  const h = await makeHarness({ container: { purge: SMALL } })
  try {
    await interruptedThenCancelled(h)
    await h.c.gc.collect() // see the previous test: the cancel path skips GC
    await assertConsistent(h, undefined, 'after cancel')
    // Whatever came back to the bin must come back whole.
    const back = (await h.c.trash.list(h.admin, h.spaceId)).items
    const outs = back.length ? await h.c.trash.restore(h.admin, h.spaceId, back.map((i) => String(i.id))) : []
    assert.ok(outs.every((o) => o.status === 'restored'), JSON.stringify(outs))
    await assertConsistent(h, undefined, `after restoring ${back.map((i) => i.name).join(', ') || 'nothing'}`)
  } finally {
    await h.close()
  }
})
