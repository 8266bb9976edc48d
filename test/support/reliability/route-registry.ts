/**
 * The route registry: every route the real app registers, read from the app itself.
 *
 * Fastify publishes each new instance on the diagnostics channel `fastify.initialization` before any plugin is
 * registered; subscribing there lets us add an `onRoute` hook to the instance `buildApp` creates, so every route of every
 * plugin (native API, dialects, web UI) is collected with its method, URL and schema. Nothing in `src/` knows about it,
 * and an endpoint added tomorrow shows up here without anyone editing a list.
 */
import diagnostics from 'node:diagnostics_channel'
import type { RouteOptions } from 'fastify'
import { buildApp } from '../../../src/http/build-app.ts'
import type { Container } from '../../../src/app/container.ts'
import type { App } from '../../../src/http/routes/types.ts'

export interface RouteSchema {
  params?: JsonSchema
  querystring?: JsonSchema
  body?: JsonSchema
  headers?: JsonSchema
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonSchema = Record<string, any>

export interface RouteInfo {
  method: string
  /** Full URL pattern with the prefix, e.g. `/trove/v1/spaces/:spaceId/nodes/:nodeId`. */
  url: string
  /** Path parameters in order (`*` for a wildcard). */
  params: string[]
  schema: RouteSchema
  /** A HEAD route Fastify derived from a GET route (exposeHeadRoutes). */
  derivedHead: boolean
  /** `METHOD url`: the key tables are written against. */
  key: string
}

const CHANNEL = 'fastify.initialization'

/** Builds the real app and returns it with every route it registered. */
export async function buildAppWithRoutes(c: Container, opts: Parameters<typeof buildApp>[1] = {}): Promise<{ app: App; routes: RouteInfo[] }> {
  const raw: { method: string; url: string; schema: RouteSchema; handler: unknown }[] = []
  let captured = false
  const onInit = (message: unknown) => {
    if (captured) return // only the first instance: buildApp's own
    captured = true
    const fastify = (message as { fastify: App }).fastify
    fastify.addHook('onRoute', (r: RouteOptions) => {
      const methods = Array.isArray(r.method) ? r.method : [r.method]
      for (const m of methods) raw.push({ method: String(m).toUpperCase(), url: r.url, schema: (r.schema ?? {}) as RouteSchema, handler: r.handler })
    })
  }
  diagnostics.subscribe(CHANNEL, onInit)
  let app: App
  try {
    app = await buildApp(c, opts)
  } finally {
    diagnostics.unsubscribe(CHANNEL, onInit)
  }
  await app.ready()
  const gets = new Map(raw.filter((r) => r.method === 'GET').map((r) => [r.url, r.handler]))
  const seen = new Set<string>()
  const routes: RouteInfo[] = []
  for (const r of raw) {
    const key = `${r.method} ${r.url}`
    if (seen.has(key)) continue
    seen.add(key)
    routes.push({
      method: r.method,
      url: r.url,
      params: paramsOf(r.url),
      schema: r.schema,
      derivedHead: r.method === 'HEAD' && gets.get(r.url) === r.handler,
      key,
    })
  }
  if (!routes.length) throw new Error('route registry: no route was collected (did Fastify stop publishing fastify.initialization?)')
  return { app, routes: routes.sort((a, b) => a.key.localeCompare(b.key)) }
}

export function paramsOf(url: string): string[] {
  const out: string[] = []
  for (const m of url.matchAll(/:([A-Za-z0-9_]+)|\*/g)) out.push(m[1] ?? '*')
  return out
}

/** Fills a URL pattern: `values[name]` for each `:name`, `values['*']` for a wildcard (all already encoded). */
export function fillUrl(url: string, values: Record<string, string>): string {
  return url.replace(/:([A-Za-z0-9_]+)|\*/g, (_m, name: string | undefined) => {
    const v = values[name ?? '*']
    if (v === undefined) throw new Error(`no value for path parameter ${name ?? '*'} of ${url}`)
    return v
  })
}
