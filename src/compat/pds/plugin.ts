import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Container } from '../../app/container.ts'
import type { Actor } from '../../access/grants.ts'
import type { PdsCtx, PdsOp } from './context.ts'
import { PdsError, pdsErrorHandler, REQUEST_ID_HEADER, requestIdOf } from './errors.ts'
import { setupOps } from './ops/setup.ts'
import { fileOps } from './ops/files.ts'
import { transferOps, SIGNED_ROUTES, putPart, download } from './ops/transfer.ts'
import { searchOps } from './ops/search.ts'
import { recyclebinOps } from './ops/recyclebin.ts'
import { batchOp } from './ops/batch.ts'

/** Every PDS call this dialect serves, by path below `/v2`. */
export function pdsOperations(): Record<string, PdsOp> {
  const ops: Record<string, PdsOp> = { ...setupOps, ...fileOps, ...transferOps, ...searchOps, ...recyclebinOps }
  ops['/batch'] = batchOp(ops)
  return ops
}

const JSON_BODY_LIMIT = 1024 * 1024
const actors = new WeakMap<FastifyRequest, Actor>()

/**
 * Alibaba Cloud Drive and Photo Service (API 2022-03-01), registered under `/v2`: every call is `POST` with a JSON body
 * and `Authorization: Bearer <Trove token>`; errors are `{code, message, requestId}` with `x-ca-request-id` (errors.ts).
 * The signed upload/download URLs it hands out live here too, under `/v2/_trove/…`, without a bearer token.
 */
export async function pdsPlugin(app: FastifyInstance, opts: { container: Container }): Promise<void> {
  const c = opts.container
  app.setErrorHandler(pdsErrorHandler)
  app.addHook('onRequest', async (_req, reply) => {
    reply.header(REQUEST_ID_HEADER, randomUUID().toUpperCase())
  })
  app.setNotFoundHandler((req, reply) => {
    void reply
      .status(404)
      .send({ code: 'NotFound', message: `No such API: ${req.method} ${req.url.split('?')[0]}`, requestId: requestIdOf(reply) })
  })

  // The API: JSON bodies whatever the Content-Type says (or if it says nothing), and a bearer token on every call.
  await app.register(async (api) => {
    api.removeAllContentTypeParsers()
    api.addContentTypeParser('*', { parseAs: 'string', bodyLimit: JSON_BODY_LIMIT }, (_req, body, done) => {
      const text = String(body).trim()
      if (!text) return done(null, {})
      try {
        done(null, JSON.parse(text))
      } catch {
        done(new PdsError(400, 'InvalidRequestJSONFormat', 'The request body is not valid JSON'), undefined)
      }
    })
    api.addHook('onRequest', async (req) => {
      actors.set(req, await authenticate(c, req))
    })
    for (const [path, op] of Object.entries(pdsOperations())) {
      api.post(path, { schema: { hide: true } }, async (req, reply) => {
        const res = await op(contextOf(c, req), req.body)
        reply.status(res.status)
        if (res.body === undefined) return reply.send()
        return res.body
      })
    }
  })

  // The signed URLs: the body of a part upload is streamed, never parsed.
  await app.register(async (signed) => {
    signed.removeAllContentTypeParsers()
    signed.addContentTypeParser('*', (_req, _payload, done) => done(null))
    signed.put(SIGNED_ROUTES.upload, { schema: { hide: true } }, (req, reply) => putPart(c, req, reply))
    signed.get(SIGNED_ROUTES.download, { schema: { hide: true } }, (req, reply) => download(c, req, reply))
  })
}

async function authenticate(c: Container, req: FastifyRequest): Promise<Actor> {
  const m = /^Bearer\s+(.+)$/i.exec((req.headers.authorization ?? '').trim())
  if (!m) throw new PdsError(401, 'AccessTokenInvalid', 'Send `Authorization: Bearer <access_token>`')
  return c.auth.authenticate(m[1].trim())
}

function contextOf(c: Container, req: FastifyRequest): PdsCtx {
  const origin = c.config.http.publicUrl?.replace(/\/+$/, '') ?? `${req.protocol}://${req.host}`
  return { c, actor: actors.get(req)!, origin }
}
