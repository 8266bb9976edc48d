import { test } from 'node:test'
import assert from 'node:assert/strict'
import { makeHarness, upload, mkdir, readAll, body } from '../support/harness.ts'
import { assertConsistent, rejectsWith, trash } from '../support/purge-helpers.ts'
import type { Actor, Grant } from '../../src/access/grants.ts'
import type { Container } from '../../src/app/container.ts'

const actorOf = (libraryId: string, grants: Grant[], spaceIds: string[] | null = null, userId = 'u'): Actor => ({ libraryId, userId, grants, spaceIds })

/** Every space-scoped operation, each a thunk, so one test can check them all against one actor. */
function everyOperation(c: Container, a: Actor, spaceId: string, ids: { file: string; folder: string; entry: string }) {
  return {
    'nodes.get': () => c.nodes.get(a, spaceId, ids.file),
    'nodes.list': () => c.nodes.list(a, spaceId, 'root'),
    'nodes.download': () => c.nodes.download(a, spaceId, ids.file),
    'nodes.upload': () => c.nodes.upload(a, spaceId, { parentId: 'root', name: 'new', body: body('x') }),
    'nodes.createFolder': () => c.nodes.createFolder(a, spaceId, 'root', 'newdir'),
    'nodes.update': () => c.nodes.update(a, spaceId, ids.file, { name: 'renamed' }),
    'nodes.copy': () => c.nodes.copy(a, spaceId, ids.file, { parentId: 'root' }),
    'nodes.search': () => c.nodes.search(a, spaceId, { query: 'f' }),
    'nodes.resolvePath': () => c.nodes.resolvePath(a, spaceId, '/f'),
    'nodes.countChildren': () => c.nodes.countChildren(a, spaceId, 'root'),
    'trash.moveToTrash': () => c.trash.moveToTrash(a, spaceId, ids.folder),
    'trash.list': () => c.trash.list(a, spaceId),
    'trash.get': () => c.trash.get(a, spaceId, ids.entry),
    'trash.restore': () => c.trash.restore(a, spaceId, [ids.entry]),
    'trash.deleteEntries': () => c.trash.deleteEntries(a, spaceId, [ids.entry]),
    'trash.emptyTrash': () => c.trash.emptyTrash(a, spaceId),
    'trash.setHeld': () => c.trash.setHeld(a, spaceId, ids.entry, true),
    'spaces.get': () => c.spaces.get(a, spaceId),
    'spaces.usage': () => c.spaces.usage(a, spaceId),
    'spaces.updateSettings': () => c.spaces.updateSettings(a, spaceId, { retentionDays: 5 }),
    'audit.list': () => c.audit.list(a, spaceId),
  }
}

test('an actor of another library sees space.not_found for every operation', async () => {
  const h = await makeHarness()
  try {
    const f = await upload(h, 'root', 'f', 'fff')
    const dir = await mkdir(h, 'root', 'dir')
    const entry = await trash(h, (await upload(h, 'root', 'g', 'gg')).id)
    const other = await h.c.libraries.create({ name: 'other' })
    const stranger = actorOf(other.libraryId, ['admin'])
    for (const [name, op] of Object.entries(everyOperation(h.c, stranger, h.spaceId, { file: String(f.id), folder: String(dir.id), entry }))) {
      await rejectsWith(op(), 'space.not_found', name)
    }
    assert.deepEqual(await h.c.spaces.list(stranger).then((s) => s.map((x) => x.id)), [other.spaceId])
    // Nothing happened to the victim's space.
    assert.equal((await h.c.trash.list(h.admin, h.spaceId)).total, 1)
    await assertConsistent(h)
  } finally {
    await h.close()
  }
})

test('a token limited to space A cannot reach space B of the same library, nor its tasks or entries', async () => {
  const h = await makeHarness()
  try {
    const lib = await h.c.libraries.create({ name: 'multi', multiSpace: true })
    const A = await h.c.spaces.createInLibrary(lib.libraryId, { name: 'A' })
    const B = await h.c.spaces.createInLibrary(lib.libraryId, { name: 'B' })
    const boss = actorOf(lib.libraryId, ['admin'])
    const fb = await h.c.nodes.upload(boss, B.id, { parentId: 'root', name: 'f', body: body('in B') })
    const db = await h.c.nodes.createFolder(boss, B.id, 'root', 'dir')
    const eb = String((await h.c.trash.moveToTrash(boss, B.id, String((await h.c.nodes.upload(boss, B.id, { parentId: 'root', name: 'g', body: body('gB') })).id))).entry.id)
    const { taskId: taskB } = await h.c.trash.emptyTrash(boss, B.id)
    await h.c.trash.restore(boss, B.id, [eb]).catch(() => undefined)
    const onlyA = actorOf(lib.libraryId, ['space_admin', 'upload_file', 'create_directory', 'delete_file', 'delete_directory', 'restore_recycled', 'delete_recycled'], [A.id])

    for (const [name, op] of Object.entries(everyOperation(h.c, onlyA, B.id, { file: String(fb.id), folder: String(db.id), entry: eb }))) {
      await rejectsWith(op(), 'space.not_found', name)
    }
    assert.deepEqual((await h.c.spaces.list(onlyA)).map((s) => s.id), [A.id])
    await rejectsWith(h.c.tasks.get(onlyA, String(taskB)), 'task.not_found')
    await rejectsWith(h.c.tasks.cancel(onlyA, String(taskB)), 'task.not_found')
    assert.deepEqual(await h.c.tasks.list(onlyA), [])
    assert.deepEqual(await h.c.tasks.list(onlyA, { spaceId: B.id }), [])

    // Ids of B smuggled into calls on A resolve to nothing.
    const fa = await h.c.nodes.upload(onlyA, A.id, { parentId: 'root', name: 'a', body: body('in A') })
    await rejectsWith(h.c.trash.moveToTrash(onlyA, A.id, String(fb.id)), 'node.not_found')
    await rejectsWith(h.c.nodes.download(onlyA, A.id, String(fb.id)), 'node.not_found')
    const ea = String((await h.c.trash.moveToTrash(onlyA, A.id, String(fa.id))).entry.id)
    const fb2 = await h.c.nodes.upload(boss, B.id, { parentId: 'root', name: 'h', body: body('hB') })
    const eb2 = String((await h.c.trash.moveToTrash(boss, B.id, String(fb2.id))).entry.id)
    const del = await h.c.trash.deleteEntries(onlyA, A.id, [eb2])
    assert.deepEqual(del.rejected.map((r) => r.code), ['trash.entry_not_found'])
    const [res] = await h.c.trash.restore(onlyA, A.id, [eb2])
    assert.equal(res.error?.code, 'trash.entry_not_found')
    assert.equal((await h.c.trash.list(boss, B.id)).total, 1)
    assert.equal((await h.c.trash.restore(onlyA, A.id, [ea]))[0].status, 'restored')
    await h.c.runner.drain()
    await assertConsistent(h, [A.id, B.id])
  } finally {
    await h.close()
  }
})

test('a read-only actor can read but not change anything', async () => {
  const h = await makeHarness()
  try {
    const f = await upload(h, 'root', 'f', 'read me')
    const dir = await mkdir(h, 'root', 'dir')
    const entry = await trash(h, (await upload(h, 'root', 'g', 'gg')).id)
    const ro = actorOf(h.libraryId, [])
    assert.equal((await h.c.nodes.list(ro, h.spaceId, 'root')).items.length, 2)
    assert.equal((await h.c.nodes.get(ro, h.spaceId, String(f.id))).path, '/f')
    assert.equal((await readAll((await h.c.nodes.download(ro, h.spaceId, String(f.id))).body)).toString(), 'read me')
    assert.equal((await h.c.trash.list(ro, h.spaceId)).total, 1)
    await rejectsWith(h.c.nodes.upload(ro, h.spaceId, { parentId: 'root', name: 'x', body: body('x') }), 'auth.forbidden', 'upload')
    await rejectsWith(h.c.nodes.createFolder(ro, h.spaceId, 'root', 'x'), 'auth.forbidden', 'mkdir')
    await rejectsWith(h.c.trash.moveToTrash(ro, h.spaceId, String(f.id)), 'auth.forbidden', 'trash file')
    await rejectsWith(h.c.trash.moveToTrash(ro, h.spaceId, String(dir.id)), 'auth.forbidden', 'trash folder')
    await rejectsWith(h.c.trash.restore(ro, h.spaceId, [entry]), 'auth.forbidden', 'restore')
    await rejectsWith(h.c.trash.deleteEntries(ro, h.spaceId, [entry]), 'auth.forbidden', 'delete')
    await rejectsWith(h.c.trash.emptyTrash(ro, h.spaceId), 'auth.forbidden', 'empty')
    await rejectsWith(h.c.trash.setHeld(ro, h.spaceId, entry, true), 'auth.forbidden', 'hold')
    await rejectsWith(h.c.spaces.updateSettings(ro, h.spaceId, { retentionDays: 1 }), 'auth.forbidden', 'settings')
    await rejectsWith(h.c.audit.list(ro, h.spaceId), 'auth.forbidden', 'audit')
    assert.equal((await h.c.trash.list(h.admin, h.spaceId)).total, 1)
    assert.equal(await h.c.runner.drain(), 0)
    await assertConsistent(h)
  } finally {
    await h.close()
  }
})

test('grants are specific to the kind of node and to permanence', async () => {
  const h = await makeHarness()
  try {
    const files = [] as string[]
    for (let i = 0; i < 4; i++) files.push(String((await upload(h, 'root', `f${i}`, `file-${i}`)).id))
    const dirs = [] as string[]
    for (let i = 0; i < 3; i++) dirs.push(String((await mkdir(h, 'root', `d${i}`)).id))
    const as = (...g: Grant[]) => actorOf(h.libraryId, g)

    await rejectsWith(h.c.trash.moveToTrash(as('delete_file'), h.spaceId, dirs[0]), 'auth.forbidden', 'delete_file on a folder')
    assert.equal((await h.c.trash.moveToTrash(as('delete_file'), h.spaceId, files[0])).purgeTaskId, null)
    await rejectsWith(h.c.trash.moveToTrash(as('delete_directory'), h.spaceId, files[1]), 'auth.forbidden', 'delete_directory on a file')
    await h.c.trash.moveToTrash(as('delete_directory'), h.spaceId, dirs[0])
    await rejectsWith(h.c.trash.moveToTrash(as('delete_file', 'delete_directory'), h.spaceId, files[1], { permanent: true }), 'auth.forbidden', 'permanent file')
    await rejectsWith(h.c.trash.moveToTrash(as('delete_file_permanent'), h.spaceId, dirs[1], { permanent: true }), 'auth.forbidden', 'permanent folder with file grant')
    assert.ok((await h.c.trash.moveToTrash(as('delete_file_permanent'), h.spaceId, files[1], { permanent: true })).purgeTaskId)
    assert.ok((await h.c.trash.moveToTrash(as('delete_directory_permanent'), h.spaceId, dirs[1], { permanent: true })).purgeTaskId)

    const entries = (await h.c.trash.list(h.admin, h.spaceId)).items.map((i) => String(i.id))
    assert.equal(entries.length, 2)
    await rejectsWith(h.c.trash.restore(as('delete_recycled', 'delete_file'), h.spaceId, [entries[0]]), 'auth.forbidden', 'restore without restore_recycled')
    assert.equal((await h.c.trash.restore(as('restore_recycled'), h.spaceId, [entries[0]]))[0].status, 'restored')
    await rejectsWith(h.c.trash.deleteEntries(as('restore_recycled', 'delete_file_permanent'), h.spaceId, [entries[1]]), 'auth.forbidden', 'delete without delete_recycled')
    await rejectsWith(h.c.trash.emptyTrash(as('restore_recycled', 'delete_directory_permanent'), h.spaceId), 'auth.forbidden', 'empty without delete_recycled')
    assert.deepEqual((await h.c.trash.deleteEntries(as('delete_recycled'), h.spaceId, [entries[1]])).accepted, [entries[1]])
    assert.equal((await h.c.trash.emptyTrash(as('delete_recycled'), h.spaceId)).entries, 0)
    await rejectsWith(h.c.spaces.updateSettings(as('delete_recycled', 'restore_recycled'), h.spaceId, { hold: true }), 'auth.forbidden', 'settings')
    assert.equal((await h.c.spaces.updateSettings(as('space_admin'), h.spaceId, { retentionDays: 9 })).retentionDays, 9)

    // A space without a bin makes every delete permanent, so the permanent grant is what counts.
    await h.c.spaces.updateSettings(h.admin, h.spaceId, { recycleBinEnabled: false })
    await rejectsWith(h.c.trash.moveToTrash(as('delete_file'), h.spaceId, files[2]), 'auth.forbidden', 'bin disabled')
    assert.ok((await h.c.trash.moveToTrash(as('delete_file_permanent'), h.spaceId, files[2])).purgeTaskId)
    await h.c.runner.drain()
    await assertConsistent(h)
  } finally {
    await h.close()
  }
})

test('restore with overwrite needs delete_file; a refused restore leaves the entry in the bin', async () => {
  const h = await makeHarness()
  try {
    const f = await upload(h, 'root', 'doc', 'version 1')
    const entry = await trash(h, f.id)
    const now = await upload(h, 'root', 'doc', 'version 2')
    const restorer = actorOf(h.libraryId, ['restore_recycled'])
    const [out] = await h.c.trash.restore(restorer, h.spaceId, [entry], { onConflict: 'overwrite' })
    assert.equal(out.status, 'failed')
    assert.equal(out.error?.code, 'auth.forbidden')
    assert.deepEqual((await h.c.trash.list(h.admin, h.spaceId)).items.map((i) => String(i.id)), [entry])
    assert.equal((await readAll((await h.c.nodes.download(h.admin, h.spaceId, String(now.id))).body)).toString(), 'version 2')
    await assertConsistent(h)
    const [ok] = await h.c.trash.restore(actorOf(h.libraryId, ['restore_recycled', 'delete_file']), h.spaceId, [entry], { onConflict: 'overwrite' })
    assert.equal(ok.status, 'restored', JSON.stringify(ok))
    assert.equal(ok.overwrittenNodeId, String(now.id))
    assert.equal((await readAll((await h.c.nodes.download(h.admin, h.spaceId, String(f.id))).body)).toString(), 'version 1')
    await assertConsistent(h)
  } finally {
    await h.close()
  }
})
