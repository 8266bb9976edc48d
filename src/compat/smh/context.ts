import type { FastifyRequest } from 'fastify'
import type { Container } from '../../app/container.ts'
import type { Actor } from '../../access/grants.ts'
import { DECIMAL_ID_PATTERN } from '../../shared/ids.ts'
import { isDomainError } from '../../shared/errors.ts'
import { SmhError } from './errors.ts'
import { queryOf, str, type SmhConflict } from './to-core.ts'

/** The services the dialect calls. */
export type Services = Container
export type Space = Awaited<ReturnType<Container['spaces']['load']>>

export interface SmhOptions {
  /** Batches with more items than this answer 202 `{taskId}` and run as a task. */
  asyncBatchThreshold: number
  /** Default `conflict_resolution_strategy` of a single restore (pages disagree; the newest says rename, `ask` for directories). */
  restoreConflictDefault: { file: SmhConflict; dir: SmhConflict }
  /** Lifetime of an upload session and of its upload credential. */
  uploadTtlMs: number
  /** Lifetime of the signed URLs of downloads and `cosUrl`. */
  urlTtlMs: number
  /** Where the dialect is mounted (set at registration from the Fastify prefix). */
  basePath: string
}

export const DEFAULT_OPTIONS: SmhOptions = {
  asyncBatchThreshold: 100,
  restoreConflictDefault: { file: 'rename', dir: 'ask' },
  uploadTtlMs: 60 * 60 * 1000,
  urlTtlMs: 2 * 60 * 60 * 1000,
  basePath: '/api/v1',
}

/**
 * The user id a token gets when it is issued without `user_id`. Such an admin token may name a user per request with
 * `user_id` (https://www.tencentcloud.com/document/product/1283/75415). The token call refuses this id as a `user_id`.
 */
export const UNNAMED_USER = 'smh.unnamed'

export interface Ctx {
  c: Services
  opts: SmhOptions
  actor: Actor
  libraryId: string
  /** The core space id (decimal string). */
  spaceId: string
  /** The space id as the client wrote it (`-` in a single-space library). */
  wireSpaceId: string
  space: Space
}

/** `access_token` (+ `user_id`) → actor, checked against the library of the URL. */
export async function actorFor(c: Services, req: FastifyRequest, libraryId: string): Promise<Actor> {
  const q = queryOf(req)
  const token = str(q, 'access_token')
  if (!token) throw new SmhError(400, 'EmptyAccessToken', 'access_token is required')
  let a: Actor
  try {
    a = await c.auth.authenticate(token)
  } catch (e) {
    if (isDomainError(e)) throw new SmhError(403, 'InvalidAccessToken', 'The access token is invalid or has expired')
    throw e
  }
  if (a.libraryId !== libraryId) throw new SmhError(403, 'AccessTokenNotMatchLibrary', 'The access token belongs to another library')
  const userId = str(q, 'user_id')
  // Only an admin token issued without a user may act as another user; other tokens keep their own identity.
  const acting = userId !== undefined && a.userId === UNNAMED_USER && a.grants.includes('admin') ? userId : a.userId
  if (acting !== a.userId && !/^[A-Za-z0-9._@-]{1,64}$/.test(acting)) throw new SmhError(400, 'InvalidUserId', 'user_id is 1–64 letters, digits, `.`, `_`, `@` or `-`')
  return { libraryId: a.libraryId, userId: acting, grants: a.grants, spaceIds: a.spaceIds }
}

export async function isMultiSpace(c: Services, libraryId: string): Promise<boolean> {
  const lib = await c.libraries.find(libraryId)
  if (!lib) throw new SmhError(404, 'LibraryNotFound', `Library ${libraryId} does not exist`)
  return lib.multiSpace
}

/**
 * `{SpaceId}` of the URL → a space. Single-space library: `-` (its own id is accepted too). Multi-space library: a real
 * space id; `-` there is `EmptySpaceId`, like an omitted one.
 */
export async function spaceFor(c: Services, actor: Actor, libraryId: string, wire: string): Promise<Space> {
  if (!(await isMultiSpace(c, libraryId))) {
    const [space] = (await c.spaces.list({ ...actor, spaceIds: null })).filter((s) => s.libraryId === libraryId)
    if (!space || (wire !== '-' && wire !== space.id)) throw new SmhError(404, 'SpaceNotFound', `Space ${wire} does not exist; a single-space library's space is \`-\``)
    return space
  }
  if (wire === '-' || wire === '') throw new SmhError(400, 'EmptySpaceId', 'This is a multi-space library: name the space (`-` is for single-space libraries)')
  if (!DECIMAL_ID_PATTERN.test(wire)) throw new SmhError(400, 'SpaceIdInvalid', `\`${wire}\` is not a space id`)
  if (actor.spaceIds && !actor.spaceIds.includes(wire)) throw new SmhError(403, 'AccessTokenNotMatchSpace', 'The access token is not valid for this space')
  return c.spaces.get(actor, wire)
}

/** Authenticates and resolves `{LibraryId}/{SpaceId}` in one go. */
export async function ctxFor(c: Services, opts: SmhOptions, req: FastifyRequest, libraryId: string, wireSpaceId: string): Promise<Ctx> {
  const actor = await actorFor(c, req, libraryId)
  const space = await spaceFor(c, actor, libraryId, wireSpaceId)
  return { c, opts, actor, libraryId, spaceId: space.id, wireSpaceId, space }
}

export function requireBin(ctx: Ctx): void {
  if (!ctx.space.recycleBinEnabled) throw new SmhError(400, 'RecycleBinNotEnabled', 'The recycle bin of this space is disabled')
}

/** Scheme and host the client used, for URLs that must bring it back here (uploads, downloads). */
export function origin(req: FastifyRequest): { scheme: string; host: string } {
  return { scheme: req.protocol, host: req.host }
}
