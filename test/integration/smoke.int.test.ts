import { test } from 'node:test'
import assert from 'node:assert/strict'
import { makeHarness, upload, mkdir, readAll, blobFiles } from '../support/harness.ts'

test('upload, trash, restore, empty: the basic life of a file', async () => {
  const h = await makeHarness()
  try {
    const docs = await mkdir(h, 'root', 'docs')
    const f = await upload(h, String(docs.id), 'a.txt', 'hello')
    const { entry } = await h.c.trash.moveToTrash(h.admin, h.spaceId, String(f.id))
    assert.equal(entry.originalPath, '/docs/a.txt')
    const list = await h.c.nodes.list(h.admin, h.spaceId, String(docs.id))
    assert.equal(list.items.length, 0)
    const bin = await h.c.trash.list(h.admin, h.spaceId)
    assert.equal(bin.total, 1)
    const [out] = await h.c.trash.restore(h.admin, h.spaceId, [String(entry.id)])
    assert.equal(out.status, 'restored', JSON.stringify(out))
    const dl = await h.c.nodes.download(h.admin, h.spaceId, String(f.id))
    assert.equal((await readAll(dl.body)).toString(), 'hello')
    await h.c.trash.moveToTrash(h.admin, h.spaceId, String(f.id))
    const { taskId } = await h.c.trash.emptyTrash(h.admin, h.spaceId)
    await h.c.runner.drain()
    const task = await h.c.tasks.get(h.admin, String(taskId))
    assert.equal(task.state, 'Succeed')
    assert.equal(task.done, 1)
    assert.deepEqual(await blobFiles(h.dataDir), [])
    const usage = await h.c.spaces.usage(h.admin, h.spaceId)
    assert.equal(usage.usedBytes, 0)
  } finally {
    await h.close()
  }
})
