/**
 * PDS conformance at 10,000 entries: file/list paged by marker to the end, recyclebin/list paged to the end newest
 * first, and a recyclebin/clear of 10,000 entries polled through async_task/get until Succeed (the worker runs in the
 * background, as in `trove serve`).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { bulkFiles } from '../../support/factories.ts'
import { trashNode } from '../../../src/trash/trash-ops.ts'
import { makePds, type Pds } from './pds-support.ts'

// 10,000 on the embedded engine as the issue asks; the PostgreSQL pass re-checks the same paging on 2,000 (the bulk setup dominates there).
const N = process.env.TROVE_TEST_DB === 'postgres' ? 2_000 : 10_000
let p: Pds
let D: string
let folderId: string
let ids: number[]

before(async () => {
  p = await makePds()
  D = p.spaceId
  folderId = await p.mkdir('root', 'ten-thousand')
  ids = (await bulkFiles(p.h, folderId, N, { prefix: 'item-' })).ids
})
after(() => p.close())

test('file/list: 10,000 children, limit 200, marker to the end, in name order, each once', async () => {
  const seen: string[] = []
  let marker = ''
  let pages = 0
  do {
    const r = await p.call('/file/list', { drive_id: D, parent_file_id: folderId, limit: 200, marker, order_by: 'name', order_direction: 'ASC' })
    assert.equal(r.status, 200)
    assert.ok(r.json.items.length <= 200)
    seen.push(...r.json.items.map((i: { name: string }) => i.name))
    marker = r.json.next_marker
    pages++
    assert.ok(pages <= N / 200 + 1, 'paging terminates')
  } while (marker)
  assert.equal(pages, N / 200)
  assert.equal(seen.length, N)
  assert.equal(new Set(seen).size, N)
  assert.deepEqual(seen, [...seen].sort())
})

test('recyclebin/list: 10,000 entries, newest trashed first, marker to the end; then clear polled to Succeed', async () => {
  // Trash every file in one transaction through the core's own trash step, one second apart.
  const t0 = p.h.clock.now()
  await p.c.store.transaction(async (r) => {
    for (const [i, id] of ids.entries()) {
      const node = (await r.nodes.findVisible(Number(D), id))!
      await trashNode(r, { space: (await r.spaces.find(Number(D)))!, node, userId: 'admin', now: t0 + i * 1000, permanent: false })
    }
  })
  p.h.clock.set(t0 + N * 1000)
  const seen: string[] = []
  const times: number[] = []
  let marker = ''
  let pages = 0
  do {
    const r = await p.call('/recyclebin/list', { drive_id: D, limit: 200, marker })
    assert.equal(r.status, 200)
    for (const item of r.json.items) {
      seen.push(item.file_id)
      times.push(Date.parse(item.trashed_at))
    }
    marker = r.json.next_marker
    pages++
    assert.ok(pages <= N / 200 + 1, 'paging terminates')
  } while (marker)
  assert.equal(pages, N / 200)
  assert.equal(seen.length, N)
  assert.equal(new Set(seen).size, N)
  assert.deepEqual(seen, ids.map(String).reverse(), 'newest trashed first')
  for (let i = 1; i < times.length; i++) assert.ok(times[i] < times[i - 1])
  // Nothing of it is listed or found where it was.
  assert.equal((await p.call('/file/list', { drive_id: D, parent_file_id: folderId })).json.items.length, 0)
  assert.equal((await p.call('/file/search', { drive_id: D, query: 'name prefix "item-"', return_total_count: true })).json.total_count, 0)

  const usedBefore = (await p.call('/drive/get', { drive_id: D })).json.used_size
  assert.ok(usedBefore > 0)
  p.c.runner.start()
  try {
    const c = await p.call('/recyclebin/clear', { drive_id: D })
    assert.equal(c.status, 202)
    assert.equal((await p.call('/recyclebin/list', { drive_id: D })).json.items.length, 0, 'the bin is empty at once')
    const deadline = Date.now() + 60_000
    let t
    for (;;) {
      t = (await p.call('/async_task/get', { async_task_id: c.json.async_task_id })).json
      assert.ok(['Running', 'Succeed'].includes(t.state), JSON.stringify(t))
      assert.ok(t.consumed_process <= t.total_process)
      if (t.state !== 'Running') break
      assert.ok(Date.now() < deadline, `still running: ${JSON.stringify(t)}`)
      await new Promise((r) => setTimeout(r, 50))
    }
    assert.equal(t.state, 'Succeed')
    assert.equal(t.total_process, N)
    assert.equal(t.consumed_process, N)
    assert.equal(t.failed_process, 0)
    assert.equal((await p.call('/drive/get', { drive_id: D })).json.used_size, 0, 'every byte released')
  } finally {
    await p.c.runner.stop()
  }
})
