import { test } from 'node:test'
import assert from 'node:assert/strict'
import { makeHarness, upload, mkdir, readAll, blobFiles } from '../support/harness.ts'
import { assertConsistent, rejectsWith, sha256, trash, uploadMany, usage } from '../support/purge-helpers.ts'

test('permanent delete of one entry: invisible at once, freed by the task', async () => {
  const h = await makeHarness()
  try {
    const a = await upload(h, 'root', 'a.txt', 'aaaaa')
    await upload(h, 'root', 'b.txt', 'bbbbbbb')
    const ea = await trash(h, a.id)
    const req = await h.c.trash.deleteEntries(h.admin, h.spaceId, [ea])
    assert.deepEqual(req.accepted, [ea])
    assert.deepEqual(req.rejected, [])
    assert.ok(req.taskId)
    // Before the task runs: gone from the bin, but the bytes are still charged (released only by the purge).
    const bin = await h.c.trash.list(h.admin, h.spaceId)
    assert.equal(bin.total, 0)
    assert.deepEqual(bin.items, [])
    await rejectsWith(h.c.trash.get(h.admin, h.spaceId, ea), 'trash.entry_purging')
    assert.deepEqual(await usage(h), { quotaBytes: null, usedBytes: 12, liveBytes: 7, trashBytes: 5, trashEntries: 0, availableBytes: null })

    await h.c.runner.drain()
    const task = await h.c.tasks.get(h.admin, String(req.taskId))
    assert.equal(task.state, 'Succeed')
    assert.equal(task.total, 1)
    assert.equal(task.done, 1)
    assert.equal(await h.c.store.repos.nodes.find(Number(h.spaceId), a.id), undefined)
    assert.deepEqual(await blobFiles(h.dataDir), [sha256('bbbbbbb')])
    assert.deepEqual(await usage(h), { quotaBytes: null, usedBytes: 7, liveBytes: 7, trashBytes: 0, trashEntries: 0, availableBytes: null })
    await assertConsistent(h)
  } finally {
    await h.close()
  }
})

test('batch delete: valid, unknown, held and already-purging ids are each accounted for', async () => {
  const h = await makeHarness()
  try {
    const files = await uploadMany(h, 'root', 4, 'f', 10)
    const [e1, e2, e3, e4] = [await trash(h, files[0].id), await trash(h, files[1].id), await trash(h, files[2].id), await trash(h, files[3].id)]
    await h.c.trash.setHeld(h.admin, h.spaceId, e3, true)
    const first = await h.c.trash.deleteEntries(h.admin, h.spaceId, [e4])
    assert.deepEqual(first.accepted, [e4])

    const req = await h.c.trash.deleteEntries(h.admin, h.spaceId, [e1, '999999', e3, e2, 'abc', e4])
    assert.deepEqual([...req.accepted].sort(), [e1, e2].sort())
    assert.deepEqual(
      req.rejected.map((r) => [r.entryId, r.code]),
      [
        ['999999', 'trash.entry_not_found'],
        [e3, 'trash.entry_held'],
        ['abc', 'trash.entry_not_found'],
        [e4, 'trash.entry_purging'],
      ],
    )
    const bin = await h.c.trash.list(h.admin, h.spaceId)
    assert.deepEqual(bin.items.map((i) => String(i.id)), [e3])
    assert.equal(bin.total, 1)

    await h.c.runner.drain()
    for (const [id, total] of [[req.taskId, 2], [first.taskId, 1]] as const) {
      const t = await h.c.tasks.get(h.admin, String(id))
      assert.deepEqual([t.state, t.total, t.done, t.failed], ['Succeed', total, total, 0], `task ${id}`)
    }
    assert.deepEqual(await blobFiles(h.dataDir), [sha256(files[2].content)])
    assert.deepEqual(await usage(h), { quotaBytes: null, usedBytes: 10, liveBytes: 0, trashBytes: 10, trashEntries: 1, availableBytes: null })
    await assertConsistent(h)
  } finally {
    await h.close()
  }
})

test('shared content: purging one copy keeps the bytes for the other; purging both frees the blob', async () => {
  const h = await makeHarness()
  try {
    const a = await upload(h, 'root', 'a.bin', 'same bytes')
    const b = await upload(h, 'root', 'b.bin', 'same bytes')
    const sha = sha256('same bytes')
    assert.deepEqual(await blobFiles(h.dataDir), [sha])
    assert.equal(await h.c.store.repos.blobs.refCount(sha), 2)

    await h.c.trash.deleteEntries(h.admin, h.spaceId, [await trash(h, a.id)])
    await h.c.runner.drain()
    assert.equal(await h.c.store.repos.blobs.refCount(sha), 1)
    assert.deepEqual(await blobFiles(h.dataDir), [sha])
    const dl = await h.c.nodes.download(h.admin, h.spaceId, String(b.id))
    assert.equal((await readAll(dl.body)).toString(), 'same bytes')
    assert.equal((await usage(h)).usedBytes, 10)

    await h.c.trash.deleteEntries(h.admin, h.spaceId, [await trash(h, b.id)])
    await h.c.runner.drain()
    assert.equal(await h.c.store.repos.blobs.refCount(sha), null)
    assert.deepEqual(await blobFiles(h.dataDir), [])
    assert.equal((await usage(h)).usedBytes, 0)
    await assertConsistent(h)
  } finally {
    await h.close()
  }
})

test('a large nested folder purges completely with tiny batches and quota returns to zero', async () => {
  const h = await makeHarness({ container: { purge: { entryBatch: 3, nodeBatch: 7 } } })
  try {
    const big = await mkdir(h, 'root', 'big')
    let files = 0
    let bytes = 0
    for (let i = 0; i < 3; i++) {
      const sub = await h.c.nodes.createFolder(h.admin, h.spaceId, String(big.id), `sub${i}`)
      files += (await uploadMany(h, String(sub.id), 10, `s${i}-`, 13)).length
      for (let j = 0; j < 3; j++) {
        const leaf = await h.c.nodes.createFolder(h.admin, h.spaceId, String(sub.id), `leaf${j}`)
        files += (await uploadMany(h, String(leaf.id), 25, `l${i}${j}-`, 17)).length
      }
    }
    bytes = 3 * 10 * 13 + 9 * 25 * 17
    assert.equal(files, 255)
    assert.equal((await usage(h)).liveBytes, bytes)

    const e = await trash(h, big.id)
    const req = await h.c.trash.deleteEntries(h.admin, h.spaceId, [e])
    await h.c.runner.drain()
    const t = await h.c.tasks.get(h.admin, String(req.taskId))
    assert.deepEqual([t.state, t.total, t.done], ['Succeed', 1, 1])
    // Only the space root is left: every descendant row went, not just the entry root.
    assert.equal(await h.c.store.database.db.selectFrom('nodes').select('id').where('space_id', '=', Number(h.spaceId)).execute().then((r) => r.length), 1)
    assert.deepEqual(await blobFiles(h.dataDir), [])
    assert.deepEqual(await usage(h), { quotaBytes: null, usedBytes: 0, liveBytes: 0, trashBytes: 0, trashEntries: 0, availableBytes: null })
    await assertConsistent(h)
  } finally {
    await h.close()
  }
})

test('a file trashed before its folder keeps its own entry when the folder is purged', async () => {
  const h = await makeHarness({ container: { purge: { entryBatch: 1, nodeBatch: 1 } } })
  try {
    const dir = await mkdir(h, 'root', 'dir')
    const inner = await upload(h, String(dir.id), 'keep.txt', 'keep me')
    await uploadMany(h, String(dir.id), 3, 'x', 5)
    const eInner = await trash(h, inner.id)
    const eDir = await trash(h, dir.id)
    const req = await h.c.trash.deleteEntries(h.admin, h.spaceId, [eDir])
    assert.deepEqual(req.accepted, [eDir])
    await h.c.runner.drain()
    assert.deepEqual(await usage(h), { quotaBytes: null, usedBytes: 7, liveBytes: 0, trashBytes: 7, trashEntries: 1, availableBytes: null })
    assert.deepEqual(await blobFiles(h.dataDir), [sha256('keep me')])
    await assertConsistent(h, undefined, 'after folder purge')

    // Its folder is gone, so restore recreates /dir and the bytes come back.
    const [out] = await h.c.trash.restore(h.admin, h.spaceId, [eInner])
    assert.equal(out.status, 'restored', JSON.stringify(out))
    assert.equal(out.path, '/dir/keep.txt')
    assert.equal(out.parentRecreated, true)
    const dl = await h.c.nodes.download(h.admin, h.spaceId, String(inner.id))
    assert.equal((await readAll(dl.body)).toString(), 'keep me')
    assert.equal((await h.c.nodes.resolvePath(h.admin, h.spaceId, '/dir/keep.txt'))?.id, inner.id)
    await assertConsistent(h, undefined, 'after restore')
  } finally {
    await h.close()
  }
})

test('emptying an empty bin gives a finished task', async () => {
  const h = await makeHarness()
  try {
    const { taskId, entries } = await h.c.trash.emptyTrash(h.admin, h.spaceId)
    assert.equal(entries, 0)
    const before = await h.c.tasks.get(h.admin, String(taskId))
    assert.deepEqual([before.state, before.total, before.done], ['Succeed', 0, 0])
    assert.equal(await h.c.runner.drain(), 0)
    const after = await h.c.tasks.get(h.admin, String(taskId))
    assert.deepEqual([after.state, after.total, after.done], ['Succeed', 0, 0])
  } finally {
    await h.close()
  }
})

test('empty bin with many entries: counters, audit, held entries skipped', async () => {
  const h = await makeHarness({ container: { purge: { entryBatch: 3, nodeBatch: 7 } } })
  try {
    const files = await uploadMany(h, 'root', 20, 'e', 8)
    const dir = await mkdir(h, 'root', 'folder')
    await uploadMany(h, String(dir.id), 4, 'in', 8)
    const ids: string[] = []
    for (const f of files) ids.push(await trash(h, f.id))
    ids.push(await trash(h, dir.id))
    const held = ids[5]
    await h.c.trash.setHeld(h.admin, h.spaceId, held, true)

    const { taskId, entries } = await h.c.trash.emptyTrash(h.admin, h.spaceId)
    assert.equal(entries, 20)
    const bin = await h.c.trash.list(h.admin, h.spaceId)
    assert.deepEqual(bin.items.map((i) => String(i.id)), [held])
    assert.equal(bin.total, 1)
    const rej = await h.c.trash.deleteEntries(h.admin, h.spaceId, [held])
    assert.deepEqual(rej.rejected.map((r) => r.code), ['trash.entry_held'])
    assert.deepEqual(rej.accepted, [])

    await h.c.runner.drain()
    const t = await h.c.tasks.get(h.admin, String(taskId))
    assert.deepEqual([t.state, t.total, t.done, t.failed], ['Succeed', 20, 20, 0])
    const empties = await h.c.audit.list(h.admin, h.spaceId, { action: 'empty' })
    assert.equal(empties.length, 1)
    assert.deepEqual(empties[0].details, { entries: 20, taskId })
    const purges = await h.c.audit.list(h.admin, h.spaceId, { action: 'purge' })
    assert.deepEqual(purges.map((p) => String(p.entryId)).sort(), ids.filter((i) => i !== held).sort())
    assert.deepEqual(await usage(h), { quotaBytes: null, usedBytes: 8, liveBytes: 0, trashBytes: 8, trashEntries: 1, availableBytes: null })
    await assertConsistent(h)
  } finally {
    await h.close()
  }
})

test('a space on hold refuses empty and delete; releasing the hold allows them again', async () => {
  const h = await makeHarness()
  try {
    const f = await upload(h, 'root', 'x.txt', 'xyz')
    const e = await trash(h, f.id)
    await h.c.spaces.updateSettings(h.admin, h.spaceId, { hold: true })
    await rejectsWith(h.c.trash.emptyTrash(h.admin, h.spaceId), 'trash.entry_held')
    const del = await h.c.trash.deleteEntries(h.admin, h.spaceId, [e])
    assert.equal(del.taskId, null)
    assert.deepEqual(del.accepted, [])
    assert.deepEqual(del.rejected.map((r) => [r.entryId, r.code]), [[e, 'trash.entry_held']])
    assert.equal((await h.c.trash.list(h.admin, h.spaceId)).total, 1)

    await h.c.spaces.updateSettings(h.admin, h.spaceId, { hold: false })
    assert.equal((await h.c.trash.emptyTrash(h.admin, h.spaceId)).entries, 1)
    await h.c.runner.drain()
    assert.equal((await usage(h)).usedBytes, 0)
    await assertConsistent(h)
  } finally {
    await h.close()
  }
})
