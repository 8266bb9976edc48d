import { Type } from 'typebox'
import { actorOf } from '../auth.ts'
import { NodeSchema, presentNode } from '../presenters.ts'
import { Conflict, NodeParams, SpaceParams, Security, type RoutePlugin } from './types.ts'

/**
 * Streaming upload and ranged download. The body is never parsed: whatever the Content-Type, the raw request
 * stream goes straight to the blob store, so a 1 GiB file costs no memory.
 */
export const filesRoutes: RoutePlugin = (app, c) => {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_req, _payload, done) => done(null))

  app.put(
    '/spaces/:spaceId/files',
    {
      schema: {
        tags: ['files and folders'],
        description:
          'Uploads a file: the request body is the content. `Content-Length` (when sent) is checked against the quota before any byte is stored; `sha256` (or header `X-Content-SHA256`) is verified.',
        security: Security,
        params: SpaceParams,
        querystring: Type.Object({
          parentId: Type.Optional(Type.String({ default: 'root' })),
          name: Type.String(),
          onConflict: Type.Optional(Conflict),
          sha256: Type.Optional(Type.String()),
        }),
        response: { 201: NodeSchema },
      },
    },
    async (req, reply) => {
      const length = req.headers['content-length']
      const headerSha = req.headers['x-content-sha256']
      const node = await c.nodes.upload(actorOf(req), req.params.spaceId, {
        parentId: req.query.parentId ?? 'root',
        name: req.query.name,
        body: req.raw,
        sizeBytes: length !== undefined ? Number(length) : undefined,
        sha256: req.query.sha256 ?? (typeof headerSha === 'string' ? headerSha.toLowerCase() : undefined),
        contentType: req.headers['content-type'] && req.headers['content-type'] !== 'application/octet-stream' ? req.headers['content-type'] : undefined,
        onConflict: req.query.onConflict,
      })
      reply.status(201)
      return presentNode(node)
    },
  )

  app.get(
    '/spaces/:spaceId/nodes/:nodeId/content',
    {
      schema: {
        tags: ['files and folders'],
        description: 'Downloads a file. Honours a single `Range` (206) and `If-None-Match` (304); the ETag is the SHA-256 of the content.',
        security: Security,
        params: NodeParams,
      },
    },
    async (req, reply) => {
      const actor = actorOf(req)
      const ifNoneMatch = req.headers['if-none-match']
      const dl = await c.nodes.download(actor, req.params.spaceId, req.params.nodeId, req.headers.range)
      if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === dl.etag)) {
        dl.body.destroy()
        return reply.status(304).header('etag', dl.etag).send()
      }
      reply
        .header('etag', dl.etag)
        .header('accept-ranges', 'bytes')
        .header('last-modified', new Date(dl.node.modifiedAt).toUTCString())
        .header('content-type', dl.node.contentType ?? 'application/octet-stream')
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(dl.node.name)}`)
      if (dl.range) {
        reply
          .status(206)
          .header('content-range', `bytes ${dl.range.start}-${dl.range.end}/${dl.totalBytes}`)
          .header('content-length', dl.range.end - dl.range.start + 1)
      } else {
        reply.header('content-length', dl.totalBytes)
      }
      return reply.send(dl.body)
    },
  )
}
