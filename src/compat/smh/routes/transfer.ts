import { Transform } from 'node:stream'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Actor } from '../../../access/grants.ts'
import { origin, type Ctx } from '../context.ts'
import { Crc64 } from '../crc64.ts'
import { SmhError } from '../errors.ts'
import { contentTypeOf } from '../from-core.ts'
import type { Deps } from './deps.ts'

/**
 * What SMH hands to object storage (COS) is served by Trove itself: the byte upload of a simple upload
 * (`PUT {domain}{path}` with the returned `headers`) and signed download URLs (download 302, `cosUrl`). Both are
 * authorised by a signed, short-lived token instead of `access_token`, so any node can serve them.
 */
export const UPLOAD_TOKEN_HEADER = 'x-trove-upload-token'

export async function uploadTicket(ctx: Ctx, req: FastifyRequest, key: string, expiresAt: number) {
  const ttl = Math.max(1000, expiresAt - ctx.c.clock.now())
  const { token } = await ctx.c.signer.sign({ t: 'u', k: key }, ttl)
  return { domain: origin(req).host, path: `${ctx.opts.basePath}/_upload/${key}`, headers: { [UPLOAD_TOKEN_HEADER]: token } }
}

/** A signed URL that streams a file (`n`: node id) or a file in the bin (`e`: entry id) as the caller may read it. */
export async function contentUrl(ctx: Ctx, req: FastifyRequest, target: { n?: number; e?: number; d: 'inline' | 'attachment' }) {
  const { token, expiresAt } = await ctx.c.signer.sign({ t: 'c', l: ctx.libraryId, s: ctx.spaceId, u: ctx.actor.userId, d: target.d, ...(target.n ? { n: target.n } : { e: target.e! }) }, ctx.opts.urlTtlMs)
  const { scheme, host } = origin(req)
  return { url: `${scheme}://${host}${ctx.opts.basePath}/_content/${token}`, expiration: new Date(expiresAt).toISOString() }
}

export const transferRoutes = (app: FastifyInstance, { c }: Deps) => {
  // Raw bodies: the bytes stream to the blob store, never through memory.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_req, _payload, done) => done(null))

  app.put('/_upload/:key', async (req, reply) => {
    const { key } = req.params as { key: string }
    const token = req.headers[UPLOAD_TOKEN_HEADER]
    if (typeof token !== 'string') throw new SmhError(403, 'NoPermission', `The upload credential (${UPLOAD_TOKEN_HEADER}) is missing`)
    const claims = await c.signer.verify(token)
    if (claims.t !== 'u' || claims.k !== key) throw new SmhError(403, 'NoPermission', 'The upload credential is for another upload')
    const crc = new Crc64()
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        crc.update(chunk)
        cb(null, chunk)
      },
    })
    req.raw.on('error', (e) => tap.destroy(e))
    req.raw.pipe(tap)
    const length = req.headers['content-length']
    const type = req.headers['content-type']
    const session = await c.uploads.putBytes(key, tap, {
      sizeBytes: length !== undefined ? Number(length) : undefined,
      contentType: type && type !== 'application/octet-stream' ? type : undefined,
      crc64: () => crc.digest(),
    })
    return reply.status(200).header('etag', `"${session.sha256}"`).header('x-cos-hash-crc64ecma', session.crc64 ?? '').send()
  })

  // A wildcard, not `:token`: signed tokens are longer than a route parameter may be.
  app.get('/_content/*', async (req, reply) => {
    const token = (req.params as { '*': string })['*']
    const claims = await c.signer.verify(token)
    if (claims.t !== 'c') throw new SmhError(403, 'NoPermission', 'Not a download URL')
    // Read-only, this space only, as the user the URL was made for.
    const actor: Actor = { libraryId: String(claims.l), userId: String(claims.u), grants: [], spaceIds: [String(claims.s)] }
    const range = req.headers.range
    const dl = claims.n !== undefined ? await c.nodes.download(actor, String(claims.s), String(claims.n), range) : await c.nodeQueries.openEntryContent(actor, String(claims.s), String(claims.e), range)
    reply
      .header('etag', dl.etag)
      .header('accept-ranges', 'bytes')
      .header('last-modified', new Date(dl.node.modifiedAt).toUTCString())
      .header('content-type', contentTypeOf(dl.node))
      .header('content-disposition', `${claims.d === 'attachment' ? 'attachment' : 'inline'}; filename*=UTF-8''${encodeURIComponent(dl.node.name)}`)
    if (dl.range) {
      reply.status(206).header('content-range', `bytes ${dl.range.start}-${dl.range.end}/${dl.totalBytes}`).header('content-length', dl.range.end - dl.range.start + 1)
    } else {
      reply.header('content-length', dl.totalBytes)
    }
    return reply.send(dl.body)
  })
}
