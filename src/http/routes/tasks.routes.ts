import { Type } from 'typebox'
import { actorOf } from '../auth.ts'
import { presentTask, TaskSchema } from '../presenters.ts'
import { Security, type RoutePlugin } from './types.ts'

const TaskParams = Type.Object({ taskId: Type.String() })

export const tasksRoutes: RoutePlugin = (app, c) => {
  const tags = ['tasks']
  app.get(
    '/tasks',
    {
      schema: {
        tags,
        security: Security,
        querystring: Type.Object({
          spaceId: Type.Optional(Type.String()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
          before: Type.Optional(Type.String({ description: 'Task id to page from (newest first)' })),
          state: Type.Optional(Type.Union(['Running', 'Succeed', 'PartialSucceed', 'Failed', 'Cancelled'].map((s) => Type.Literal(s)) as never)),
        }),
        response: { 200: Type.Object({ items: Type.Array(TaskSchema) }) },
      },
    },
    async (req) => {
      const q = req.query as { spaceId?: string; limit?: number; before?: string; state?: never }
      return { items: (await c.tasks.list(actorOf(req), { spaceId: q.spaceId, limit: q.limit, beforeId: q.before, state: q.state })).map(presentTask) }
    },
  )
  app.get('/tasks/:taskId', { schema: { tags, security: Security, params: TaskParams, response: { 200: TaskSchema } } }, async (req) =>
    presentTask(await c.tasks.get(actorOf(req), req.params.taskId)),
  )
  app.post('/tasks/:taskId/cancel', { schema: { tags, security: Security, params: TaskParams, response: { 200: TaskSchema } } }, async (req) => {
    const task = await c.tasks.cancel(actorOf(req), req.params.taskId)
    c.runner.wake()
    return presentTask(task)
  })
}
