import type { FastifyRequest } from 'fastify'
import { actorFor, ctxFor } from '../context.ts'
import { SmhError } from '../errors.ts'
import { taskObject } from '../from-core.ts'
import type { Services } from '../context.ts'
import type { Actor } from '../../../access/grants.ts'
import type { RouteGroup } from './deps.ts'

/** Finished tasks stay visible this long (vendor-apis.md §1.4: "ended within the last 30 days"). */
const VISIBLE_AFTER_END_MS = 30 * 86_400_000

/**
 * Task query (generated SMH client `TaskApi.md`): `GET /task/{L}/{S}/{ids}` and the library-level
 * `GET /task/{L}/{ids}`; ids are comma-separated; the answer is an array in the order asked.
 */
export const taskRoutes: RouteGroup = (app, d) => {
  app.get('/task/:L/:S/:ids', async (req) => {
    const { L, S, ids } = req.params as { L: string; S: string; ids: string }
    const ctx = await ctxFor(d.c, d.opts, req, L, S)
    return tasks(d.c, ctx.actor, ids, Number(ctx.spaceId))
  })
  app.get('/task/:L/:ids', async (req: FastifyRequest) => {
    const { L, ids } = req.params as { L: string; ids: string }
    return tasks(d.c, await actorFor(d.c, req, L), ids, null)
  })
}

async function tasks(c: Services, actor: Actor, raw: string, spaceId: number | null) {
  const ids = raw.split(',').map((s) => s.trim()).filter(Boolean)
  if (!ids.length || ids.some((id) => !/^[1-9]\d{0,15}$/.test(id))) throw new SmhError(400, 'ParamInvalid', 'TaskIdList is a comma-separated list of task ids')
  if (ids.length > 100) throw new SmhError(400, 'TooManyItems', 'At most 100 task ids')
  const now = c.clock.now()
  const out = []
  for (const id of ids) {
    const { task, results } = await c.trashBatches.result(actor, id)
    const hidden = (spaceId !== null && task.spaceId !== spaceId) || (task.finishedAt !== null && now - task.finishedAt > VISIBLE_AFTER_END_MS)
    if (hidden) throw new SmhError(404, 'TaskNotFound', `Task ${id} does not exist`)
    out.push(taskObject(task, results))
  }
  return out
}
