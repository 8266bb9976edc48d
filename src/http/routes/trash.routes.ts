import { Type } from 'typebox'
import { actorOf } from '../auth.ts'
import { DomainError, type ErrorCode } from '../../shared/errors.ts'
import { EntrySchema, presentEntry, RestoreOutcomeSchema } from '../presenters.ts'
import { EntryParams, Order, SpaceParams, Security, type RoutePlugin } from './types.ts'

const RestoreBody = Type.Object({
  onConflict: Type.Optional(Type.Union([Type.Literal('rename'), Type.Literal('overwrite'), Type.Literal('fail')], { description: 'Default rename: `name (1).ext`' })),
  onMissingParent: Type.Optional(Type.Union([Type.Literal('recreate'), Type.Literal('root'), Type.Literal('fail')], { description: 'Default recreate the missing folders' })),
  dryRun: Type.Optional(Type.Boolean({ description: 'Report what would happen without changing anything' })),
})
const EntryIds = Type.Array(Type.String(), { minItems: 1, maxItems: 1000 })
const PurgeAccepted = Type.Object({
  taskId: Type.Union([Type.String(), Type.Null()]),
  accepted: Type.Array(Type.String()),
  rejected: Type.Array(Type.Object({ entryId: Type.String(), code: Type.String(), message: Type.String() })),
})

export const trashRoutes: RoutePlugin = (app, c) => {
  const tags = ['recycle bin']
  app.get(
    '/spaces/:spaceId/trash',
    {
      schema: {
        tags,
        description: 'Lists the bin. Keyset paging with `cursor` (fast at any depth) or `page` numbers. `total` counts what matches.',
        security: Security,
        params: SpaceParams,
        querystring: Type.Object({
          sort: Type.Optional(Type.Union(['name', 'modified', 'size', 'removed', 'remaining', 'path', 'removedBy'].map((k) => Type.Literal(k)) as never)),
          order: Type.Optional(Order),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          cursor: Type.Optional(Type.String()),
          page: Type.Optional(Type.Integer({ minimum: 1 })),
          name: Type.Optional(Type.String({ description: 'Substring of the name, case-insensitive' })),
          removedAfter: Type.Optional(Type.String({ format: 'date-time' })),
          removedBefore: Type.Optional(Type.String({ format: 'date-time' })),
          removedBy: Type.Optional(Type.String()),
          originalParentId: Type.Optional(Type.String()),
        }),
        response: { 200: Type.Object({ items: Type.Array(EntrySchema), total: Type.Number(), nextCursor: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (req) => {
      const q = req.query as Record<string, string | number | undefined>
      const time = (v: unknown) => (v === undefined ? undefined : Date.parse(String(v)))
      const page = await c.trash.list(actorOf(req), req.params.spaceId, {
        sort: q.sort as never,
        order: q.order as never,
        limit: q.limit as number | undefined,
        cursor: q.cursor as string | undefined,
        page: q.page as number | undefined,
        filter: {
          nameContains: q.name as string | undefined,
          removedFrom: time(q.removedAfter),
          removedTo: time(q.removedBefore),
          removedBy: q.removedBy as string | undefined,
          originalParentId: q.originalParentId === undefined ? undefined : Number(q.originalParentId) || -1,
        },
      })
      return { items: page.items.map(presentEntry), total: page.total, nextCursor: page.nextCursor }
    },
  )

  app.get('/spaces/:spaceId/trash/:entryId', { schema: { tags, security: Security, params: EntryParams, response: { 200: EntrySchema } } }, async (req) =>
    presentEntry(await c.trash.get(actorOf(req), req.params.spaceId, req.params.entryId)),
  )

  app.post(
    '/spaces/:spaceId/trash/:entryId/restore',
    {
      schema: { tags, security: Security, params: EntryParams, body: Type.Optional(RestoreBody), response: { 200: RestoreOutcomeSchema } },
      // No body at all means "the defaults"; the schema alone cannot make a top-level body optional.
      preValidation: async (req) => {
        if (req.body === undefined || req.body === null) req.body = {}
      },
    },
    async (req) => {
      const [outcome] = await c.trash.restore(actorOf(req), req.params.spaceId, [req.params.entryId], req.body ?? {})
      if (outcome.status === 'failed') throw new DomainError(outcome.error!.code as ErrorCode, outcome.error!.message, { entryId: outcome.entryId })
      return outcome
    },
  )

  app.post(
    '/spaces/:spaceId/trash/restore',
    {
      schema: {
        tags,
        description: 'Restores many entries; one outcome per entry. With dryRun nothing changes.',
        security: Security,
        params: SpaceParams,
        body: Type.Intersect([RestoreBody, Type.Object({ entryIds: EntryIds })]),
        response: { 200: Type.Object({ dryRun: Type.Boolean(), outcomes: Type.Array(RestoreOutcomeSchema) }) },
      },
    },
    async (req) => {
      const { entryIds, ...opts } = req.body
      return { dryRun: !!opts.dryRun, outcomes: await c.trash.restore(actorOf(req), req.params.spaceId, entryIds, opts) }
    },
  )

  app.delete(
    '/spaces/:spaceId/trash/:entryId',
    { schema: { tags, description: 'Permanently deletes one entry (202: a task frees it).', security: Security, params: EntryParams, response: { 202: PurgeAccepted } } },
    async (req, reply) => {
      const out = await c.trash.deleteEntries(actorOf(req), req.params.spaceId, [req.params.entryId])
      const [rejected] = out.rejected
      if (rejected) throw new DomainError(rejected.code as ErrorCode, rejected.message, { entryId: rejected.entryId })
      reply.status(202)
      return { ...out, taskId: out.taskId === null ? null : String(out.taskId) }
    },
  )

  app.post(
    '/spaces/:spaceId/trash/delete',
    {
      schema: { tags, description: 'Permanently deletes up to 1,000 entries.', security: Security, params: SpaceParams, body: Type.Object({ entryIds: EntryIds }), response: { 202: PurgeAccepted } },
    },
    async (req, reply) => {
      const out = await c.trash.deleteEntries(actorOf(req), req.params.spaceId, req.body.entryIds)
      reply.status(202)
      return { ...out, taskId: out.taskId === null ? null : String(out.taskId) }
    },
  )

  app.post(
    '/spaces/:spaceId/trash/empty',
    {
      schema: {
        tags,
        description: 'Empties the bin: entries vanish at once, a durable task frees them. Follow progress at /tasks/{taskId}.',
        security: Security,
        params: SpaceParams,
        response: { 202: Type.Object({ taskId: Type.String(), entries: Type.Number() }) },
      },
    },
    async (req, reply) => {
      const out = await c.trash.emptyTrash(actorOf(req), req.params.spaceId)
      reply.status(202)
      return { taskId: String(out.taskId), entries: out.entries }
    },
  )

  for (const [path, held] of [
    ['hold', true],
    ['release', false],
  ] as const) {
    app.post(
      `/spaces/:spaceId/trash/:entryId/${path}`,
      { schema: { tags, description: held ? 'Puts an entry on hold: never purged while held.' : 'Releases a hold.', security: Security, params: EntryParams, response: { 200: EntrySchema } } },
      async (req) => presentEntry(await c.trash.setHeld(actorOf(req), req.params.spaceId, req.params.entryId, held)),
    )
  }
}
