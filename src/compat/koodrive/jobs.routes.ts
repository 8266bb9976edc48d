/**
 * Batch jobs and clearing the recycle bin.
 * - CreateJob: https://support.huaweicloud.com/api-koodrive/CreateJob.html
 * - GetJobList: https://support.huaweicloud.com/intl/en-us/api-koodrive/GetJobList.html
 * - GetJobDetail: https://support.huaweicloud.com/api-koodrive/GetJobDetail.html
 * - CancelJob: https://support.huaweicloud.com/api-koodrive/CancelJob.html
 * - clearRecycleFile: https://support.huaweicloud.com/intl/en-us/api-koodrive/clearRecycleFile.html (seed 000)
 */
import { Type } from 'typebox'
import type { Ctx, KooRoutes } from './deps.ts'
import { badParam, KooError } from './errors.ts'
import { container, int, lastSegment, requiredInt, str } from './to-core.ts'
import { ok } from './from-core.ts'
import { cancelJob, clearJob, jobInfo, jobView, listJobs, MAX_JOB_ITEMS, runJob, taskInfos, type Action } from './jobs.ts'

const JobBody = Type.Object({
  taskType: Type.Unknown(),
  actionType: Type.Optional(Type.Unknown()),
  taskInfo: Type.Optional(
    Type.Object({
      fileInfo: Type.Optional(Type.Array(Type.Object({ fileId: Type.Unknown(), filePath: Type.Optional(Type.Unknown()) }))),
      newFilePath: Type.Optional(Type.Unknown()),
      srcContainerId: Type.Optional(Type.Unknown()),
      uncompressFilePaths: Type.Optional(Type.Unknown()),
    }),
  ),
  dstContainerId: Type.Optional(Type.Unknown()),
  password: Type.Optional(Type.Unknown()),
})

/** taskType (+ actionType) → what to do. 5 (uncompress) and 6 (package download) are not implemented. */
function actionOf(taskType: number, actionType: number | undefined): Action | 'clear' {
  const want = (expected: number, action: Action | 'clear') => {
    if (actionType !== undefined && actionType !== expected) throw badParam(`actionType ${actionType} does not go with taskType ${taskType}`)
    return action
  }
  switch (taskType) {
    case 1:
      return want(101, 'copy')
    case 2:
      if (actionType === 201) return 'trash'
      if (actionType === 202) return 'delete'
      throw badParam('taskType 2 needs actionType 201 (to the recycle bin) or 202 (permanently)')
    case 3:
      return want(301, 'move')
    case 4:
      if (actionType !== undefined) throw badParam('taskType 4 takes no actionType')
      return 'restore'
    case 7:
      return want(701, 'clear')
    default:
      throw badParam(`taskType ${taskType} is not supported (1 copy, 2 delete, 3 move, 4 restore, 7 clear)`)
  }
}

/** Copy/move destination from `newFilePath` (an id path; its last segment is the folder): must be a visible folder. */
async function destination(x: Ctx, spaceId: string, raw: unknown): Promise<string> {
  const path = str(raw, 'newFilePath', { required: true, max: 4096 })!
  const id = lastSegment(path)
  const found = await x.c.nodes.inspect(x.actor, spaceId, id === `root${spaceId}` ? 'root' : id)
  if (!found || found.node.kind !== 'folder') throw new KooError('13000304', `Destination ${path} is not a folder of space ${spaceId}`)
  if (!found.visible) throw new KooError('13000305', `Destination ${path} is in the recycle bin`)
  return String(found.node.id)
}

export const jobsRoutes: KooRoutes = (app, _c, k) => {
  const hide = true
  app.post('/jobs', { schema: { hide, body: JobBody } }, async (req) => {
    const x = k(req)
    const b = req.body
    const action = actionOf(requiredInt(b.taskType, 'taskType'), int(b.actionType, 'actionType'))
    const info = b.taskInfo ?? {}
    const spaceId = container(info.srcContainerId ?? b.dstContainerId)
    const dst = str(b.dstContainerId, 'dstContainerId', { max: 64 })
    if (dst !== undefined && dst !== spaceId) throw badParam('Jobs across containers are not supported: dstContainerId must equal srcContainerId')
    if (action === 'clear') return ok(x.lang, { data: String(await clearJob(x, spaceId)) })
    const files = info.fileInfo ?? []
    if (!files.length) throw badParam('taskInfo.fileInfo is required')
    if (files.length > MAX_JOB_ITEMS) throw badParam(`At most ${MAX_JOB_ITEMS} files per job`)
    const fileIds = files.map((f, i) => str(f.fileId, `fileInfo[${i}].fileId`, { required: true, max: 64 })!)
    if (action === 'trash') {
      // Logical delete needs the full id path (the vendor's restore depends on it): required, and it must end in the file.
      files.forEach((f, i) => {
        const path = str(f.filePath, `fileInfo[${i}].filePath`, { required: true, max: 4096 })!
        if (lastSegment(path) !== fileIds[i]) throw badParam(`fileInfo[${i}].filePath must be the full id path of ${fileIds[i]}`)
      })
    }
    if (action === 'restore' && info.newFilePath !== undefined && info.newFilePath !== '') throw badParam('Restoring to another folder (newFilePath) is not supported')
    await x.c.spaces.get(x.actor, spaceId)
    const target = action === 'copy' || action === 'move' ? await destination(x, spaceId, info.newFilePath) : undefined
    return ok(x.lang, { data: String(await runJob(x, { action, spaceId, fileIds, target })) })
  })

  app.get(
    '/jobs',
    { schema: { hide, querystring: Type.Object({ type: Type.Optional(Type.Unknown()), status: Type.Optional(Type.Unknown()), offset: Type.Unknown(), limit: Type.Unknown() }) } },
    async (req) => {
      const x = k(req)
      const q = req.query
      const jobs = await listJobs(x, {
        type: int(q.type, 'type', { min: 1, max: 7 }),
        status: int(q.status, 'status', { min: 0, max: 3 }),
        offset: requiredInt(q.offset, 'offset', { min: 0 }),
        limit: requiredInt(q.limit, 'limit', { min: 1, max: 100 }),
      })
      return ok(x.lang, { data: jobs.map(jobInfo) })
    },
  )

  app.post('/cancel', { schema: { hide, body: Type.Object({ jobId: Type.Unknown() }) } }, async (req) => {
    const x = k(req)
    await cancelJob(x, str(req.body.jobId, 'jobId', { required: true, max: 64 })!)
    return ok(x.lang)
  })

  // Seed 000: `{"containerId"}` → `{"code":0,"msg":"success"}`; the purge runs in the background (a type-7 job).
  app.post('/files/recycle', { schema: { hide, body: Type.Object({ containerId: Type.Unknown() }) } }, async (req) => {
    const x = k(req)
    await clearJob(x, container(req.body.containerId))
    return ok(x.lang)
  })

  // GetJobDetail: `GET /koodrive/ose/v1/{job_id}` (no `/jobs/` segment in the vendor's path).
  app.get('/:jobId', { schema: { hide, params: Type.Object({ jobId: Type.String() }) } }, async (req) => {
    const x = k(req)
    const task = await x.c.tasks.get(x.actor, req.params.jobId)
    const v = await jobView(x, task)
    if (!v) throw new KooError('13000309', `Job ${req.params.jobId} does not exist`)
    return ok(x.lang, { data: { jobInfo: jobInfo(v), taskInfos: taskInfos(x, v), uncompressedFileList: [] } })
  })
}
