import { Type } from 'typebox'
import { actorOf } from '../auth.ts'
import { EntrySchema, NodeSchema, presentEntry, presentNode } from '../presenters.ts'
import { Conflict, NodeParams, Order, SpaceParams, Security, type RoutePlugin } from './types.ts'

const NodePage = Type.Object({ folder: Type.Optional(NodeSchema), items: Type.Array(NodeSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) })

export const nodesRoutes: RoutePlugin = (app, c) => {
  const tags = ['files and folders']
  app.post(
    '/spaces/:spaceId/folders',
    {
      schema: {
        tags,
        security: Security,
        params: SpaceParams,
        body: Type.Object({ parentId: Type.Optional(Type.String({ default: 'root' })), name: Type.String(), onConflict: Type.Optional(Type.Union([Type.Literal('fail'), Type.Literal('rename')])) }),
        response: { 201: NodeSchema },
      },
    },
    async (req, reply) => {
      const node = await c.nodes.createFolder(actorOf(req), req.params.spaceId, req.body.parentId ?? 'root', req.body.name, req.body.onConflict)
      reply.status(201)
      return presentNode(node)
    },
  )

  app.get('/spaces/:spaceId/nodes/:nodeId', { schema: { tags, security: Security, params: NodeParams, response: { 200: NodeSchema } } }, async (req) =>
    presentNode(await c.nodes.get(actorOf(req), req.params.spaceId, req.params.nodeId)),
  )

  app.get(
    '/spaces/:spaceId/folders/:nodeId/children',
    {
      schema: {
        tags,
        security: Security,
        params: NodeParams,
        querystring: Type.Object({
          sort: Type.Optional(Type.Union([Type.Literal('name'), Type.Literal('size'), Type.Literal('modified'), Type.Literal('created')])),
          order: Type.Optional(Order),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          cursor: Type.Optional(Type.String()),
        }),
        response: { 200: NodePage },
      },
    },
    async (req) => {
      const page = await c.nodes.list(actorOf(req), req.params.spaceId, req.params.nodeId, req.query)
      return { folder: presentNode(page.folder), items: page.items.map(presentNode), nextCursor: page.nextCursor }
    },
  )

  app.patch(
    '/spaces/:spaceId/nodes/:nodeId',
    {
      schema: {
        tags,
        description: 'Rename and/or move a node.',
        security: Security,
        params: NodeParams,
        body: Type.Object({ name: Type.Optional(Type.String()), parentId: Type.Optional(Type.String()), onConflict: Type.Optional(Conflict) }),
        response: { 200: NodeSchema },
      },
    },
    async (req) => presentNode(await c.nodes.update(actorOf(req), req.params.spaceId, req.params.nodeId, req.body)),
  )

  app.post(
    '/spaces/:spaceId/nodes/:nodeId/copy',
    {
      schema: {
        tags,
        security: Security,
        params: NodeParams,
        body: Type.Object({ parentId: Type.String(), name: Type.Optional(Type.String()), onConflict: Type.Optional(Type.Union([Type.Literal('fail'), Type.Literal('rename')])) }),
        response: { 201: NodeSchema },
      },
    },
    async (req, reply) => {
      const node = await c.nodes.copy(actorOf(req), req.params.spaceId, req.params.nodeId, req.body)
      reply.status(201)
      return presentNode(node)
    },
  )

  app.get(
    '/spaces/:spaceId/search',
    {
      schema: {
        tags,
        description: 'Case-insensitive name search over visible files and folders (never anything in the bin).',
        security: Security,
        params: SpaceParams,
        querystring: Type.Object({
          q: Type.String({ minLength: 1 }),
          kind: Type.Optional(Type.Union([Type.Literal('file'), Type.Literal('folder')])),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          cursor: Type.Optional(Type.String()),
        }),
        response: { 200: NodePage },
      },
    },
    async (req) => {
      const page = await c.nodes.search(actorOf(req), req.params.spaceId, { query: req.query.q, kind: req.query.kind, limit: req.query.limit, cursor: req.query.cursor })
      return { items: page.items.map(presentNode), nextCursor: page.nextCursor }
    },
  )

  const TrashResult = Type.Object({ entry: EntrySchema, purgeTaskId: Type.Union([Type.String(), Type.Null()]) })
  const trash = async (actor: ReturnType<typeof actorOf>, spaceId: string, nodeId: string, permanent: boolean) => {
    const r = await c.trash.moveToTrash(actor, spaceId, nodeId, { permanent })
    return { entry: presentEntry(r.entry), purgeTaskId: r.purgeTaskId === null ? null : String(r.purgeTaskId) }
  }

  app.delete(
    '/spaces/:spaceId/nodes/:nodeId',
    {
      schema: {
        tags: ['recycle bin'],
        description: 'Moves the node to the recycle bin (201). With `permanent=true`, or when the bin is disabled, it is purged by a task (202).',
        security: Security,
        params: NodeParams,
        querystring: Type.Object({ permanent: Type.Optional(Type.Boolean()) }),
        response: { 201: TrashResult, 202: TrashResult },
      },
    },
    async (req, reply) => {
      const out = await trash(actorOf(req), req.params.spaceId, req.params.nodeId, !!req.query.permanent)
      reply.status(out.purgeTaskId ? 202 : 201)
      return out
    },
  )

  app.post(
    '/spaces/:spaceId/nodes/:nodeId/trash',
    { schema: { tags: ['recycle bin'], description: 'Moves the node to the recycle bin.', security: Security, params: NodeParams, response: { 201: TrashResult, 202: TrashResult } } },
    async (req, reply) => {
      const out = await trash(actorOf(req), req.params.spaceId, req.params.nodeId, false)
      reply.status(out.purgeTaskId ? 202 : 201)
      return out
    },
  )
}
