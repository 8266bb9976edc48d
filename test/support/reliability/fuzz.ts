/**
 * The fuzz engine: for each route a dialect owns (from the route registry), fast-check generates requests with hostile
 * path parameters, query, body, headers and credentials, sends them through `app.inject`, and checks:
 *
 *   - never a 5xx (but the native 507 for a full quota, a refusal like the 4xx);
 *   - every refusal (4xx) is in the dialect's own error format (`Dialect.errorFormat`);
 *   - a refused request changed nothing: the database (row counts + a hash of every table) and the data directory's
 *     files are identical before and after.
 *
 * Routes with a schema (the native API) get values shaped by it (right and wrong types, bounds ±1, unknown enum
 * values, missing required and extra fields, 1,001-item arrays); routes without one (most dialect routes) get the
 * dialect's vocabulary of field names with known and hostile values.
 */
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { TestContext } from 'node:test'
import type { Dialect, Draft } from './dialect.ts'
import { routesOf, toWire } from './dialect.ts'
import type { JsonSchema, RouteInfo } from './route-registry.ts'
import { fillUrl } from './route-registry.ts'
import type { Fixtures, Res, Who, World } from './world.ts'
import { diffSnapshots, type Snapshot } from './snapshot.ts'
import {
  CONTENT_TYPES,
  expand,
  nastyCursor,
  nastyJsonValue,
  nastyPathSegment,
  nastyQueryValue,
  nastyRange,
  nastyString,
  NASTY_NUMBERS,
  PAGING_FIELD,
  PAGING_NUMBERS,
  rawBody,
  rawBodyBytes,
  type RawBody,
  type Str,
  enc,
  encSegment,
} from './hostile.ts'

export type SubtestRunner = (name: string, fn: () => Promise<void>) => Promise<unknown>

export type AuthMode = 'admin' | 'readonly' | 'other-library' | 'none' | 'hostile'

/** One generated request, as plain data (a counterexample prints as this). */
export interface Case {
  params: Record<string, string>
  query: [string, string | null][]
  body?: { json: unknown } | { raw: RawBody }
  /** undefined: the natural one for the body (JSON → application/json, raw → octet-stream); null: none. */
  contentType?: string | null
  headers: Record<string, string>
  auth: AuthMode
  /** Hostile values for the dialect's credential headers / query keys. */
  authNoise: Record<string, string>
}

export interface FuzzStats {
  routes: number
  cases: number
  rejected: number
  accepted: number
  byStatus: Record<string, number>
}

/** CI-size scale: TROVE_FUZZ_SCALE=0.1 for a quick local run, 5 for a long one. */
export function fuzzScale(): number {
  const v = Number(process.env.TROVE_FUZZ_SCALE ?? '1')
  return Number.isFinite(v) && v > 0 ? v : 1
}

export function runsFor(d: Dialect, r: RouteInfo, scale = fuzzScale()): number {
  const base = d.runsPerRoute * scale
  return Math.max(5, Math.round(r.derivedHead ? base / 10 : base))
}

/** The number of cases the suite runs for these dialects over these routes (what CI runs at scale 1). */
export function plannedCases(dialects: Dialect[], routes: RouteInfo[], scale = fuzzScale()): number {
  return dialects.reduce((n, d) => n + routesOf(d, routes).reduce((m, r) => m + runsFor(d, r, scale), 0), 0)
}

// ---------------------------------------------------------------------------------------------------------------------
// Values

/** Deep-expands `{repeat, times}` placeholders into real strings. */
export function materialize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(materialize)
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>
    const keys = Object.keys(o)
    if (keys.length === 2 && typeof o.repeat === 'string' && typeof o.times === 'number') return expand(o as Str)
    const out: Record<string, unknown> = {}
    for (const k of keys) Object.defineProperty(out, k, { value: materialize(o[k]), enumerable: true, writable: true, configurable: true })
    return out
  }
  return v
}

const singular = (name: string) => (name.endsWith('Ids') ? name.slice(0, -1) : name.endsWith('_ids') ? name.slice(0, -4) + '_id' : name)

interface ValueCtx {
  d: Dialect
  fx: Fixtures
  w: World
}

function known(ctx: ValueCtx, name: string): string[] {
  return ctx.d.knownValues(name, ctx.fx, ctx.w) ?? []
}

/** One of the known values, the first (the one that addresses the target) most often. */
function pick(ids: string[]): fc.Arbitrary<string> {
  return ids.length > 1 ? fc.oneof({ weight: 3, arbitrary: fc.constant(ids[0]) }, { weight: 2, arbitrary: fc.constantFrom(...ids) }) : fc.constant(ids[0])
}

/** A value of the right type (and usually within bounds) for a schema; names that address things get real ids. */
function plausible(schema: JsonSchema | undefined, name: string, ctx: ValueCtx, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return nastyJsonValue
  if ('const' in schema) return fc.constant(schema.const)
  if (schema.anyOf || schema.oneOf) return fc.oneof(...(schema.anyOf ?? schema.oneOf).map((s: JsonSchema) => plausible(s, name, ctx, depth + 1)))
  if (schema.allOf) return fc.tuple(...schema.allOf.map((s: JsonSchema) => plausible(s, name, ctx, depth + 1))).map((parts) => Object.assign({}, ...parts.filter((p) => p && typeof p === 'object')))
  if (schema.enum) return fc.constantFrom(...schema.enum)
  switch (schema.type) {
    case 'object':
      return objectOf(schema, ctx, depth + 1)
    case 'array': {
      const item = plausible(schema.items, singular(name), ctx, depth + 1)
      const max = Math.min(schema.maxItems ?? 5, 5)
      return fc.array(item, { minLength: schema.minItems ?? 0, maxLength: Math.max(max, schema.minItems ?? 0) })
    }
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? -1000
      const max = schema.maximum ?? 1_000_000
      const ids = known(ctx, name).map(Number).filter(Number.isFinite)
      return fc.oneof(fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31) }), ...(ids.length ? [fc.constantFrom(...ids)] : []))
    }
    case 'boolean':
      return fc.boolean()
    case 'null':
      return fc.constant(null)
    case 'string': {
      const ids = known(ctx, name)
      if (schema.format === 'date-time') return fc.date({ min: new Date(0), max: new Date(Date.UTC(2100, 0, 1)), noInvalidDate: true }).map((d) => d.toISOString())
      const fresh = fc.tuple(fc.nat(999_999), fc.constantFrom('.txt', '', ' (1).jpg', '.tar.gz', ' a b', '-x_y')).map(([n, ext]) => `fz-${n}${ext}`)
      return ids.length ? fc.oneof({ weight: 3, arbitrary: pick(ids) }, { weight: 1, arbitrary: fresh }) : fresh
    }
    default: {
      // No type (e.g. `Type.Unknown()`): what the dialect accepts is up to its code; offer real ids and anything.
      const ids = known(ctx, name)
      if (!ids.length) return nastyJsonValue
      return fc.oneof({ weight: 3, arbitrary: pick(ids) }, { weight: 1, arbitrary: fc.array(fc.constantFrom(...ids), { minLength: 1, maxLength: 3 }) }, { weight: 2, arbitrary: nastyJsonValue })
    }
  }
}

/** A value that is wrong for the schema: wrong type, out of bounds, unknown enum value, too many items, nasty text. */
function hostile(schema: JsonSchema | undefined, name: string, ctx: ValueCtx): fc.Arbitrary<unknown> {
  const options: fc.Arbitrary<unknown>[] = [nastyJsonValue]
  if (schema) {
    const lits = (schema.anyOf ?? schema.oneOf ?? []).filter((s: JsonSchema) => 'const' in s).map((s: JsonSchema) => s.const)
    if (lits.length || schema.enum) {
      const vals = (schema.enum ?? lits) as unknown[]
      options.push(fc.constantFrom('unknown', '', 'NAME', ...vals.map((v) => `${String(v)} `), ...vals.map((v) => String(v).toUpperCase()), 'name;drop', '-name', 'name:asc'))
    }
    if (schema.type === 'integer' || schema.type === 'number') {
      const b = [schema.minimum, schema.maximum].filter((x) => typeof x === 'number') as number[]
      options.push(fc.constantFrom(...NASTY_NUMBERS, ...b.flatMap((x) => [x - 1, x + 1, x + 0.5]), '1', 'NaN'))
      if (PAGING_FIELD.test(name)) options.push(fc.constantFrom<unknown>(...PAGING_NUMBERS, ...PAGING_NUMBERS.map(Number)))
    }
    if (schema.type === undefined && PAGING_FIELD.test(name)) options.push(fc.constantFrom<unknown>(...PAGING_NUMBERS, ...PAGING_NUMBERS.map(Number)))
    if (schema.type === 'array') {
      const item = plausible(schema.items, singular(name), ctx)
      const n = (schema.maxItems ?? 1000) + 1
      options.push(fc.array(item, { minLength: n, maxLength: n }), fc.constant([]), fc.array(nastyJsonValue, { maxLength: 3 }))
    }
    if (schema.type === 'string') options.push(nastyString)
    if (schema.type === 'object') options.push(objectOf(schema, ctx, 1, 0.5))
  }
  return fc.oneof(...options)
}

/**
 * An object for a schema: each property right, wrong or missing (required ones too, sometimes), plus unknown extra
 * properties now and then.
 */
function objectOf(schema: JsonSchema, ctx: ValueCtx, depth = 0, wrongness = 0.25): fc.Arbitrary<Record<string, unknown>> {
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>
  const required = new Set<string>(schema.required ?? [])
  const fields: Record<string, fc.Arbitrary<unknown>> = {}
  const wrongW = Math.round(wrongness * 8)
  for (const [k, s] of Object.entries(props)) {
    fields[k] = fc.oneof(
      { weight: 8 - wrongW, arbitrary: plausible(s, k, ctx, depth) },
      { weight: Math.max(1, wrongW), arbitrary: hostile(s, k, ctx) },
      { weight: required.has(k) ? 1 : 3, arbitrary: fc.constant(ABSENT) },
    )
  }
  const extra = fc.oneof(
    { weight: 6, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('extra', 'admin', 'id', '__proto__', 'constructor', 'grants', 'libraryId', 'x'.repeat(300)), nastyJsonValue, { maxKeys: 2 }) },
  )
  return fc.tuple(fc.record(fields), extra).map(([o, x]) => {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(o)) if (v !== ABSENT) out[k] = v
    for (const [k, v] of Object.entries(x)) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true })
    return out
  })
}

const ABSENT = Symbol('absent')

/** A JSON object over a vocabulary of field names (routes without a body schema). */
function vocabularyObject(ctx: ValueCtx, names: string[]): fc.Arbitrary<Record<string, unknown>> {
  if (!names.length) return fc.constant({})
  const value = (k: string) => {
    const ids = known(ctx, k)
    const paging = PAGING_FIELD.test(k)
    return fc.oneof(
      { weight: paging ? 3 : 0, arbitrary: fc.constantFrom<unknown>(...PAGING_NUMBERS, ...PAGING_NUMBERS.map(Number)) },
      { weight: ids.length ? 4 : 0, arbitrary: ids.length ? pick(ids) : fc.constant('') },
      { weight: ids.length ? 1 : 0, arbitrary: ids.length ? fc.array(fc.constantFrom(...ids), { maxLength: 3 }) : fc.constant([]) },
      { weight: ids.length ? 1 : 0, arbitrary: ids.length ? fc.array(fc.constantFrom(...ids), { minLength: 1001, maxLength: 1001 }) : fc.constant([]) },
      { weight: 4, arbitrary: nastyJsonValue },
    )
  }
  // The fields most calls need (`usual`) are there most of the time; others come and go.
  const usual = ctx.d.vocabulary.usual ?? []
  return fc
    .tuple(fc.subarray(usual, { minLength: Math.min(usual.length, 1) }), fc.uniqueArray(fc.constantFrom(...names), { maxLength: Math.min(names.length, 5) }))
    .map(([u, k]) => [...new Set([...u, ...k])])
    .chain((keys) => fc.tuple(...keys.map((k) => value(k).map((v) => [k, v] as const))))
    .map((pairs) => Object.fromEntries(pairs))
}

function queryValueFor(ctx: ValueCtx, name: string, schema?: JsonSchema): fc.Arbitrary<string | null> {
  const ids = known(ctx, name)
  const options: { weight: number; arbitrary: fc.Arbitrary<string | null> }[] = [{ weight: 3, arbitrary: nastyQueryValue }]
  if (ids.length) options.push({ weight: 4, arbitrary: pick(ids).map(enc) })
  if (schema) options.push({ weight: 4, arbitrary: plausible(schema, name, ctx).map((v) => enc(typeof v === 'string' ? v : JSON.stringify(v) ?? '')) })
  if (/cursor|marker/i.test(name)) options.push({ weight: 4, arbitrary: nastyCursor(ctx.fx.cursor ? [ctx.fx.cursor] : []).map(enc) })
  if (PAGING_FIELD.test(name)) options.push({ weight: 4, arbitrary: fc.constantFrom(...PAGING_NUMBERS).map(enc) })
  options.push({ weight: 1, arbitrary: fc.constant(null) })
  return fc.oneof(...options)
}

// ---------------------------------------------------------------------------------------------------------------------
// Cases

export function caseArbitrary(route: RouteInfo, ctx: ValueCtx): fc.Arbitrary<Case> {
  const { d } = ctx
  const params: Record<string, fc.Arbitrary<string>> = {}
  for (const p of route.params) {
    const ids = known(ctx, p)
    const wildcard = p === '*' ? fc.array(fc.oneof(fc.constantFrom(...(ids.length ? ids : ['x'])).map(encSegment), nastyPathSegment), { maxLength: 4 }).map((s) => s.join('/')) : null
    params[p] = fc.oneof(
      { weight: ids.length ? 7 : 0, arbitrary: ids.length ? pick(ids).map((v) => (p === '*' ? v.split('/').map(encSegment).join('/') : encSegment(v))) : fc.constant('x') },
      { weight: 3, arbitrary: wildcard ?? nastyPathSegment },
    )
  }

  const qSchema = route.schema.querystring
  const qProps = (qSchema?.properties ?? {}) as Record<string, JsonSchema>
  const qNames = qSchema ? Object.keys(qProps) : d.vocabulary.query
  const usualQuery = qSchema ? [] : (d.vocabulary.usualQuery ?? [])
  const queryKeys = fc
    .tuple(fc.subarray(usualQuery), fc.uniqueArray(fc.constantFrom(...(qNames.length ? qNames : ['x'])), { maxLength: Math.min(qNames.length || 1, 6) }))
    .map(([u, k]) => [...new Set([...u, ...k])])
  const queryPairs = queryKeys.chain((keys) =>
    fc.tuple(
      ...keys.map((k) =>
        fc.oneof(
          { weight: 5, arbitrary: queryValueFor(ctx, k, qProps[k]).map((v) => [[k, v]] as [string, string | null][]) },
          // The same key twice: an array where a scalar is expected.
          { weight: 1, arbitrary: fc.tuple(queryValueFor(ctx, k, qProps[k]), queryValueFor(ctx, k, qProps[k])).map(([a, b]) => [[k, a], [k, b]] as [string, string | null][]) },
        ),
      ),
    ),
  )
  const extraQuery = fc.oneof(
    { weight: 6, arbitrary: fc.constant([] as [string, string | null][]) },
    { weight: 1, arbitrary: fc.tuple(fc.oneof(nastyQueryValue, fc.constantFrom('__proto__', 'constructor', 'toString', 'a[b]', 'a.b', '')), nastyQueryValue).map(([k, v]) => [[k, v]] as [string, string | null][]) },
  )
  const query = fc.tuple(queryPairs, extraQuery).map(([pairs, extra]) => [...pairs.flat(), ...extra])

  const writes = !['GET', 'HEAD', 'OPTIONS'].includes(route.method)
  const bSchema = route.schema.body
  const jsonBody = bSchema ? objectOf(bSchema.anyOf ? { ...bSchema.anyOf.find((s: JsonSchema) => s.type === 'object') } : bSchema, ctx) : vocabularyObject(ctx, d.vocabulary.body)
  const body: fc.Arbitrary<Case['body']> = writes
    ? fc.oneof(
        { weight: 6, arbitrary: jsonBody.map((json) => ({ json })) },
        { weight: 3, arbitrary: rawBody.map((raw) => ({ raw })) },
        { weight: 1, arbitrary: fc.constant(undefined) },
      )
    : fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: rawBody.map((raw) => ({ raw })) })

  const contentType = fc.oneof({ weight: 7, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) })
  const headers = fc.oneof(
    { weight: 5, arbitrary: fc.constant({}) },
    {
      weight: 2,
      arbitrary: fc.dictionary(
        fc.constantFrom('range', 'if-none-match', 'x-content-sha256', 'language', 'x-traceid', 'accept', 'x-trove-csrf', 'cookie', 'origin', 'x-forwarded-for', 'host'),
        fc.oneof(nastyRange, nastyString.map((s) => headerSafe(expand(s)))),
        { maxKeys: 2 },
      ),
    },
  )
  const auth = fc.oneof({ weight: 14, arbitrary: fc.constant<AuthMode>('admin') }, { weight: 2, arbitrary: fc.constantFrom<AuthMode>('readonly', 'other-library') }, { weight: 1, arbitrary: fc.constantFrom<AuthMode>('none', 'hostile') })
  const noiseKeys = [...d.authHeaders.map((h) => `header:${h}`), ...d.authQuery.map((q) => `query:${q}`)]
  const authNoise = noiseKeys.length
    ? fc.oneof({ weight: 8, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.dictionary(fc.constantFrom(...noiseKeys), fc.oneof(nastyString.map((s) => headerSafe(expand(s))), fc.constantFrom('Bearer', 'Bearer ', 'Basic Zm9vOmJhcg==', 'Bearer+', 'bearer x y', '20260101T120000Z', '19700101T000000Z', '99991231T235959Z')), { maxKeys: 2 }) })
    : fc.constant({})
  return fc.record({ params: fc.record(params), query, body, contentType, headers, auth, authNoise }) as fc.Arbitrary<Case>
}

/** Header values cannot hold control characters or non-Latin-1 (Node refuses to send them); keep what can be sent. */
function headerSafe(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]/g, '?').replace(/[^\u0020-\u00ff]/g, '?').slice(0, 8192)
}

export async function caseToDraft(route: RouteInfo, c: Case, ctx: ValueCtx & { tokens: Record<'admin' | 'readonly' | 'other-library', Who> }): Promise<Draft> {
  const path = fillUrl(route.url, c.params)
  const draft: Draft = { method: route.method, path, query: [...c.query], headers: { ...c.headers } }
  if (c.body) {
    if ('json' in c.body) {
      draft.payload = JSON.stringify(materialize(c.body.json)) ?? ''
      if (c.contentType === undefined) draft.headers['content-type'] = 'application/json'
    } else {
      draft.payload = rawBodyBytes(c.body.raw)
      if (c.contentType === undefined) draft.headers['content-type'] = 'application/octet-stream'
    }
  }
  if (c.contentType) draft.headers['content-type'] = c.contentType
  if (c.auth === 'admin' || c.auth === 'readonly' || c.auth === 'other-library') ctx.d.authenticate(draft, ctx.tokens[c.auth], ctx.w)
  else if (c.auth === 'hostile') ctx.d.authenticate(draft, { ...ctx.tokens.admin, token: 'f'.repeat(64) }, ctx.w)
  for (const [k, v] of Object.entries(c.authNoise)) {
    const [where, name] = [k.slice(0, k.indexOf(':')), k.slice(k.indexOf(':') + 1)]
    if (where === 'header') draft.headers[name] = v
    else draft.query = [...draft.query.filter(([q]) => q !== name), [name, enc(v)]]
  }
  return draft
}

// ---------------------------------------------------------------------------------------------------------------------
// The run

function brief(c: Case): string {
  return JSON.stringify(c, (_k, v) => (typeof v === 'string' && v.length > 300 ? `${v.slice(0, 300)}…(${v.length} chars)` : v))
}

/**
 * Fuzzes every route `d` owns, one node:test subtest per route, all in one world (fixtures refreshed per route).
 * Returns the statistics; throws (through the subtests) on the first property that fails, with fast-check's
 * counterexample and seed.
 */
export async function fuzzDialect(t: Pick<TestContext, 'test'> | SubtestRunner, d: Dialect, w: World, opts: { routes?: RouteInfo[] } = {}): Promise<FuzzStats> {
  const sub: SubtestRunner = typeof t === 'function' ? t : (name, fn) => t.test(name, fn)
  const routes = opts.routes ?? routesOf(d, w.routes)
  assert.ok(routes.length > 0, `${d.name}: the registry has no route for this dialect`)
  const stats: FuzzStats = { routes: routes.length, cases: 0, rejected: 0, accepted: 0, byStatus: {} }
  const seed = process.env.TROVE_FUZZ_SEED ? Number(process.env.TROVE_FUZZ_SEED) : undefined
  let tokens = await freshTokens(w)
  for (const route of routes) {
    await sub(route.key, async () => {
      const fx = await w.fixtures('a')
      const ctx = { d, fx, w }
      // Cases run one after the other and nothing else touches the world in between, so the snapshot after one case
      // is the snapshot before the next; it is retaken only after the world was changed outside a request.
      let last: Snapshot | null = null
      await fc.assert(
        fc.asyncProperty(caseArbitrary(route, ctx), async (c) => {
          const draft = await caseToDraft(route, c, { ...ctx, tokens })
          const before = last ?? (await w.snap.take())
          last = null
          const res = await w.send(toWire(draft))
          const after = await w.snap.take()
          stats.cases++
          stats.byStatus[res.status] = (stats.byStatus[res.status] ?? 0) + 1
          const where = `${route.key} ← ${draft.method} ${draft.path}${draft.query.length ? '?…' : ''} → ${res.status} ${res.text.slice(0, 300)}`
          // 507 is the native answer to a full quota (WebDAV's Insufficient Storage): a refusal the client caused, not a
          // server failure, so it must meet the refusal checks below like any 4xx.
          const quotaRefusal = res.status === 507 && /"quota\.exceeded"/.test(res.text)
          assert.ok(res.status < 500 || quotaRefusal, `5xx: ${where}`)
          if (res.status >= 400) {
            stats.rejected++
            if (draft.method !== 'HEAD') {
              const wrong = d.errorFormat(res)
              assert.equal(wrong, null, `not a ${d.name} error (${wrong}): ${where}`)
            }
            const diff = diffSnapshots(before, after)
            assert.deepEqual(diff, [], `a refused request changed state (${diff.join('; ')}): ${where}`)
          } else {
            stats.accepted++
            // An accepted request may have revoked a token or deleted a space: keep the world usable.
            const usable = await ensureUsable(w, tokens)
            if (usable !== tokens) {
              tokens = usable
              return
            }
          }
          last = after
        }),
        {
          numRuns: runsFor(d, route),
          seed,
          // No shrinking: the world is stateful, so a shrunk case would run against a different state.
          endOnFailure: true,
          reporter: (out) => {
            if (!out.failed) return
            const cause = out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance)
            const example = out.counterexample ? brief(out.counterexample[0] as Case) : '?'
            throw new Error(`${cause}\ncase: ${example}\nseed ${out.seed} (TROVE_FUZZ_SEED=${out.seed} replays the run)`)
          },
        },
      )
    })
  }
  return stats
}

async function freshTokens(w: World): Promise<Record<'admin' | 'readonly' | 'other-library', Who>> {
  return {
    admin: await w.issue({ userId: w.a.admin.userId, grants: ['admin'] }),
    readonly: await w.issue({ userId: 'reader' }),
    'other-library': await w.issue({ libraryId: w.b.libraryId, userId: w.b.admin.userId, grants: ['admin'] }),
  }
}

async function ensureUsable(w: World, tokens: Record<'admin' | 'readonly' | 'other-library', Who>) {
  for (const who of Object.values(tokens)) {
    try {
      await w.c.auth.authenticate(who.token)
    } catch {
      return freshTokens(w)
    }
  }
  return tokens
}

export function summary(d: Dialect, s: FuzzStats): string {
  const statuses = Object.entries(s.byStatus)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([k, v]) => `${k}×${v}`)
    .join(' ')
  return `fuzz ${d.name}: ${s.cases} cases over ${s.routes} routes — ${s.rejected} refused (state unchanged, ${d.name} error format), ${s.accepted} accepted, 0 server errors [${statuses}]`
}

export type { Res }
