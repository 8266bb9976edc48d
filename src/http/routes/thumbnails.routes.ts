import fs from 'node:fs'
import { actorOf } from '../auth.ts'
import { NodeParams, Security, type RoutePlugin } from './types.ts'

export const thumbnailsRoutes: RoutePlugin = (app, c) => {
  app.get(
    '/spaces/:spaceId/nodes/:nodeId/thumbnail',
    {
      schema: {
        tags: ['files and folders'],
        description: 'A 256×256 WebP thumbnail of an image file (JPEG, PNG, GIF, WebP, AVIF, TIFF, HEIC), made on first request and cached by content hash. Other files: 400.',
        security: Security,
        params: NodeParams,
      },
    },
    async (req, reply) => {
      const t = await c.thumbnails.thumbnail(actorOf(req), req.params.spaceId, req.params.nodeId)
      reply.header('etag', t.etag).header('cache-control', 'private, max-age=86400')
      const inm = req.headers['if-none-match']
      if (inm && inm.split(',').some((x) => x.trim() === t.etag)) return reply.status(304).send()
      return reply.type(t.contentType).send(fs.createReadStream(t.file))
    },
  )
}
