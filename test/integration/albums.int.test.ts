import { test } from 'node:test'
import assert from 'node:assert/strict'
import { makeHarness, upload, mkdir, readAll } from '../support/harness.ts'

test('albums reference files: trash hides them at once, restore brings them back, purge drops the membership', async () => {
  const h = await makeHarness()
  try {
    const dir = await mkdir(h, 'root', 'photos')
    const a = await upload(h, String(dir.id), 'a.jpg', 'A')
    const b = await upload(h, String(dir.id), 'b.jpg', 'B')
    const c = await upload(h, 'root', 'c.jpg', 'C')
    const album = await h.c.albums.create(h.admin, h.spaceId, 'Summer')
    const add = await h.c.albums.addItems(h.admin, h.spaceId, String(album.id), [String(a.id), String(b.id), String(c.id), String(c.id), String(dir.id), '999999'])
    assert.deepEqual(add.added, [String(a.id), String(b.id), String(c.id)])
    assert.deepEqual(add.rejected.map((r) => r.code), ['node.is_folder', 'node.not_found'])
    const again = await h.c.albums.addItems(h.admin, h.spaceId, String(album.id), [String(a.id)])
    assert.deepEqual(again.alreadyPresent, [String(a.id)])

    const names = async () => (await h.c.albums.items(h.admin, h.spaceId, String(album.id))).items.map((i) => i.node.name)
    assert.deepEqual(await names(), ['a.jpg', 'b.jpg', 'c.jpg'])

    // Trashing the folder hides a and b everywhere in the album view: contents, count and cover.
    const { entry } = await h.c.trash.moveToTrash(h.admin, h.spaceId, String(dir.id))
    assert.deepEqual(await names(), ['c.jpg'])
    const summary = await h.c.albums.get(h.admin, h.spaceId, String(album.id))
    assert.equal(summary.itemCount, 1)
    assert.equal(summary.coverNodeId, c.id)
    // A file in the bin cannot be added either.
    const late = await h.c.albums.addItems(h.admin, h.spaceId, String(album.id), [String(a.id)])
    assert.deepEqual(late.rejected.map((r) => r.code), ['node.not_found'])

    await h.c.trash.restore(h.admin, h.spaceId, [String(entry.id)])
    assert.deepEqual(await names(), ['a.jpg', 'b.jpg', 'c.jpg'])
    assert.equal((await h.c.albums.get(h.admin, h.spaceId, String(album.id))).coverNodeId, a.id)

    // Removing from the album never deletes the file.
    assert.deepEqual(await h.c.albums.removeItems(h.admin, h.spaceId, String(album.id), [String(b.id)]), { removed: 1 })
    assert.equal((await readAll((await h.c.nodes.download(h.admin, h.spaceId, String(b.id))).body)).toString(), 'B')

    // Purging a file ends its membership for good.
    const t = await h.c.trash.moveToTrash(h.admin, h.spaceId, String(c.id))
    await h.c.trash.deleteEntries(h.admin, h.spaceId, [String(t.entry.id)])
    await h.c.runner.drain()
    const rows = await h.c.database.db.selectFrom('album_items').select('node_id').execute()
    assert.deepEqual(rows.map((r) => Number(r.node_id)).sort(), [a.id])

    // Deleting the album leaves its files alone.
    await h.c.albums.delete(h.admin, h.spaceId, String(album.id))
    await assert.rejects(h.c.albums.get(h.admin, h.spaceId, String(album.id)), { code: 'album.not_found' })
    assert.equal((await h.c.nodes.get(h.admin, h.spaceId, String(a.id))).name, 'a.jpg')
  } finally {
    await h.close()
  }
})

test('album contents page by cursor in album order, and a read-only actor cannot change albums', async () => {
  const h = await makeHarness()
  try {
    const album = await h.c.albums.create(h.admin, h.spaceId, 'Many')
    const ids: string[] = []
    for (let i = 0; i < 25; i++) ids.push(String((await upload(h, 'root', `f${String(i).padStart(2, '0')}.jpg`, `x${i}`)).id))
    await h.c.albums.addItems(h.admin, h.spaceId, String(album.id), [...ids].reverse())
    const seen: string[] = []
    let cursor: string | undefined
    do {
      const p = await h.c.albums.items(h.admin, h.spaceId, String(album.id), { limit: 7, cursor })
      seen.push(...p.items.map((i) => String(i.node.id)))
      cursor = p.nextCursor ?? undefined
    } while (cursor)
    assert.deepEqual(seen, [...ids].reverse())
    const reader = { ...h.admin, grants: [] }
    await assert.rejects(h.c.albums.create(reader, h.spaceId, 'x'), { code: 'auth.forbidden' })
    await assert.rejects(h.c.albums.removeItems(reader, h.spaceId, String(album.id), [ids[0]]), { code: 'auth.forbidden' })
    assert.equal((await h.c.albums.get(reader, h.spaceId, String(album.id))).itemCount, 25)
  } finally {
    await h.close()
  }
})
