import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { makeSmh, assertSmhError, harnessOf, type Smh } from './smh-support.ts'
import { bulkFiles } from '../../support/factories.ts'

const DAY = 86_400_000

/** vendor-apis.md S12 (batch delete), S5 (async restore batch) and §1.4 (task query: 202 / 200 / 204 / 500, 30 days). */
describe('SMH batches and tasks', () => {
  let s: Smh
  let L: string
  before(async () => {
    s = await makeSmh()
    L = s.single.libraryId
  })
  after(async () => {
    await s?.close()
  })

  it('the documented batch delete sample: [{"path":"foo/bar"},{"path":"foo/2.jpg","permanent":true}] → 200 with per-item results', async () => {
    await s.call('PUT', `/directory/${L}/-/foo/bar`)
    assert.equal((await s.upload(s.single, '-', 'foo/2.jpg', 'jpg')).status, 200)
    const r = await s.call('POST', `/batch/${L}/-?delete`, { json: [{ path: 'foo/bar' }, { path: 'foo/2.jpg', permanent: true }] })
    assert.equal(r.status, 200, r.text)
    assert.equal(r.json.result.length, 2)
    assert.equal(r.json.result[0].status, 200)
    assert.equal(typeof r.json.result[0].recycledItemId, 'number')
    assert.deepEqual(r.json.result[0].path, ['foo', 'bar'])
    assert.deepEqual(r.json.result[1], { status: 204, path: ['foo', '2.jpg'] })
    const bin = await s.call('GET', `/recycled/${L}/-`)
    assert.deepEqual(bin.json.contents.map((e: { recycledItemId: number }) => e.recycledItemId), [r.json.result[0].recycledItemId])
  })

  it('207 when some items fail, each with its own status and code', async () => {
    await s.call('PUT', `/directory/${L}/-/p`)
    assert.equal((await s.upload(s.single, '-', 'p/ok.txt', 'ok')).status, 200)
    const r = await s.call('POST', `/batch/${L}/-?delete`, { json: [{ path: 'p/ok.txt' }, { path: 'p/missing.txt' }, { path: '/' + 'p' }] })
    assert.equal(r.status, 207, r.text)
    assert.equal(r.json.result[0].status, 200)
    assert.equal(r.json.result[1].status, 404)
    assert.equal(r.json.result[1].code, 'PathNotFound')
    assert.deepEqual(r.json.result[1].path, ['p', 'missing.txt'])
    assert.equal(r.json.result[2].status, 200, 'a folder is deleted like a file')
    assertSmhError(await s.call('POST', `/batch/${L}/-?delete`, { json: [] }), 400, 'NoItemsProvided')
    assertSmhError(await s.call('POST', `/batch/${L}/-?delete`, { json: Array.from({ length: 1001 }, () => ({ path: 'x' })) }), 400, 'TooManyItems')
    assertSmhError(await s.call('POST', `/batch/${L}/-?delete`, { json: [{ nopath: 1 }] }), 400, 'ParamInvalid')
    assertSmhError(await s.call('POST', `/batch/${L}/-?copy`, { json: [{ path: 'x' }] }), 400, 'BadRequest')
  })

  it('a large batch delete answers 202 {taskId}; the task is 202 while running, then 200 with the same per-item result', async () => {
    await s.call('PUT', `/directory/${L}/-/big`)
    // 150 files in one transaction (the batch is under test, not the upload)
    const h = harnessOf(s, s.single)
    const big = (await s.t.c.nodes.resolvePath(h.admin, h.spaceId, 'big'))!
    const files = await bulkFiles(h as never, String(big.id), 150, { prefix: 'f' })
    const items: { path: string }[] = files.names.map((n) => ({ path: `big/${n}` }))
    items.push({ path: 'big/not-there.txt' })
    const r = await s.call('POST', `/batch/${L}/-?delete`, { json: items })
    assert.equal(r.status, 202, r.text)
    assert.deepEqual(Object.keys(r.json), ['taskId'])
    const taskId = r.json.taskId
    assert.equal(typeof taskId, 'number')
    const running = await s.call('GET', `/task/${L}/-/${taskId}`)
    assert.equal(running.status, 200)
    assert.deepEqual(running.json, [{ taskId, status: 202 }])
    await s.t.drain()
    const done = await s.call('GET', `/task/${L}/-/${taskId}`)
    assert.equal(done.json.length, 1)
    assert.equal(done.json[0].taskId, taskId)
    assert.equal(done.json[0].status, 200)
    const result = done.json[0].result
    assert.equal(result.length, 151)
    assert.ok(result.slice(0, 150).every((x: { status: number; recycledItemId: number }) => x.status === 200 && typeof x.recycledItemId === 'number'))
    assert.equal(result[150].status, 404)
    assert.equal((await s.call('GET', `/recycled/${L}/-`, { query: { page_size: '1' } })).json.totalNum >= 150, true)
    assert.equal((await s.call('GET', `/directory/${L}/-/big`)).json.totalNum, 0)
    // the library-level form answers too; several ids in one call
    const both = await s.call('GET', `/task/${L}/${taskId},${taskId}`)
    assert.deepEqual(both.json.map((t: { taskId: number }) => t.taskId), [taskId, taskId])
  })

  it('a large restore batch answers 202 and its task holds the restore results; 30 days after it ended the task is gone', async () => {
    const bin = await s.call('GET', `/recycled/${L}/-`, { query: { page_size: '1000', order_by: 'name' } })
    const ids = bin.json.contents.filter((e: { originalPath: string[] }) => e.originalPath[0] === 'big').map((e: { recycledItemId: number }) => e.recycledItemId)
    assert.equal(ids.length, 150)
    const r = await s.call('POST', `/recycled/${L}/-?restore`, { json: ids })
    assert.equal(r.status, 202, r.text)
    await s.t.drain()
    const done = await s.call('GET', `/task/${L}/-/${r.json.taskId}`)
    assert.equal(done.json[0].status, 200)
    assert.equal(done.json[0].result.length, 150)
    assert.ok(done.json[0].result.every((x: { status: number; path: string[] }) => x.status === 200 && x.path[0] === 'big'))
    assert.equal((await s.call('GET', `/directory/${L}/-/big`)).json.totalNum, 150)
    s.t.clock.advance(31 * DAY)
    assertSmhError(await s.call('GET', `/task/${L}/-/${r.json.taskId}`), 404, 'TaskNotFound')
  })

  it('a task without a result (emptying the bin) is 204 when done; unknown ids and malformed lists are refused', async () => {
    assert.equal((await s.call('PUT', `/directory/${L}/-/e`)).status, 201)
    assert.equal((await s.upload(s.single, '-', 'e/e.txt', 'e')).status, 200)
    assert.equal((await s.call('DELETE', `/file/${L}/-/e/e.txt`)).status, 200)
    const empty = await s.t.c.trash.emptyTrash({ ...s.t.h.admin, libraryId: L }, s.single.spaceId!)
    await s.t.drain()
    assert.deepEqual((await s.call('GET', `/task/${L}/-/${empty.taskId}`)).json, [{ taskId: empty.taskId, status: 204 }])
    assertSmhError(await s.call('GET', `/task/${L}/-/999999`), 404, 'TaskNotFound')
    assertSmhError(await s.call('GET', `/task/${L}/-/a,b`), 400, 'ParamInvalid')
    // a task of another library is not visible
    const madmin = await s.token(s.multi, { grant: 'admin' })
    assertSmhError(await s.call('GET', `/task/${s.multi.libraryId}/${empty.taskId}`, { token: madmin }), 404, 'TaskNotFound')
  })
})
