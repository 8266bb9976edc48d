import { test } from 'node:test'
import assert from 'node:assert/strict'
import { makeHarness, upload, mkdir, readAll, blobFiles } from '../support/harness.ts'
import { bulkFiles, usage, node, listAll, namesIn, searchAll, rejectsWith, binAll } from '../support/factories.ts'

const N = 10_000

test('a trashed folder of 10,000 files disappears everywhere at once and comes back whole on restore', async () => {
  const h = await makeHarness()
  try {
    const s = h.spaceId
    const projects = await mkdir(h, 'root', 'projects')
    const keep = await upload(h, String(projects.id), 'keep.txt', 'keep me') // 7 bytes, stays visible
    const big = await mkdir(h, String(projects.id), 'big')
    const bulk = await bulkFiles(h, String(big.id), N) // 18 bytes each
    // A subfolder proves invisibility reaches below the first level (closure table, not parent_id).
    const sub = await mkdir(h, String(big.id), 'sub')
    const deep = await upload(h, String(sub.id), 'deep.txt', 'deep')
    const folderBytes = bulk.totalBytes + 4
    assert.equal(bulk.bytesEach, 18)

    // The factory must leave counters exactly as N uploads would.
    const bigBefore = await node(h, big.id)
    assert.deepEqual([bigBefore.sizeBytes, bigBefore.itemCount], [folderBytes, N + 2])
    const projBefore = await node(h, projects.id)
    assert.deepEqual([projBefore.sizeBytes, projBefore.itemCount], [folderBytes + 7, N + 4])
    const rootBefore = (await h.c.nodes.get(h.admin, s, 'root'))
    assert.deepEqual([rootBefore.sizeBytes, rootBefore.itemCount], [folderBytes + 7, N + 5])
    const u0 = await usage(h)
    assert.deepEqual([u0.liveBytes, u0.trashBytes, u0.trashEntries], [folderBytes + 7, 0, 0])
    assert.equal(await h.c.store.repos.blobs.refCount(bulk.sha256), N)
    assert.equal((await searchAll(h, 'bulk-')).length, N)

    const t0 = Date.now()
    const { entry } = await h.c.trash.moveToTrash(h.admin, s, String(big.id))
    // One call, O(depth): generous bound, only catches a per-descendant walk.
    assert.ok(Date.now() - t0 < 1000, `trashing took ${Date.now() - t0} ms`)
    assert.equal(entry.originalPath, '/projects/big')
    assert.equal(entry.sizeBytes, folderBytes)
    assert.equal(entry.itemCount, N + 3)

    // list: the folder itself and its subfolder are gone; the parent lists only what is left.
    await rejectsWith(h.c.nodes.list(h.admin, s, String(big.id)), 'node.not_found', 'list trashed folder')
    await rejectsWith(h.c.nodes.list(h.admin, s, String(sub.id)), 'node.not_found', 'list subfolder of trashed folder')
    await rejectsWith(h.c.nodes.countChildren(h.admin, s, String(big.id)), 'node.not_found', 'count trashed folder')
    assert.deepEqual(await namesIn(h, String(projects.id)), ['keep.txt'])
    assert.equal(await h.c.nodes.resolvePath(h.admin, s, '/projects/big/sub/deep.txt'), null)

    // search: nothing below the trashed root, by any name.
    assert.deepEqual(await searchAll(h, 'bulk-'), [])
    assert.deepEqual(await searchAll(h, 'deep'), [])
    assert.deepEqual((await searchAll(h, 'big')).map((n) => n.name), [])
    assert.deepEqual((await searchAll(h, 'e')).map((n) => n.name), ['keep.txt', 'projects'])

    // get: every one of the 10,000 ids, plus the nested ones.
    for (const id of [...bulk.ids, big.id, sub.id, deep.id]) {
      await rejectsWith(h.c.nodes.get(h.admin, s, String(id)), 'node.not_found', `get ${id}`)
    }
    // download: a spread of ids (each one opens the same blob, so a sample is enough).
    for (const id of [bulk.ids[0], bulk.ids[1], bulk.ids[N / 2], bulk.ids[N - 1], deep.id]) {
      await rejectsWith(h.c.nodes.download(h.admin, s, String(id)), 'node.not_found', `download ${id}`)
    }
    // Nothing that reaches a descendant by id may work either.
    await rejectsWith(h.c.nodes.update(h.admin, s, String(bulk.ids[5]), { name: 'x.bin' }), 'node.not_found', 'rename descendant')
    await rejectsWith(h.c.nodes.copy(h.admin, s, String(bulk.ids[5]), { parentId: 'root' }), 'node.not_found', 'copy descendant')
    await rejectsWith(h.c.nodes.update(h.admin, s, String(keep.id), { parentId: String(sub.id) }), 'node.not_found', 'move into trashed subtree')
    await rejectsWith(h.c.trash.moveToTrash(h.admin, s, String(deep.id)), 'node.not_found', 'trash a descendant again')

    // usage: bytes move from live to bin, exactly.
    const u1 = await usage(h)
    assert.equal(u1.liveBytes, u0.liveBytes - folderBytes)
    assert.equal(u1.trashBytes, u0.trashBytes + folderBytes)
    assert.equal(u1.usedBytes, u0.usedBytes)
    assert.equal(u1.trashEntries, 1)
    // Ancestor aggregates exclude the whole subtree.
    const proj1 = await node(h, projects.id)
    assert.deepEqual([proj1.sizeBytes, proj1.itemCount], [7, 1])
    const root1 = await h.c.nodes.get(h.admin, s, 'root')
    assert.deepEqual([root1.sizeBytes, root1.itemCount], [7, 2])

    // Writing into the trashed folder (or below it) is refused and leaves no bytes.
    const blobsBefore = await blobFiles(h.dataDir)
    await rejectsWith(upload(h, String(big.id), 'new.txt', 'fresh bytes'), 'node.not_found', 'upload into trashed folder')
    await rejectsWith(upload(h, String(sub.id), 'new.txt', 'fresh bytes'), 'node.not_found', 'upload into trashed subfolder')
    await rejectsWith(h.c.nodes.createFolder(h.admin, s, String(big.id), 'newdir'), 'node.not_found', 'mkdir in trashed folder')
    await rejectsWith(h.c.nodes.createFolder(h.admin, s, String(sub.id), 'newdir'), 'node.not_found', 'mkdir in trashed subfolder')
    assert.deepEqual(await blobFiles(h.dataDir), blobsBefore)
    assert.deepEqual(await usage(h), u1)
    assert.equal((await node(h, big.id)).itemCount, N + 2, 'the trashed folder itself was not modified')

    // Restore brings all of it back, in place, with every counter as before.
    const [out] = await h.c.trash.restore(h.admin, s, [String(entry.id)])
    assert.deepEqual(out, {
      entryId: String(entry.id),
      status: 'restored',
      nodeId: String(big.id),
      parentId: String(projects.id),
      name: 'big',
      path: '/projects/big',
      renamed: false,
      parentRecreated: false,
      restoredToRoot: false,
    })
    const found = await searchAll(h, 'bulk-')
    assert.equal(found.length, N)
    assert.deepEqual(found.map((n) => n.id).sort((a, b) => a - b), [...bulk.ids].sort((a, b) => a - b))
    assert.deepEqual((await searchAll(h, 'deep')).map((n) => n.id), [deep.id])
    const listed = await listAll(h, String(big.id), { limit: 1000 })
    assert.equal(listed.items.length, N + 1)
    assert.deepEqual(await usage(h), u0)
    assert.deepEqual([(await node(h, big.id)).sizeBytes, (await node(h, big.id)).itemCount], [folderBytes, N + 2])
    assert.deepEqual([(await node(h, projects.id)).sizeBytes, (await node(h, projects.id)).itemCount], [folderBytes + 7, N + 4])
    const root2 = await h.c.nodes.get(h.admin, s, 'root')
    assert.deepEqual([root2.sizeBytes, root2.itemCount], [folderBytes + 7, N + 5])
    const dl = await h.c.nodes.download(h.admin, s, String(bulk.ids[N - 1]))
    assert.equal((await readAll(dl.body)).toString(), 'bulk file content\n')
    assert.equal((await h.c.nodes.get(h.admin, s, String(deep.id))).path, '/projects/big/sub/deep.txt')
    assert.equal((await h.c.trash.list(h.admin, s)).total, 0)
  } finally {
    await h.close()
  }
})

test('a file trashed before its folder keeps its own entry: purging the folder leaves it restorable with its bytes', async () => {
  const h = await makeHarness()
  try {
    const s = h.spaceId
    const dir = await mkdir(h, 'root', 'dir')
    const sub = await mkdir(h, String(dir.id), 'sub')
    const f = await upload(h, String(sub.id), 'f.txt', 'keep these bytes') // 16
    const other = await upload(h, String(dir.id), 'other.txt', 'gone') // 4, purged with the folder
    const { entry: fileEntry } = await h.c.trash.moveToTrash(h.admin, s, String(f.id))
    const { entry: dirEntry } = await h.c.trash.moveToTrash(h.admin, s, String(dir.id))
    assert.equal(fileEntry.originalPath, '/dir/sub/f.txt')
    // The folder entry does not count the file that already has its own entry.
    assert.deepEqual([dirEntry.sizeBytes, dirEntry.itemCount], [4, 3])
    assert.deepEqual(await usage(h), { quotaBytes: null, usedBytes: 20, liveBytes: 0, trashBytes: 20, trashEntries: 2, availableBytes: null })

    const del = await h.c.trash.deleteEntries(h.admin, s, [String(dirEntry.id)])
    assert.deepEqual(del.accepted, [String(dirEntry.id)])
    assert.deepEqual(del.rejected, [])
    await h.c.runner.drain()
    assert.equal((await h.c.tasks.get(h.admin, String(del.taskId))).state, 'Succeed')

    // Only the folder's own bytes went: the file's entry, bytes and blob reference survive.
    const bin = await binAll(h)
    assert.deepEqual(bin.items.map((e) => e.id), [fileEntry.id])
    assert.deepEqual(await usage(h), { quotaBytes: null, usedBytes: 16, liveBytes: 0, trashBytes: 16, trashEntries: 1, availableBytes: null })
    assert.deepEqual(await blobFiles(h.dataDir), [f.blobSha256])
    assert.equal(await h.c.store.repos.blobs.refCount(f.blobSha256!), 1)
    assert.equal(await h.c.store.repos.blobs.refCount(other.blobSha256!), null)
    assert.equal(await node(h, other.id), undefined)
    assert.equal(await node(h, sub.id), undefined)

    const [out] = await h.c.trash.restore(h.admin, s, [String(fileEntry.id)])
    assert.equal(out.status, 'restored', JSON.stringify(out))
    const newDir = await h.c.nodes.resolvePath(h.admin, s, '/dir')
    const newSub = await h.c.nodes.resolvePath(h.admin, s, '/dir/sub')
    assert.ok(newDir && newSub)
    assert.notEqual(newDir.id, dir.id)
    assert.deepEqual(out, {
      entryId: String(fileEntry.id),
      status: 'restored',
      nodeId: String(f.id),
      parentId: String(newSub.id),
      name: 'f.txt',
      path: '/dir/sub/f.txt',
      renamed: false,
      parentRecreated: true,
      restoredToRoot: false,
    })
    const dl = await h.c.nodes.download(h.admin, s, String(f.id))
    assert.equal((await readAll(dl.body)).toString(), 'keep these bytes')
    assert.equal((await h.c.nodes.get(h.admin, s, String(f.id))).path, '/dir/sub/f.txt')
    assert.deepEqual(await usage(h), { quotaBytes: null, usedBytes: 16, liveBytes: 16, trashBytes: 0, trashEntries: 0, availableBytes: null })
    assert.deepEqual([(await node(h, newDir.id)).sizeBytes, (await node(h, newDir.id)).itemCount], [16, 2])
    const root = await h.c.nodes.get(h.admin, s, 'root')
    assert.deepEqual([root.sizeBytes, root.itemCount], [16, 3])
    // root, dir, sub, f.txt: the purged rows are really gone.
    assert.equal(await h.c.store.repos.nodes.countSpaceNodes(Number(s)), 4)
    assert.deepEqual((await searchAll(h, 'f.txt')).map((n) => n.id), [f.id])
  } finally {
    await h.close()
  }
})
