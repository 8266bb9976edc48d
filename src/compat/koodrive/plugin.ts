/**
 * The Huawei Cloud KooDrive dialect: one Fastify plugin, mounted under `/koodrive/ose/v1`, with its own
 * authentication, error handler and wire shapes, over the same services as the native API. See README.md.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ctxOf, langOf, type KooApp, type KooDeps } from './deps.ts'
import { kooAuth } from './auth.ts'
import { kooErrorHandler, message } from './errors.ts'
import { setupRoutes } from './setup.routes.ts'
import { filesRoutes } from './files.routes.ts'
import { uploadRoutes } from './upload.routes.ts'
import { listingRoutes } from './listing.routes.ts'
import { jobsRoutes } from './jobs.routes.ts'
import { albumsRoutes } from './albums.routes.ts'

export const KOODRIVE_PREFIX = '/koodrive/ose/v1'

export interface KooDrivePluginOptions {
  container: KooDeps
}

export async function koodrivePlugin(instance: FastifyInstance, opts: KooDrivePluginOptions): Promise<void> {
  const app = instance as unknown as KooApp
  const c = opts.container
  const prefix = app.prefix
  app.decorateRequest('koo', null)
  app.setErrorHandler(kooErrorHandler)
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ code: '13000309', msg: message('13000309', langOf(req.headers.language)) })
  })
  // X-Traceid is echoed on every answer, refusals included (the error handler sets it again).
  app.addHook('onRequest', async (req, reply) => {
    const trace = req.headers['x-traceid']
    if (typeof trace === 'string' && trace.length <= 256) void reply.header('X-Traceid', trace)
  })
  app.addHook('onRequest', kooAuth(c))
  const k = (req: FastifyRequest) => ctxOf(req, c, prefix)
  for (const routes of [setupRoutes, filesRoutes, uploadRoutes, listingRoutes, jobsRoutes, albumsRoutes]) await routes(app, c, k)
}
