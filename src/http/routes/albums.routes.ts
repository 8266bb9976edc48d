import { Type, type Static } from 'typebox'
import { actorOf } from '../auth.ts'
import { NodeSchema, presentNode } from '../presenters.ts'
import { SpaceParams, Security, type RoutePlugin } from './types.ts'
import type { AlbumSummary } from '../../albums/albums.repository.ts'

const AlbumParams = Type.Object({ spaceId: Type.String(), albumId: Type.String() })
const AlbumSchema = Type.Object({
  id: Type.String(),
  spaceId: Type.String(),
  name: Type.String(),
  itemCount: Type.Number({ description: 'Files visible now (not in the recycle bin)' }),
  coverNodeId: Type.Union([Type.String(), Type.Null()]),
  createdBy: Type.String(),
  createdAt: Type.String(),
  modifiedAt: Type.String(),
})
const NodeIds = Type.Object({ nodeIds: Type.Array(Type.String(), { minItems: 1, maxItems: 1000 }) })

function presentAlbum(a: AlbumSummary): Static<typeof AlbumSchema> {
  return {
    id: String(a.id),
    spaceId: String(a.spaceId),
    name: a.name,
    itemCount: a.itemCount,
    coverNodeId: a.coverNodeId === null ? null : String(a.coverNodeId),
    createdBy: a.createdBy,
    createdAt: new Date(a.createdAt).toISOString(),
    modifiedAt: new Date(a.modifiedAt).toISOString(),
  }
}

export const albumsRoutes: RoutePlugin = (app, c) => {
  const tags = ['albums']
  const page = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), cursor: Type.Optional(Type.String()) })
  app.get(
    '/spaces/:spaceId/albums',
    { schema: { tags, security: Security, params: SpaceParams, querystring: page, response: { 200: Type.Object({ items: Type.Array(AlbumSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }) } } },
    async (req) => {
      const p = await c.albums.list(actorOf(req), req.params.spaceId, req.query)
      return { items: p.items.map(presentAlbum), nextCursor: p.nextCursor }
    },
  )
  app.post(
    '/spaces/:spaceId/albums',
    { schema: { tags, security: Security, params: SpaceParams, body: Type.Object({ name: Type.String() }), response: { 201: AlbumSchema } } },
    async (req, reply) => {
      reply.status(201)
      return presentAlbum(await c.albums.create(actorOf(req), req.params.spaceId, req.body.name))
    },
  )
  app.get('/spaces/:spaceId/albums/:albumId', { schema: { tags, security: Security, params: AlbumParams, response: { 200: AlbumSchema } } }, async (req) =>
    presentAlbum(await c.albums.get(actorOf(req), req.params.spaceId, req.params.albumId)),
  )
  app.patch(
    '/spaces/:spaceId/albums/:albumId',
    { schema: { tags, security: Security, params: AlbumParams, body: Type.Object({ name: Type.String() }), response: { 200: AlbumSchema } } },
    async (req) => presentAlbum(await c.albums.rename(actorOf(req), req.params.spaceId, req.params.albumId, req.body.name)),
  )
  app.delete(
    '/spaces/:spaceId/albums/:albumId',
    { schema: { tags, description: 'Deletes the album; its files stay where they are.', security: Security, params: AlbumParams } },
    async (req, reply) => {
      await c.albums.delete(actorOf(req), req.params.spaceId, req.params.albumId)
      return reply.status(204).send()
    },
  )
  app.get(
    '/spaces/:spaceId/albums/:albumId/items',
    {
      schema: {
        tags,
        description: 'Files of the album in album order. Files in the recycle bin are left out (and come back when restored).',
        security: Security,
        params: AlbumParams,
        querystring: page,
        response: { 200: Type.Object({ items: Type.Array(Type.Intersect([NodeSchema, Type.Object({ addedAt: Type.String() })])), nextCursor: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (req) => {
      const p = await c.albums.items(actorOf(req), req.params.spaceId, req.params.albumId, req.query)
      return { items: p.items.map((i) => ({ ...presentNode(i.node), addedAt: new Date(i.addedAt).toISOString() })), nextCursor: p.nextCursor }
    },
  )
  app.post(
    '/spaces/:spaceId/albums/:albumId/items',
    {
      schema: {
        tags,
        security: Security,
        params: AlbumParams,
        body: NodeIds,
        response: {
          200: Type.Object({
            added: Type.Array(Type.String()),
            alreadyPresent: Type.Array(Type.String()),
            rejected: Type.Array(Type.Object({ nodeId: Type.String(), code: Type.String(), message: Type.String() })),
          }),
        },
      },
    },
    async (req) => c.albums.addItems(actorOf(req), req.params.spaceId, req.params.albumId, req.body.nodeIds),
  )
  app.post(
    '/spaces/:spaceId/albums/:albumId/items/remove',
    {
      schema: { tags, description: 'Removes files from the album; the files themselves are untouched.', security: Security, params: AlbumParams, body: NodeIds, response: { 200: Type.Object({ removed: Type.Number() }) } },
    },
    async (req) => c.albums.removeItems(actorOf(req), req.params.spaceId, req.params.albumId, req.body.nodeIds),
  )
}
