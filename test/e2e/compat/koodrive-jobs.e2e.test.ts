/**
 * KooDrive conformance: batch jobs (CreateJob taskType 1/2/3/4/7, GetJobList, GetJobDetail, CancelJob) and clearing
 * the recycle bin (seed 000), each followed to completion, including partial and total failure.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Koo, expectError, expectOk } from './koodrive-helpers.ts'

let k: Koo
before(async () => {
  k = await Koo.make()
})
after(async () => {
  await k.close()
})

type Info = { fileId: string; status: string; newFileId: string; code: string; msg: string }
const binIds = async (kk: Koo = k) => {
  const r = await kk.call(kk.admin, 'POST', '/files/1', { json: { containerId: kk.spaceId, parentFileId: 'root', pageInfo: { pageSize: 1000 } } })
  expectOk(r)
  return (r.json.files as { id: string }[]).map((f) => f.id).sort()
}
const job = (body: Record<string, unknown>) => k.call(k.admin, 'POST', '/jobs', { json: { dstContainerId: k.spaceId, ...body, taskInfo: { srcContainerId: k.spaceId, ...(body.taskInfo as object) } } })

test('taskType 2 / actionType 201 moves files to the bin (filePath required and checked); the job is complete with one taskInfo per file', async () => {
  const a = await k.upload(k.admin, 'j-a.txt', 'a')
  const b = await k.upload(k.admin, 'j-b.txt', 'b')
  expectError(await job({ taskType: 2, actionType: 201, taskInfo: { fileInfo: [{ fileId: a }] } }), 400, '13000102', 'filePath missing')
  expectError(await job({ taskType: 2, actionType: 201, taskInfo: { fileInfo: [{ fileId: a, filePath: `/1/${b}` }] } }), 400, '13000102', 'filePath of another file')
  expectError(await job({ taskType: 2, taskInfo: { fileInfo: [{ fileId: a, filePath: `/1/${a}` }] } }), 400, '13000102', 'actionType missing')
  expectError(await job({ taskType: 5, taskInfo: { fileInfo: [{ fileId: a }] } }), 400, '13000102', 'uncompress')
  expectError(await job({ taskType: 2, actionType: 201, taskInfo: { fileInfo: [] } }), 400, '13000102', 'no files')
  const jobId = await k.trashJob(k.admin, [a, b])
  const d = await k.jobDetail(k.admin, jobId)
  assert.equal(d.jobInfo.taskId, jobId)
  assert.equal(d.jobInfo.taskType, 2)
  assert.equal(d.jobInfo.actionType, 201)
  assert.equal(d.jobInfo.status, 2)
  assert.equal(d.jobInfo.taskResultCode, 1)
  assert.equal(d.jobInfo.progress, 100)
  assert.equal(d.jobInfo.contentNum, 2)
  assert.equal(d.jobInfo.userId, 'admin')
  assert.equal(d.jobInfo.containerId, k.spaceId)
  for (const f of ['createTime', 'beginTime', 'endTime']) assert.match(String(d.jobInfo[f]), /^\d{14}$/, f)
  assert.deepEqual((d.taskInfos as Info[]).map((i) => [i.fileId, i.status, i.code]), [[a, 'success', '0'], [b, 'success', '0']])
  assert.deepEqual(await binIds(), [a, b].sort())
  // Again: both are already in the bin → every item failed, taskResultCode 3 (13000306 per file).
  const again = await k.jobDetail(k.admin, await k.job(k.admin, { taskType: 2, actionType: 201, taskInfo: { fileInfo: [a, b].map((f) => ({ fileId: f, filePath: `/x/${f}` })), srcContainerId: k.spaceId }, dstContainerId: k.spaceId }))
  assert.equal(again.jobInfo.taskResultCode, 3)
  assert.deepEqual((again.taskInfos as Info[]).map((i) => [i.status, i.code]), [['failed', '13000306'], ['failed', '13000306']])
})

test('taskType 4 restores; a taken name (13000405) and a parent still in the bin (13000404) fail their files only: taskResultCode 2', async () => {
  const dir = await k.mkdir(k.admin, 'r-dir')
  const inDir = await k.upload(k.admin, 'inside.txt', 'i', dir)
  const clash = await k.upload(k.admin, 'clash.txt', 'old')
  const fine = await k.upload(k.admin, 'fine.txt', 'f')
  await k.trashJob(k.admin, [inDir, clash, fine])
  await k.trashJob(k.admin, [dir])
  await k.upload(k.admin, 'clash.txt', 'new')
  const live = await k.upload(k.admin, 'live.txt', 'l')
  const jobId = await k.restoreJob(k.admin, [inDir, clash, fine, live, '909090'])
  const d = await k.jobDetail(k.admin, jobId)
  assert.equal(d.jobInfo.taskType, 4)
  assert.equal(d.jobInfo.status, 2)
  assert.equal(d.jobInfo.taskResultCode, 2)
  assert.deepEqual(
    (d.taskInfos as Info[]).map((i) => [i.fileId, i.status, i.code, i.newFileId]),
    [
      [inDir, 'failed', '13000404', ''],
      [clash, 'failed', '13000405', ''],
      [fine, 'success', '0', fine],
      [live, 'failed', '13000303', ''],
      ['909090', 'failed', '13000309', ''],
    ],
  )
  const zh = await k.call(k.admin, 'GET', `/${jobId}`, { lang: 'zh-CN' })
  assert.equal(zh.json.data.taskInfos[1].msg, '文件名重复')
  // The native task carries the same outcome.
  const native = await k.native(k.admin, 'GET', `/tasks/${jobId}`)
  assert.equal(native.json.state, 'PartialSucceed')
  assert.equal(native.json.failed, 4)
  // Restoring the folder first lets its file come back.
  await k.restoreJob(k.admin, [dir])
  const second = await k.jobDetail(k.admin, await k.restoreJob(k.admin, [inDir]))
  assert.equal(second.jobInfo.taskResultCode, 1)
  expectError(await job({ taskType: 4, taskInfo: { fileInfo: [{ fileId: inDir }], newFilePath: `/1/${dir}` } }), 400, '13000102', 'restore elsewhere')
})

test('a read-only token: a trash job where every file is refused (taskResultCode 3, 13000410); clearing is refused outright', async () => {
  const f = await k.upload(k.admin, 'protected.txt', 'p')
  const reader = await k.user('reader')
  const path = await k.idPath(reader, f)
  const jobId = await k.job(reader, { taskType: 2, actionType: 201, taskInfo: { fileInfo: [{ fileId: f, filePath: path }], srcContainerId: k.spaceId }, dstContainerId: k.spaceId })
  const d = await k.jobDetail(reader, jobId)
  assert.equal(d.jobInfo.taskResultCode, 3)
  assert.deepEqual((d.taskInfos as Info[]).map((i) => i.code), ['13000410'])
  assert.equal((await k.call(k.admin, 'POST', `/files/${f}/detail`, { json: { containerId: k.spaceId } })).json.recycled, false)
  expectError(await k.call(reader, 'POST', '/files/recycle', { json: { containerId: k.spaceId } }), 400, '13000410')
  const deleter = await k.user('deleter', ['delete_file'])
  const ok2 = await k.jobDetail(deleter, await k.job(deleter, { taskType: 2, actionType: 201, taskInfo: { fileInfo: [{ fileId: f, filePath: path }], srcContainerId: k.spaceId }, dstContainerId: k.spaceId }))
  assert.equal(ok2.jobInfo.taskResultCode, 1)
  // Restoring needs restore_recycled: without it every file fails with 13000410.
  const noRestore = await k.jobDetail(deleter, await k.restoreJob(deleter, [f]))
  assert.deepEqual((noRestore.taskInfos as Info[]).map((i) => i.code), ['13000410'])
  await k.restoreJob(k.admin, [f])
})

test('taskType 2 / 202 deletes permanently (live files and bin entries): pending until the purge runs, then complete', async () => {
  const live = await k.upload(k.admin, 'perm-live.txt', 'x')
  const binned = await k.upload(k.admin, 'perm-bin.txt', 'y')
  await k.trashJob(k.admin, [binned])
  const jobId = await k.job(k.admin, { taskType: 2, actionType: 202, taskInfo: { fileInfo: [{ fileId: live }, { fileId: binned }], srcContainerId: k.spaceId }, dstContainerId: k.spaceId })
  const pending = await k.jobDetail(k.admin, jobId)
  assert.equal(pending.jobInfo.status, 0)
  assert.equal(pending.jobInfo.taskResultCode, null)
  assert.equal(pending.jobInfo.endTime, '')
  assert.deepEqual((pending.taskInfos as Info[]).map((i) => i.status), ['processing', 'processing'])
  assert.ok(!(await binIds()).includes(binned), 'gone from the bin at once')
  await k.c.runner.drain()
  const done = await k.jobDetail(k.admin, jobId)
  assert.equal(done.jobInfo.status, 2)
  assert.equal(done.jobInfo.taskResultCode, 1)
  assert.equal(done.jobInfo.progress, 100)
  assert.deepEqual((done.taskInfos as Info[]).map((i) => i.status), ['success', 'success'])
  expectError(await k.call(k.admin, 'POST', `/files/${live}/detail`, { json: { containerId: k.spaceId } }), 400, '13000309')
  // The purge tasks it waited on are part of this job, not jobs of their own.
  const list = await k.call(k.admin, 'GET', '/jobs', { query: { type: 2, offset: 0, limit: 100 } })
  assert.equal(list.json.data.filter((j: { actionType: number }) => j.actionType === 202).length, 1)
})

test('clearing the recycle bin (POST /files/recycle) is asynchronous: a type-7 job, pending → completed; taskType 7 does the same', async () => {
  const k2 = await Koo.make()
  try {
    const ids = [await k2.upload(k2.admin, 'c1.txt', '1'), await k2.upload(k2.admin, 'c2.txt', '2')]
    await k2.trashJob(k2.admin, ids)
    const r = await k2.call(k2.admin, 'POST', '/files/recycle', { json: { containerId: k2.spaceId } })
    expectOk(r)
    assert.deepEqual(r.json, { code: 0, msg: 'success' })
    assert.deepEqual(await binIds(k2), [], 'the bin looks empty at once')
    const list = await k2.call(k2.admin, 'GET', '/jobs', { query: { type: 7, offset: 0, limit: 10 } })
    assert.equal(list.json.data.length, 1)
    const jobId = list.json.data[0].taskId
    assert.equal(list.json.data[0].status, 0)
    assert.equal(list.json.data[0].contentNum, 2)
    const pendingOnly = await k2.call(k2.admin, 'GET', '/jobs', { query: { status: 0, offset: 0, limit: 10 } })
    assert.deepEqual(pendingOnly.json.data.map((j: { taskId: string }) => j.taskId), [jobId])
    await k2.c.runner.drain()
    const d = await k2.jobDetail(k2.admin, jobId)
    assert.deepEqual([d.jobInfo.taskType, d.jobInfo.actionType, d.jobInfo.status, d.jobInfo.taskResultCode, d.jobInfo.progress], [7, 701, 2, 1, 100])
    assert.equal((await k2.c.spaces.usage(k2.h.admin, k2.spaceId)).trashBytes, 0)
    // taskType 7 through /jobs, on an empty bin: a job that is complete at once.
    const empty = await k2.job(k2.admin, { taskType: 7, taskInfo: { srcContainerId: k2.spaceId }, dstContainerId: k2.spaceId })
    assert.equal((await k2.jobDetail(k2.admin, empty)).jobInfo.status, 2)
    expectError(await k2.call(k2.admin, 'POST', '/files/recycle', { json: {} }), 400, '13000102')
    expectError(await k2.call(k2.admin, 'POST', '/files/recycle', { json: { containerId: '31337' } }), 400, '13000301')
  } finally {
    await k2.close()
  }
})

test('cancelling a clear job before it runs: status 3, and the entries are back in the bin; a finished job cannot be cancelled', async () => {
  const k2 = await Koo.make()
  try {
    const ids = [await k2.upload(k2.admin, 'keep1.txt', '1'), await k2.upload(k2.admin, 'keep2.txt', '2')]
    await k2.trashJob(k2.admin, ids)
    const jobId = await k2.job(k2.admin, { taskType: 7, taskInfo: { srcContainerId: k2.spaceId }, dstContainerId: k2.spaceId })
    expectOk(await k2.call(k2.admin, 'POST', '/cancel', { json: { jobId } }))
    await k2.c.runner.drain()
    const d = await k2.jobDetail(k2.admin, jobId)
    assert.equal(d.jobInfo.status, 3)
    assert.deepEqual(await binIds(k2), ids.sort())
    expectError(await k2.call(k2.admin, 'POST', '/cancel', { json: { jobId } }), 400, '13000403', 'already cancelled')
    const done = await k2.trashJob(k2.admin, [await k2.upload(k2.admin, 'x.txt', 'x')])
    expectError(await k2.call(k2.admin, 'POST', '/cancel', { json: { jobId: done } }), 400, '13000403', 'finished job')
    expectError(await k2.call(k2.admin, 'POST', '/cancel', { json: { jobId: '999999' } }), 400, '13000309', 'unknown job')
    const cancelled = await k2.call(k2.admin, 'GET', '/jobs', { query: { status: 3, offset: 0, limit: 10 } })
    assert.deepEqual(cancelled.json.data.map((j: { taskId: string }) => j.taskId), [jobId])
  } finally {
    await k2.close()
  }
})

test('copy (1/101) and move (3/301): new ids, 13000312 already there, 13000305 target in the bin, 13000307 into itself', async () => {
  const src = await k.mkdir(k.admin, 'cm-src')
  const dst = await k.mkdir(k.admin, 'cm-dst')
  const f = await k.upload(k.admin, 'cm.txt', 'copy me', src)
  const copy = await k.jobDetail(k.admin, await k.job(k.admin, { taskType: 1, actionType: 101, taskInfo: { fileInfo: [{ fileId: f }], newFilePath: `/1/${dst}`, srcContainerId: k.spaceId }, dstContainerId: k.spaceId }))
  assert.deepEqual([copy.jobInfo.taskType, copy.jobInfo.actionType, copy.jobInfo.taskResultCode], [1, 101, 1])
  const copied = (copy.taskInfos as Info[])[0].newFileId
  assert.match(copied, /^\d+$/)
  assert.notEqual(copied, f)
  const move = await k.jobDetail(k.admin, await k.job(k.admin, { taskType: 3, actionType: 301, taskInfo: { fileInfo: [{ fileId: f }, { fileId: copied }, { fileId: src }], newFilePath: `/1/${dst}`, srcContainerId: k.spaceId }, dstContainerId: k.spaceId }))
  assert.equal(move.jobInfo.taskResultCode, 2)
  assert.deepEqual((move.taskInfos as Info[]).map((i) => i.code), ['13000405', '13000312', '0'])
  const intoSelf = await k.jobDetail(k.admin, await k.job(k.admin, { taskType: 3, actionType: 301, taskInfo: { fileInfo: [{ fileId: dst }], newFilePath: `/1/${dst}/${src}`, srcContainerId: k.spaceId }, dstContainerId: k.spaceId }))
  assert.deepEqual((intoSelf.taskInfos as Info[]).map((i) => i.code), ['13000307'])
  const binned = await k.mkdir(k.admin, 'cm-binned')
  await k.trashJob(k.admin, [binned])
  expectError(await job({ taskType: 3, actionType: 301, taskInfo: { fileInfo: [{ fileId: f }], newFilePath: `/1/${binned}` } }), 400, '13000305', 'target in the bin')
  expectError(await job({ taskType: 3, actionType: 301, taskInfo: { fileInfo: [{ fileId: f }], newFilePath: `/1/${f}` } }), 400, '13000304', 'target is a file')
  expectError(await job({ taskType: 1, actionType: 101, taskInfo: { fileInfo: [{ fileId: f }] } }), 400, '13000102', 'newFilePath missing')
  expectError(await k.call(k.admin, 'POST', '/jobs', { json: { taskType: 1, actionType: 101, taskInfo: { fileInfo: [{ fileId: f }], newFilePath: `/1/${dst}`, srcContainerId: k.spaceId }, dstContainerId: '2' } }), 400, '13000102', 'across containers')
})

test('GET /jobs: offset is required and ≥ 0, limit 1–100; newest first; type and status filters; only the caller’s jobs', async () => {
  for (const [q, what] of [
    [{ limit: 10 }, 'offset missing'],
    [{ offset: -1, limit: 10 }, 'offset -1'],
    [{ offset: 0 }, 'limit missing'],
    [{ offset: 0, limit: 0 }, 'limit 0'],
    [{ offset: 0, limit: 101 }, 'limit 101'],
    [{ offset: 0, limit: 10, type: 8 }, 'type 8'],
    [{ offset: 0, limit: 10, status: 4 }, 'status 4'],
  ] as const) {
    expectError(await k.call(k.admin, 'GET', '/jobs', { query: q as Record<string, number> }), 400, '13000102', what)
  }
  const all = (await k.call(k.admin, 'GET', '/jobs', { query: { offset: 0, limit: 100 } })).json.data as { taskId: string; taskType: number; status: number; userId: string }[]
  assert.ok(all.length >= 8)
  const ids = all.map((j) => Number(j.taskId))
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first')
  assert.ok(all.every((j) => j.userId === 'admin'))
  const page2 = (await k.call(k.admin, 'GET', '/jobs', { query: { offset: 2, limit: 3 } })).json.data.map((j: { taskId: string }) => j.taskId)
  assert.deepEqual(page2, all.slice(2, 5).map((j) => j.taskId))
  const restores = (await k.call(k.admin, 'GET', '/jobs', { query: { type: 4, offset: 0, limit: 100 } })).json.data
  assert.deepEqual(restores.map((j: { taskId: string }) => j.taskId), all.filter((j) => j.taskType === 4).map((j) => j.taskId))
  assert.ok(restores.length >= 3)
  const reader = await k.user('reader')
  const theirs = (await k.call(reader, 'GET', '/jobs', { query: { offset: 0, limit: 100 } })).json.data
  assert.ok(theirs.length >= 1 && theirs.every((j: { userId: string }) => j.userId === 'reader'))
  expectError(await k.call(k.admin, 'GET', '/123456789'), 400, '13000309', 'unknown job id')
  expectError(await k.call(k.admin, 'GET', '/not-a-job'), 400, '13000309', 'not an id')
})
