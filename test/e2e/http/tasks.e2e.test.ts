import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { makeHttp, sha256, filesUnder, waitFor, type HttpHarness, type Res } from '../../support/http.ts'
import { blobFiles } from '../../support/harness.ts'

const V1 = '/trove/v1'

function assertError(r: Res, status: number, code: string): void {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status} ${r.text}`)
  assert.equal(r.json?.error?.code, code, r.text)
  assert.equal(typeof r.json.error.message, 'string')
}

describe('emptying the bin (background worker running)', () => {
  let t: HttpHarness
  before(async () => {
    t = await makeHttp({ worker: true, env: { TROVE_PURGE_ENTRY_BATCH: '3' } })
  })
  after(async () => {
    await t?.close()
  })

  it('POST empty: 202 with a task; the bin is empty at once; polling /tasks/:id reaches Succeed and frees every byte', async () => {
    const kept = Buffer.from('I stay')
    const keep = await t.upload('keep.txt', kept)
    const dir = (await t.mkdir('bulk')).json.id
    let trashedBytes = 0
    for (let i = 0; i < 20; i++) {
      const content = Buffer.from(`file number ${i} `.repeat(i + 1))
      trashedBytes += content.length
      const f = await t.upload(`f${i}.txt`, content, { parentId: dir })
      assert.equal((await t.req('DELETE', t.sp(`/nodes/${f.json.id}`))).status, 201)
    }
    const folderEntry = await t.req('DELETE', t.sp(`/nodes/${dir}`))
    assert.equal(folderEntry.status, 201)
    const before = (await t.req('GET', t.sp('/usage'))).json
    assert.deepEqual(before, { quotaBytes: null, usedBytes: kept.length + trashedBytes, liveBytes: kept.length, trashBytes: trashedBytes, trashEntries: 21, availableBytes: null })

    const r = await t.req('POST', t.sp('/trash/empty'))
    assert.equal(r.status, 202, r.text)
    assert.match(r.json.taskId, /^[1-9][0-9]*$/)
    assert.equal(r.json.entries, 21)
    const bin = await t.req('GET', t.sp('/trash'))
    assert.equal(bin.json.total, 0)
    assert.deepEqual(bin.json.items, [])

    const task = await waitFor(
      async () => {
        const g = await t.req('GET', `${V1}/tasks/${r.json.taskId}`)
        assert.equal(g.status, 200, g.text)
        return g.json.state === 'Running' ? undefined : g.json
      },
      { timeoutMs: 10_000, what: 'the empty task to finish' },
    )
    assert.equal(task.state, 'Succeed', JSON.stringify(task))
    assert.equal(task.kind, 'trash.purge')
    assert.equal(task.spaceId, t.spaceId)
    assert.equal(task.total, 21)
    assert.equal(task.done, 21)
    assert.equal(task.failed, 0)
    assert.deepEqual(task.failures, [])
    assert.equal(task.createdBy, 'admin')
    assert.notEqual(task.finishedAt, null)

    assert.deepEqual((await t.req('GET', t.sp('/usage'))).json, { quotaBytes: null, usedBytes: kept.length, liveBytes: kept.length, trashBytes: 0, trashEntries: 0, availableBytes: null })
    assert.deepEqual(await blobFiles(t.dataDir), [sha256(kept)])
    assert.deepEqual(await filesUnder(path.join(t.dataDir, 'blobs', 'staging')), [])
    assert.ok((await t.req('GET', t.sp(`/nodes/${keep.json.id}/content`))).body.equals(kept))

    // an empty bin gives a task that is already finished
    const again = await t.req('POST', t.sp('/trash/empty'))
    assert.equal(again.status, 202)
    assert.equal(again.json.entries, 0)
    assert.equal((await t.req('GET', `${V1}/tasks/${again.json.taskId}`)).json.state, 'Succeed')
  })
})

describe('tasks: list, get, cancel', () => {
  let t: HttpHarness
  before(async () => {
    t = await makeHttp()
  })
  after(async () => {
    await t?.close()
  })

  const trashFile = async (name: string) => {
    const f = await t.upload(name, `content of ${name}`)
    return (await t.req('DELETE', t.sp(`/nodes/${f.json.id}`))).json.entry.id as string
  }

  it('cancels a queued purge: its entries go back to the bin; a finished task is 409 task.not_cancellable', async () => {
    const e1 = await trashFile('c1.txt')
    const e2 = await trashFile('c2.txt')
    const del = await t.req('POST', t.sp('/trash/delete'), { json: { entryIds: [e1, e2] } })
    assert.equal(del.status, 202, del.text)
    assert.equal((await t.req('GET', t.sp('/trash'))).json.total, 0)
    const c = await t.req('POST', `${V1}/tasks/${del.json.taskId}/cancel`)
    assert.equal(c.status, 200, c.text)
    assert.equal(c.json.id, del.json.taskId)
    assert.equal(c.json.cancelRequested, true)
    await t.drain()
    const task = (await t.req('GET', `${V1}/tasks/${del.json.taskId}`)).json
    assert.equal(task.state, 'Cancelled')
    assert.equal(task.done, 0)
    const bin = await t.req('GET', t.sp('/trash?sort=name&order=asc'))
    assert.equal(bin.json.total, 2)
    assert.deepEqual(bin.json.items.map((e: { id: string }) => e.id), [e1, e2])
    assert.equal((await t.req('GET', t.sp('/usage'))).json.trashEntries, 2)
    assertError(await t.req('POST', `${V1}/tasks/${del.json.taskId}/cancel`), 409, 'task.not_cancellable')
    // the entries can be restored again
    const restored = await t.req('POST', t.sp(`/trash/${e1}/restore`), { json: {} })
    assert.equal(restored.status, 200, restored.text)
  })

  it('lists tasks newest first with state, space, limit and before filters', async () => {
    const ids: string[] = []
    for (const n of ['l1.txt', 'l2.txt', 'l3.txt']) {
      const e = await trashFile(n)
      ids.push((await t.req('DELETE', t.sp(`/trash/${e}`))).json.taskId)
    }
    await t.drain()
    const all = await t.req('GET', `${V1}/tasks`)
    assert.equal(all.status, 200, all.text)
    const listed = all.json.items.map((x: { id: string }) => x.id)
    assert.deepEqual(listed.slice(0, 3), [...ids].reverse())
    assert.deepEqual([...listed].sort((a: string, b: string) => Number(b) - Number(a)), listed)
    const page = await t.req('GET', `${V1}/tasks?limit=2`)
    assert.deepEqual(page.json.items.map((x: { id: string }) => x.id), [ids[2], ids[1]])
    const next = await t.req('GET', `${V1}/tasks?limit=2&before=${ids[1]}`)
    assert.deepEqual(next.json.items.map((x: { id: string }) => x.id)[0], ids[0])
    const cancelled = await t.req('GET', `${V1}/tasks?state=Cancelled`)
    assert.equal(cancelled.json.items.length, 1)
    assert.equal(cancelled.json.items[0].state, 'Cancelled')
    const succeeded = await t.req('GET', `${V1}/tasks?state=Succeed&spaceId=${t.spaceId}`)
    assert.ok(succeeded.json.items.length >= 3)
    assert.ok(succeeded.json.items.every((x: { state: string; spaceId: string }) => x.state === 'Succeed' && x.spaceId === t.spaceId))
    assert.deepEqual((await t.req('GET', `${V1}/tasks?spaceId=424242`)).json.items, [])

    for (const q of ['limit=0', 'limit=501', 'limit=x', 'state=Done']) assertError(await t.req('GET', `${V1}/tasks?${q}`), 400, 'validation.failed')
    assertError(await t.req('GET', `${V1}/tasks/999999`), 404, 'task.not_found')
    assertError(await t.req('GET', `${V1}/tasks/abc`), 404, 'task.not_found')
    assertError(await t.req('POST', `${V1}/tasks/999999/cancel`), 404, 'task.not_found')
  })

  it('a token of another library sees none of these tasks', async () => {
    const other = await t.c.libraries.create({ name: 'other' })
    const token = await t.token({ libraryId: other.libraryId, userId: 'eve', grants: ['admin'] })
    const anyTask = (await t.req('GET', `${V1}/tasks?limit=1`)).json.items[0]
    assertError(await t.req('GET', `${V1}/tasks/${anyTask.id}`, { token }), 404, 'task.not_found')
    assertError(await t.req('POST', `${V1}/tasks/${anyTask.id}/cancel`, { token }), 404, 'task.not_found')
    assert.deepEqual((await t.req('GET', `${V1}/tasks`, { token })).json.items, [])
  })
})

describe('audit', () => {
  let t: HttpHarness
  before(async () => {
    t = await makeHttp()
  })
  after(async () => {
    await t?.close()
  })

  it('records trash, restore, hold, release, empty and purge, newest first, filterable', async () => {
    const f = await t.upload('audited.txt', 'audit me')
    const e1 = (await t.req('DELETE', t.sp(`/nodes/${f.json.id}`))).json.entry.id
    assert.equal((await t.req('POST', t.sp(`/trash/${e1}/restore`), { json: {} })).status, 200)
    const e2 = (await t.req('DELETE', t.sp(`/nodes/${f.json.id}`))).json.entry.id
    assert.equal((await t.req('POST', t.sp(`/trash/${e2}/hold`))).status, 200)
    assert.equal((await t.req('POST', t.sp(`/trash/${e2}/release`))).status, 200)
    const g = await t.upload('g.txt', 'g')
    const e3 = (await t.req('DELETE', t.sp(`/nodes/${g.json.id}`))).json.entry.id
    assert.equal((await t.req('POST', t.sp('/trash/empty'))).status, 202)
    await t.drain()

    const r = await t.req('GET', t.sp('/audit'))
    assert.equal(r.status, 200, r.text)
    const actions = r.json.items.map((e: { action: string }) => e.action)
    assert.deepEqual(actions, ['purge', 'purge', 'empty', 'trash', 'release', 'hold', 'trash', 'restore', 'trash'])
    assert.deepEqual(r.json.items.slice(0, 2).map((e: { entryId: string }) => e.entryId), [e3, e2])
    const ids = r.json.items.map((e: { id: string }) => Number(e.id))
    assert.deepEqual([...ids].sort((a, b) => b - a), ids)
    const trash = r.json.items.at(-1)
    assert.equal(trash.actor, 'admin')
    assert.equal(trash.spaceId, t.spaceId)
    assert.equal(trash.entryId, e1)
    assert.equal(trash.nodeId, f.json.id)
    assert.equal(trash.name, 'audited.txt')
    assert.equal(trash.details.path, '/audited.txt')
    assert.equal(trash.at, new Date(t.clock.now()).toISOString())
    const purge = r.json.items[0]
    assert.equal(purge.actor, 'system')
    assert.equal(purge.name, 'g.txt')
    assert.equal(r.json.items[2].actor, 'admin')
    assert.equal(r.json.items[2].details.entries, 2)

    const onlyTrash = await t.req('GET', t.sp('/audit?action=trash'))
    assert.deepEqual(onlyTrash.json.items.map((e: { entryId: string }) => e.entryId), [e3, e2, e1])
    const p1 = await t.req('GET', t.sp('/audit?limit=2'))
    assert.deepEqual(p1.json.items.map((e: { action: string }) => e.action), ['purge', 'purge'])
    const p2 = await t.req('GET', t.sp(`/audit?limit=2&before=${p1.json.items[1].id}`))
    assert.deepEqual(p2.json.items.map((e: { action: string }) => e.action), ['empty', 'trash'])
    for (const q of ['limit=0', 'limit=1001', 'before=0', 'before=x']) assertError(await t.req('GET', t.sp(`/audit?${q}`)), 400, 'validation.failed')
    assertError(await t.req('GET', t.sp('/audit', '424242')), 404, 'space.not_found')
  })

  it('a permanent delete from the bin records who asked for it (the route promises "who … deleted")', async () => {
    const f = await t.upload('who-deleted.txt', 'x')
    const entry = (await t.req('DELETE', t.sp(`/nodes/${f.json.id}`))).json.entry.id
    const bob = await t.token({ userId: 'bob', grants: ['delete_recycled'] })
    assert.equal((await t.req('DELETE', t.sp(`/trash/${entry}`), { token: bob })).status, 202)
    await t.drain()
    const events = (await t.req('GET', t.sp('/audit?limit=1000'))).json.items.filter((e: { entryId: string | null }) => e.entryId === entry)
    // trash by admin, then the purge by the system; the request by bob must be there too
    assert.ok(
      events.some((e: { actor: string }) => e.actor === 'bob'),
      `no audit event names bob as the one who deleted entry ${entry}: ${JSON.stringify(events.map((e: { action: string; actor: string }) => [e.action, e.actor]))}`,
    )
  })
})
