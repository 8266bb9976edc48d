import { Type } from 'typebox'
import { actorOf } from '../auth.ts'
import { AuditEventSchema, presentAudit } from '../presenters.ts'
import { SpaceParams, Security, type RoutePlugin } from './types.ts'

export const auditRoutes: RoutePlugin = (app, c) => {
  app.get(
    '/spaces/:spaceId/audit',
    {
      schema: {
        tags: ['audit'],
        description: 'Who trashed, restored, deleted, emptied, and what retention purged; newest first.',
        security: Security,
        params: SpaceParams,
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          before: Type.Optional(Type.Integer({ minimum: 1 })),
          action: Type.Optional(Type.String()),
        }),
        response: { 200: Type.Object({ items: Type.Array(AuditEventSchema) }) },
      },
    },
    async (req) => ({
      items: (await c.audit.list(actorOf(req), req.params.spaceId, { limit: req.query.limit, beforeId: req.query.before, action: req.query.action })).map(presentAudit),
    }),
  )
}
