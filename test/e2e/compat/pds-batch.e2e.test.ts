/**
 * PDS conformance: /v2/batch — 1 to 100 sub-requests, each answered with its own status and body, successes and
 * failures side by side, in order; the envelope's own validation.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { upload as coreUpload } from '../../support/harness.ts'
import { assertPdsError, makePds, type Pds } from './pds-support.ts'

let p: Pds
let D: string
const file = async (name: string) => String((await coreUpload(p.h, 'root', name, name)).id)
const sub = (id: string, url: string, body: Record<string, unknown>) => ({ id, method: 'POST', url, headers: { 'Content-Type': 'application/json' }, body })

before(async () => {
  p = await makePds()
  D = p.spaceId
})
after(() => p.close())

describe('batch', () => {
  test('a batch mixing successes and failures answers each sub-request on its own, in order', async () => {
    const a = await file('a.txt')
    const b = await file('b.txt')
    const c = await file('c.txt')
    await p.call('/recyclebin/trash', { drive_id: D, file_id: await file('old.txt') })
    const clear = await p.call('/recyclebin/clear', { drive_id: D })
    await p.drain()
    assert.equal((await p.call('/recyclebin/trash', { drive_id: D, file_id: b })).status, 204)
    const r = await p.call('/batch', {
      resource: 'file',
      requests: [
        sub('trash-a', '/recyclebin/trash', { drive_id: D, file_id: a }),
        sub('get-a', '/file/get', { drive_id: D, file_id: a }),
        sub('restore-b', '/recyclebin/restore', { drive_id: D, file_id: b }),
        sub('delete-c', '/file/delete', { drive_id: D, file_id: c }),
        sub('get-missing', '/file/get', { drive_id: D, file_id: '888888' }),
        sub('task', '/async_task/get', { async_task_id: clear.json.async_task_id }),
        sub('no-file-id', '/file/get', { drive_id: D }),
        sub('not-batchable', '/recyclebin/clear', { drive_id: D }),
        { id: 'wrong-method', method: 'GET', url: '/file/get', body: { drive_id: D, file_id: 'root' } },
        sub('with-prefix', '/v2/file/get', { drive_id: D, file_id: 'root' }),
      ],
    })
    assert.equal(r.status, 200)
    const by = Object.fromEntries(r.json.responses.map((x: { id: string }) => [x.id, x])) as Record<string, { status: number; body?: Record<string, unknown> }>
    assert.deepEqual(
      r.json.responses.map((x: { id: string }) => x.id),
      ['trash-a', 'get-a', 'restore-b', 'delete-c', 'get-missing', 'task', 'no-file-id', 'not-batchable', 'wrong-method', 'with-prefix'],
    )
    assert.equal(by['trash-a'].status, 204)
    assert.equal(by['trash-a'].body, undefined)
    assert.equal(by['get-a'].status, 403)
    assert.equal(by['get-a'].body!.code, 'ForbiddenFileInTheRecycleBin', 'sub-requests run in order: a is in the bin by now')
    assert.equal(by['restore-b'].status, 204)
    assert.equal(by['delete-c'].status, 204)
    assert.equal(by['get-missing'].status, 404)
    assert.equal(by['get-missing'].body!.code, 'NotFound.FileId')
    assert.equal(by['task'].status, 200)
    assert.equal(by['task'].body!.async_task_id, clear.json.async_task_id)
    assert.equal(by['task'].body!.state, 'Succeed')
    assert.equal(by['no-file-id'].status, 400)
    assert.equal(by['no-file-id'].body!.code, 'InvalidParameterMissing')
    assert.equal(by['not-batchable'].status, 404)
    assert.equal(by['wrong-method'].status, 405)
    assert.equal(by['with-prefix'].status, 200)
    assert.equal(by['with-prefix'].body!.file_id, 'root')
    // The effects are real.
    assert.equal((await p.call('/file/get', { drive_id: D, file_id: b })).status, 200)
    assertPdsError(await p.call('/file/get', { drive_id: D, file_id: c }), 404, 'NotFound.FileId', 'c deleted')
    assert.deepEqual((await p.call('/recyclebin/list', { drive_id: D })).json.items.map((i: { file_id: string }) => i.file_id), [a])
  })

  test('100 trash sub-requests, then 100 restores; a read-only token gets 403 per sub-request', async () => {
    const ids: string[] = []
    for (let i = 0; i < 100; i++) ids.push(await file(`many-${i}.txt`))
    const trash = await p.call('/batch', { resource: 'file', requests: ids.map((id, i) => sub(`t${i}`, '/recyclebin/trash', { drive_id: D, file_id: id })) })
    assert.equal(trash.status, 200)
    assert.deepEqual([...new Set(trash.json.responses.map((x: { status: number }) => x.status))], [204])
    const reader = await p.token([])
    const denied = await p.call('/batch', { resource: 'file', requests: ids.slice(0, 3).map((id, i) => sub(`r${i}`, '/recyclebin/restore', { drive_id: D, file_id: id })) }, { token: reader })
    assert.equal(denied.status, 200)
    assert.deepEqual(denied.json.responses.map((x: { status: number; body: { code: string } }) => [x.status, x.body.code]), Array(3).fill([403, 'ForbiddenNoPermission']))
    const restore = await p.call('/batch', { resource: 'file', requests: ids.map((id, i) => sub(`r${i}`, '/recyclebin/restore', { drive_id: D, file_id: id })) })
    assert.deepEqual([...new Set(restore.json.responses.map((x: { status: number }) => x.status))], [204])
    assert.equal((await p.call('/file/search', { drive_id: D, query: 'name prefix "many-"', return_total_count: true })).json.total_count, 100)
  })

  test('the envelope: 1–100 requests, unique ids, a known resource', async () => {
    const one = sub('x', '/file/get', { drive_id: D, file_id: 'root' })
    assertPdsError(await p.call('/batch', { resource: 'file', requests: [] }), 400, 'InvalidParameterOutOfRange', 'empty')
    assertPdsError(await p.call('/batch', { resource: 'file', requests: Array(101).fill(0).map((_, i) => ({ ...one, id: `i${i}` })) }), 400, 'InvalidParameterOutOfRange', '101')
    assertPdsError(await p.call('/batch', { resource: 'file', requests: [one, one] }), 400, 'InvalidParameter.Id', 'duplicate ids')
    assertPdsError(await p.call('/batch', { resource: 'disk', requests: [one] }), 400, 'InvalidParameterNotSupported', 'resource')
    assertPdsError(await p.call('/batch', { requests: [one] }), 400, 'InvalidParameterMissing', 'no resource')
    assertPdsError(await p.call('/batch', { resource: 'file', requests: [one] }, { token: null }), 401, 'AccessTokenInvalid', 'no token')
  })
})
