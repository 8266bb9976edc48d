import { randomBytes } from 'node:crypto'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import type { Container } from '../../app/container.ts'
import { DEFAULT_OPTIONS, type SmhOptions } from './context.ts'
import { smhErrorHandler, SmhError } from './errors.ts'
import { tokenRoutes } from './routes/tokens.ts'
import { spaceRoutes } from './routes/spaces.ts'
import { directoryRoutes } from './routes/directories.ts'
import { fileRoutes } from './routes/files.ts'
import { transferRoutes } from './routes/transfer.ts'
import { batchRoutes } from './routes/batch.ts'
import { recycledRoutes } from './routes/recycled.ts'
import { taskRoutes } from './routes/tasks.ts'
import { quotaRoutes } from './routes/quota.ts'

export type { SmhOptions }

/** Request bodies of SMH calls are small JSON documents (arrays of ≤ 1,000 ids or paths). */
const JSON_BODY_LIMIT = 4 * 1024 * 1024

/**
 * Tencent Smart Media Hosting (SMH) wire dialect, mounted under `/api/v1`: a thin adapter over the core services.
 * It owns its error envelope (`{code, message, requestId}` + `X-Request-Id`), its body parsing (SMH sends JSON with any
 * content type, or nothing) and its routes; the core knows nothing about SMH. See README.md for the deviations.
 */
export function smhDialect(c: Container, options: Partial<SmhOptions> = {}): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    const opts: SmhOptions = { ...DEFAULT_OPTIONS, basePath: app.prefix || DEFAULT_OPTIONS.basePath, ...options }
    app.decorateRequest('smhRequestId', '')
    app.addHook('onRoute', (route) => {
      // SMH routes stay out of the native OpenAPI document.
      route.schema = { ...(route.schema ?? {}), hide: true }
    })
    app.addHook('onRequest', async (req, reply) => {
      const id = randomBytes(12).toString('base64url')
      ;(req as typeof req & { smhRequestId: string }).smhRequestId = id
      reply.header('x-request-id', id)
    })
    app.setErrorHandler(smhErrorHandler)
    app.setNotFoundHandler((req) => {
      throw new SmhError(404, 'BadRequest', `No SMH operation ${req.method} ${req.url.split('?')[0]}`)
    })
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: JSON_BODY_LIMIT }, (_req, body, done) => {
      const text = (body as Buffer).toString('utf8').trim()
      if (!text) return done(null, undefined)
      try {
        done(null, JSON.parse(text))
      } catch {
        done(new SmhError(400, 'ParamInvalid', 'The request body is not valid JSON'), undefined)
      }
    })

    const deps = { c, opts }
    for (const routes of [tokenRoutes, spaceRoutes, directoryRoutes, fileRoutes, batchRoutes, recycledRoutes, taskRoutes, quotaRoutes]) routes(app, deps)
    // The byte upload and signed downloads read raw streams: their own content-type handling, in their own scope.
    await app.register(async (raw) => transferRoutes(raw, deps))
  }
}
