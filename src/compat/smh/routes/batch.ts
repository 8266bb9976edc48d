import { ctxFor } from '../context.ts'
import { SmhError } from '../errors.ts'
import { batchStatus, trashResultItem } from '../from-core.ts'
import { deleteActor, hasFlag, queryOf } from '../to-core.ts'
import type { LS, RouteGroup } from './deps.ts'

/**
 * Batch delete of directories and files (https://cloud.tencent.com/document/product/1339/71259,
 * https://www-sg.tencentcloud.com/jp/document/product/1283/75494): ≤ 1,000 items `{path, permanent?}`.
 * 200 when every item succeeded, 207 with per-item statuses otherwise, 202 `{taskId}` above the async threshold.
 */
export const batchRoutes: RouteGroup = (app, d) => {
  app.post('/batch/:L/:S', async (req, reply) => {
    const { L, S } = req.params as LS
    const ctx = await ctxFor(d.c, d.opts, req, L, S)
    if (!hasFlag(queryOf(req), 'delete')) throw new SmhError(400, 'BadRequest', 'Only batch `?delete` is supported by Trove (not copy or move)')
    const items = parseItems(req.body)
    const actor = deleteActor(ctx.actor, ctx.space.recycleBinEnabled)
    if (items.length > d.opts.asyncBatchThreshold) {
      const taskId = await d.c.trashBatches.enqueueTrashPaths(actor, ctx.spaceId, items)
      return reply.status(202).send({ taskId })
    }
    const result = (await d.c.trashBatches.trashPaths(actor, ctx.spaceId, items)).map(trashResultItem)
    return reply.status(batchStatus(result)).send({ result })
  })
}

function parseItems(body: unknown): { path: string; permanent: boolean }[] {
  if (body === undefined || body === null) throw new SmhError(400, 'NoItemsProvided', 'Send a JSON array of `{path, permanent?}`')
  if (!Array.isArray(body)) throw new SmhError(400, 'ParamInvalid', 'The body must be a JSON array of `{path, permanent?}`')
  if (!body.length) throw new SmhError(400, 'NoItemsProvided', 'The array is empty')
  if (body.length > 1000) throw new SmhError(400, 'TooManyItems', 'At most 1000 items per request')
  return body.map((item) => {
    const o = item as { path?: unknown; permanent?: unknown }
    if (!o || typeof o !== 'object' || typeof o.path !== 'string' || !o.path.replace(/\//g, '')) throw new SmhError(400, 'ParamInvalid', 'Every item needs a non-empty `path`')
    if (o.permanent !== undefined && typeof o.permanent !== 'boolean') throw new SmhError(400, 'ParamInvalid', '`permanent` is a boolean')
    return { path: o.path, permanent: o.permanent === true }
  })
}
