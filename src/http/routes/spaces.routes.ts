import { Type } from 'typebox'
import { actorOf } from '../auth.ts'
import { presentSpace, SpaceSchema, UsageSchema } from '../presenters.ts'
import { SpaceParams, Security, type RoutePlugin } from './types.ts'

const Settings = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 200 })),
  quotaBytes: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
  retentionDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  recycleBinEnabled: Type.Optional(Type.Boolean()),
})

export const spacesRoutes: RoutePlugin = (app, c) => {
  const tags = ['spaces']
  app.get('/spaces', { schema: { tags, security: Security, response: { 200: Type.Object({ items: Type.Array(SpaceSchema) }) } } }, async (req) => ({
    items: (await c.spaces.list(actorOf(req))).map(presentSpace),
  }))

  app.post('/spaces', { schema: { tags, security: Security, body: Settings, response: { 201: SpaceSchema } } }, async (req, reply) => {
    reply.status(201)
    return presentSpace(await c.spaces.create(actorOf(req), req.body))
  })

  app.get('/spaces/:spaceId', { schema: { tags, security: Security, params: SpaceParams, response: { 200: SpaceSchema } } }, async (req) =>
    presentSpace(await c.spaces.get(actorOf(req), req.params.spaceId)),
  )

  app.patch(
    '/spaces/:spaceId',
    {
      schema: {
        tags,
        security: Security,
        params: SpaceParams,
        body: Type.Intersect([Settings, Type.Object({ hold: Type.Optional(Type.Boolean({ description: 'While on hold, nothing in the bin is purged' })) })]),
        response: { 200: SpaceSchema },
      },
    },
    async (req) => presentSpace(await c.spaces.updateSettings(actorOf(req), req.params.spaceId, req.body)),
  )

  app.get('/spaces/:spaceId/usage', { schema: { tags, security: Security, params: SpaceParams, response: { 200: UsageSchema } } }, async (req) =>
    c.spaces.usage(actorOf(req), req.params.spaceId),
  )
}
