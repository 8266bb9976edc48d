import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

/**
 * Serves the built web UI (web/dist, produced by `npm run build:web`, which `npm install` runs) at `/`.
 * Page URLs such as /files/12 or /bin are the UI's own routes: any other GET that accepts HTML gets index.html (the
 * SPA fallback), except under the API and service prefixes below, which keep their own JSON 404s.
 */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url))
export const NOT_UI_PREFIXES = ['/trove', '/api', '/v2', '/koodrive', '/docs', '/openapi.json', '/metrics', '/healthz', '/assets']

export function isUiPath(urlPath: string): boolean {
  if (NOT_UI_PREFIXES.some((p) => urlPath === p || urlPath.startsWith(p + '/') || urlPath.startsWith(p + '.'))) return false
  // A missing file (favicon.ico, robots.txt) is a 404, not the app.
  return !/\.[A-Za-z0-9]{1,8}$/.test(urlPath)
}

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Trove: web UI not built</title>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5">
<h1>The web UI has not been built</h1>
<p>This server is running, but it found no built web UI in <code>web/dist</code>.
Run <code>npm run build:web</code> (or <code>npm install</code>, which runs it) in the Trove folder, then restart the server.</p>
<p>The API works without it: see <a href="/docs">/docs</a>.</p></body></html>`

export function webUiPlugin(opts: { root?: string } = {}) {
  const root = opts.root ?? DEFAULT_WEB_ROOT
  return async (app: FastifyInstance): Promise<void> => {
    const hide = { schema: { hide: true } }
    const notFound = (method: string, url: string) => ({ error: { code: 'route.not_found', message: `No route ${method} ${url}` } })
    if (!fs.existsSync(path.join(root, 'index.html'))) {
      app.get('/', hide, async (_req, reply) => reply.status(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT))
      return
    }
    await app.register(fastifyStatic, { root, serve: false })
    app.get('/', hide, async (_req, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html'))
    // Vite names assets by content hash, so they can be cached for good.
    app.get('/assets/*', hide, async (req, reply) => reply.sendFile(path.posix.join('assets', (req.params as { '*': string })['*']), { maxAge: '365d', immutable: true }))
    app.setNotFoundHandler(async (req, reply) => {
      const urlPath = req.url.split('?')[0]
      if ((req.method === 'GET' || req.method === 'HEAD') && isUiPath(urlPath)) return reply.header('cache-control', 'no-cache').sendFile('index.html')
      return reply.status(404).send(notFound(req.method, urlPath))
    })
  }
}
