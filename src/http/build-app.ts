import Fastify, { type FastifyServerOptions } from 'fastify'
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
import type { App } from './routes/types.ts'

/** The native API lives here; vendor dialects get their own prefixes (/api/v1, /v2, /koodrive) beside it. */
export const NATIVE_PREFIX = '/trove/v1'

export async function buildApp(c: Container, opts: { logger?: FastifyServerOptions['logger'] } = {}): Promise<App> {
  const app = Fastify({ logger: opts.logger ?? false, routerOptions: { ignoreTrailingSlash: true } }).withTypeProvider<TypeBoxTypeProvider>()
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
      api.addHook('onRequest', requireActor(c.auth))
      for (const routes of [spacesRoutes, nodesRoutes, trashRoutes, tasksRoutes, auditRoutes, albumsRoutes]) await routes(api, c)
      await api.register(async (files) => filesRoutes(files as unknown as App, c))
    },
    { prefix: NATIVE_PREFIX },
  )
  return app as unknown as App
}
