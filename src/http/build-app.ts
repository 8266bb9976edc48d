import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { Container } from '../app/container.ts'
import { nativeErrorHandler } from './error-mapper.ts'
import { requireActor } from './auth.ts'
import { spacesRoutes } from './routes/spaces.routes.ts'
import { nodesRoutes } from './routes/nodes.routes.ts'
import { filesRoutes } from './routes/files.routes.ts'
import { trashRoutes } from './routes/trash.routes.ts'
import { tasksRoutes } from './routes/tasks.routes.ts'
import { auditRoutes } from './routes/audit.routes.ts'
import { albumsRoutes } from './routes/albums.routes.ts'
import { tokensRoutes } from './routes/tokens.routes.ts'
import { sessionRoutes } from './routes/session.routes.ts'
import { thumbnailsRoutes } from './routes/thumbnails.routes.ts'
import { webUiPlugin } from './web-ui.ts'
import type { App } from './routes/types.ts'
import { koodrivePlugin, KOODRIVE_PREFIX } from '../compat/koodrive/plugin.ts'
import { pdsPlugin } from '../compat/pds/plugin.ts'
import { smhDialect } from '../compat/smh/index.ts'
import { smhErrorHandler } from '../compat/smh/errors.ts'
import { pdsErrorHandler, REQUEST_ID_HEADER as PDS_REQUEST_ID_HEADER } from '../compat/pds/errors.ts'
import { kooErrorHandler } from '../compat/koodrive/errors.ts'

/** The native API lives here; vendor dialects get their own prefixes (/api/v1, /v2, /koodrive) beside it. */
export const NATIVE_PREFIX = '/trove/v1'

/**
 * Errors Fastify raises before any route or plugin sees the request (a URL that is not valid percent-encoded UTF-8, a
 * path parameter over the length limit) answer in the error format of the API the URL belongs to, not Fastify's own.
 */
function routingError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const url = req.url
  if (url.startsWith('/api/v1/')) {
    void reply.header('x-request-id', req.id)
    return smhErrorHandler(err, req, reply)
  }
  if (url.startsWith('/v2/')) {
    void reply.header(PDS_REQUEST_ID_HEADER, randomUUID().toUpperCase())
    return pdsErrorHandler(err, req, reply)
  }
  if (url.startsWith(`${KOODRIVE_PREFIX}/`)) return kooErrorHandler(err, req, reply)
  return nativeErrorHandler(err, req, reply)
}

/** A hop count trusts that many proxies nearest to the server (what proxy-addr does for a number). */
function trustProxyOption(t: false | number | string[]): boolean | string[] | ((addr: string, hop: number) => boolean) {
  return typeof t === 'number' ? (_addr: string, hop: number) => hop < t : t
}

export async function buildApp(c: Container, opts: { logger?: FastifyServerOptions['logger']; webRoot?: string } = {}): Promise<App> {
  const app = Fastify({ logger: opts.logger ?? false, trustProxy: trustProxyOption(c.config.http.trustProxy), routerOptions: { ignoreTrailingSlash: true }, frameworkErrors: routingError }).withTypeProvider<TypeBoxTypeProvider>()
  app.decorateRequest('actor', null)

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Trove native API',
        version: '1',
        description: 'Spaces, files and folders, the recycle bin, tasks and the audit log. Errors are `{"error":{"code","message","details"}}`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const m = await c.metrics.render()
    return reply.header('content-type', m.contentType).send(m.body)
  })
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched'
    c.metrics.httpDuration.observe({ method: req.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000)
  })
  app.get('/healthz', { schema: { hide: true } }, async (_req, reply) => {
    await c.store.repos.libraries.count()
    return reply.send({ status: 'ok' })
  })

  await app.register(
    async (native) => {
      const api = native as unknown as App
      api.setErrorHandler(nativeErrorHandler)
      api.setNotFoundHandler((req, reply) => {
        void reply.status(404).send({ error: { code: 'route.not_found', message: `No route ${req.method} ${req.url.split('?')[0]}` } })
      })
      // onRequest, not preHandler: an anonymous request is refused before its body or query is even looked at.
      api.addHook('onRequest', requireActor(c.auth, c.sessions)) // or the web UI's session cookie
      for (const routes of [spacesRoutes, nodesRoutes, trashRoutes, tasksRoutes, auditRoutes, albumsRoutes, thumbnailsRoutes]) await routes(api, c)
      await api.register(async (files) => filesRoutes(files as unknown as App, c))
    },
    { prefix: NATIVE_PREFIX },
  )
  await app.register(tokensRoutes, { prefix: NATIVE_PREFIX, container: c }) // password sign-in: outside the bearer hook
  await app.register(koodrivePlugin, { prefix: KOODRIVE_PREFIX, container: c })
  await app.register(pdsPlugin, { prefix: '/v2', container: c })
  await app.register(smhDialect(c), { prefix: '/api/v1' })
  await app.register(
    async (web) => {
      const api = web as unknown as App
      api.setErrorHandler(nativeErrorHandler)
      await sessionRoutes(api, c) // sign-in by password: outside the native auth hook
    },
    { prefix: NATIVE_PREFIX },
  )
  await app.register(webUiPlugin({ root: opts.webRoot })) // the web UI at `/`, with its SPA fallback
  return app as unknown as App
}
