/**
 * A dialect descriptor: what the fuzz suite (test/fuzz) and the authorisation matrix (test/e2e/authz-matrix) need to
 * know about one wire dialect. Its routes are not listed here: they come from the route registry (`owns` picks them).
 * Adding a dialect = writing one of these and adding it to `dialects/index.ts`.
 */
import type { RouteInfo } from './route-registry.ts'
import type { Fixtures, Res, Who, Wire, World } from './world.ts'

export type { Fixtures, Res, Who, World }

/** A request under construction: the fuzzer and the matrix fill these, the dialect adds its credentials. */
export interface Draft {
  method: string
  /** Encoded path. */
  path: string
  /** Encoded `key=value` pairs (a key may repeat); a null value sends the bare key (`?info`). */
  query: [string, string | null][]
  headers: Record<string, string>
  payload?: Buffer | string
}

export function toWire(d: Draft): Wire {
  return {
    method: d.method,
    path: d.path,
    query: d.query.map(([k, v]) => (v === null ? k : `${k}=${v}`)).join('&') || undefined,
    headers: d.headers,
    payload: d.payload,
  }
}

/** What a route needs to be allowed, for the matrix. */
export type Requirement =
  /**
   * Credentials other than a token (a password, a library secret, a signed URL, the token in the path itself): the
   * request with wrong credentials must get the same answer for a real target as for one that does not exist.
   */
  | { kind: 'public'; why: string }
  /** Refused whoever asks (e.g. deleting the root folder): the owner gets a refusal too (`okStatus`). */
  | { kind: 'refused'; why: string }
  /** Any valid token; the route acts on the caller's own identity or library (nothing of another tenant to reach). */
  | { kind: 'self'; why?: string }
  /** Read access to the target space: a token without any grant may do it. */
  | { kind: 'read' }
  /** This grant (admin and space_admin imply every grant but `admin`). */
  | { kind: 'grant'; grant: string }

/** One row of the matrix: how to make a valid request to the route against a target. */
export interface MatrixRow {
  /** When a route has several rows (e.g. a file and a folder need different grants). */
  label?: string
  requirement: Requirement
  /**
   * `space`: the request names a space or an object of tenant A; a token of another library or limited to another
   * space must get exactly the answer it gets for ids that do not exist. `library`: it acts on the caller's own library
   * (its spaces, its tasks, itself); another tenant's token is served its own data, which must not include A's.
   * `none`: public, no identity.
   */
  target: 'space' | 'library' | 'none'
  /** The request for `fx` (the target's fixtures; for the "does not exist" runs, ids replaced by absent ones). */
  build(fx: Fixtures, w: World): Draft
  /** Makes what the request needs beyond the standard fixtures (an upload in progress, an empty space…). */
  prepare?(fx: Fixtures, w: World): Promise<Fixtures>
  /** The positive run revokes or breaks what later runs of this row need: it runs last (it always does). */
  destructive?: boolean
  /**
   * For a batch or job that answers per item: true when the answer (or the job it started, read back as `who`)
   * refuses every item for want of the grant.
   */
  refusedPerItem?(res: Res, who: Who, w: World): boolean | Promise<boolean>
  /**
   * A defect this row shows that is reported but not fixed yet: the row still runs and its failure is shown, as a
   * node:test TODO (it does not fail the run) and in the document. Remove it once fixed.
   */
  knownIssue?: string
  /** Statuses the owner's request may get; default any 2xx or 3xx. */
  okStatus?: number[]
}

export interface Dialect {
  name: string
  /** Where it is mounted (documentation only; `owns` decides). */
  prefix: string
  owns(route: RouteInfo): boolean
  /** null when the response is in this dialect's error format; otherwise what is wrong with it. */
  errorFormat(res: Res): string | null
  /** Adds `who`'s credentials to a request, the way this dialect's clients send them. */
  authenticate(d: Draft, who: Who, w: World): void
  /** Header names that carry credentials (the fuzzer also sends hostile values in them). */
  authHeaders: string[]
  /** Query keys that carry credentials. */
  authQuery: string[]
  /** Values that name real things, for a path parameter or field of this name; undefined when nothing is known. */
  knownValues(name: string, fx: Fixtures, w: World): string[] | undefined
  /** Field names this dialect reads, for routes without a schema (query keys and JSON body keys; `usual` body keys and `usualQuery` query keys are sent about half the time each). */
  vocabulary: { query: string[]; body: string[]; usual?: string[]; usualQuery?: string[] }
  /** Fuzz cases per route in CI. */
  runsPerRoute: number
  /** Statuses of its refusals: no or bad credentials, a missing grant, and "not yours" (reported like "not there"). */
  denyStatus: { unauthenticated: number[]; forbidden: number[]; hidden: number[] }
  /** For the matrix: route key → row(s). A route without a row fails the matrix test. */
  matrix?: Record<string, MatrixRow | MatrixRow[]>
  /**
   * Credential mistakes particular to this dialect (KooDrive: another user's X-User-Id, a stale or future X-Date):
   * each, applied to a request carrying valid credentials, must be refused as unauthenticated.
   */
  credentialMistakes?(d: Draft, who: Who, w: World): { label: string; draft: Draft }[]
  /** Strips per-request noise (request ids, dates) from an error response before two are compared. */
  normalize?(res: Res): string
}

export function routesOf(d: Dialect, routes: RouteInfo[]): RouteInfo[] {
  return routes.filter((r) => d.owns(r))
}

/** Checks shared by every dialect's error format: JSON body of an object, with a JSON content type. */
export function jsonObject(res: Res): string | null {
  if (!(res.headers['content-type'] ?? '').startsWith('application/json')) return `content-type is ${res.headers['content-type']}`
  if (!res.json || typeof res.json !== 'object' || Array.isArray(res.json)) return `body is not a JSON object: ${res.text.slice(0, 200)}`
  return null
}
