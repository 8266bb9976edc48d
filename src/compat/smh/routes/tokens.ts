import type { FastifyReply, FastifyRequest } from 'fastify'
import { isDomainError } from '../../../shared/errors.ts'
import { DECIMAL_ID_PATTERN } from '../../../shared/ids.ts'
import { isMultiSpace, UNNAMED_USER, type Services } from '../context.ts'
import { SmhError } from '../errors.ts'
import { grantsParam, queryOf, str } from '../to-core.ts'
import type { RouteGroup } from './deps.ts'

/**
 * Access tokens (https://www.tencentcloud.com/document/product/1283/75415, 75416, 75417, 75414).
 * Issue needs the library secret; renew and delete need only the token; deleting a user's tokens needs the secret.
 */
export const tokenRoutes: RouteGroup = (app, { c }) => {
  const issue = async (req: FastifyRequest) => {
    const q = queryOf(req)
    const libraryId = str(q, 'library_id')
    const secret = str(q, 'library_secret')
    if (!libraryId || !secret) throw new SmhError(400, 'EmptyLibraryIdOrSecret', 'library_id and library_secret are required')
    await checkSecret(c, libraryId, secret)
    const grants = grantsParam(str(q, 'grant'))
    const userId = str(q, 'user_id') ?? UNNAMED_USER
    if (str(q, 'user_id') === UNNAMED_USER) throw new SmhError(400, 'InvalidUserId', `\`${UNNAMED_USER}\` is reserved`)
    const spaceIds = await tokenSpaces(c, libraryId, str(q, 'space_id'), grants.includes('admin'))
    const period = str(q, 'period')
    if (period !== undefined && !/^\d+$/.test(period)) throw new SmhError(400, 'ParamInvalid', 'period is a number of seconds')
    // The core clamps the period to [300, 315360000] seconds and renews the token on every use.
    const t = await c.auth.issueToken({ libraryId, userId, grants, spaceIds, periodSeconds: period === undefined ? undefined : Number(period) })
    return { accessToken: t.accessToken, expiresIn: t.expiresIn }
  }
  app.get('/token', issue)
  app.post('/token', issue)

  app.post('/token/:L/:token', async (req) => {
    const { L, token } = req.params as { L: string; token: string }
    await ownToken(c, L, token)
    const r = await c.auth.renewToken(token)
    return { accessToken: token, expiresIn: r.expiresIn }
  })

  app.delete('/token/:L/:token', async (req, reply: FastifyReply) => {
    const { L, token } = req.params as { L: string; token: string }
    // An unknown or expired token is already as good as deleted; a token of another library is not ours to delete.
    const owner = await c.auth.authenticate(token).catch((e) => {
      if (isDomainError(e)) return null
      throw e
    })
    if (owner && owner.libraryId !== L) throw new SmhError(403, 'AccessTokenNotMatchLibrary', 'The access token belongs to another library')
    await c.auth.revokeToken(token)
    return reply.status(204).send()
  })

  app.delete('/token/:L', async (req, reply) => {
    const { L } = req.params as { L: string }
    const q = queryOf(req)
    const secret = str(q, 'library_secret')
    if (!secret) throw new SmhError(400, 'EmptyLibrarySecret', 'library_secret is required')
    await checkSecret(c, L, secret)
    const users = (str(q, 'user_id') ?? '').split(',').map((u) => u.trim()).filter(Boolean)
    if (!users.length) throw new SmhError(400, 'ParamInvalid', 'user_id is required (up to 10, comma-separated)')
    if (users.length > 10) throw new SmhError(400, 'ParamInvalid', 'At most 10 user ids')
    // client_id / session_id are not recorded on tokens: every token of the named users is revoked.
    for (const u of users) await c.auth.revokeUserTokens(L, u)
    return reply.status(204).send()
  })
}

async function checkSecret(c: Services, libraryId: string, secret: string): Promise<void> {
  if (!(await c.auth.verifyLibrarySecret(libraryId, secret))) throw new SmhError(403, 'WrongLibraryIdOrSecret', 'Wrong library id or secret')
}

async function ownToken(c: Services, libraryId: string, token: string): Promise<void> {
  const owner = await c.auth.authenticate(token).catch((e) => {
    if (isDomainError(e)) throw new SmhError(403, 'InvalidAccessToken', 'The access token is invalid or has expired')
    throw e
  })
  if (owner.libraryId !== libraryId) throw new SmhError(403, 'AccessTokenNotMatchLibrary', 'The access token belongs to another library')
}

/**
 * `space_id` of a token: ignored in a single-space library (its one space); in a multi-space library a comma list of
 * real space ids, required unless the token is an admin token.
 */
async function tokenSpaces(c: Services, libraryId: string, raw: string | undefined, admin: boolean): Promise<string[] | null> {
  if (!(await isMultiSpace(c, libraryId))) return null
  const ids = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean)
  if (!ids.length) {
    if (admin) return null
    throw new SmhError(400, 'EmptySpaceId', 'space_id is required for a token without the admin grant in a multi-space library')
  }
  const known = new Set((await c.spaces.list({ libraryId, userId: 'smh', grants: ['admin'], spaceIds: null })).map((s) => s.id))
  for (const id of ids) {
    if (id === '-') throw new SmhError(400, 'EmptySpaceId', 'This is a multi-space library: name real space ids')
    if (!DECIMAL_ID_PATTERN.test(id)) throw new SmhError(400, 'SpaceIdInvalid', `\`${id}\` is not a space id`)
    if (!known.has(id)) throw new SmhError(404, 'SpaceNotFound', `Space ${id} does not exist`)
  }
  return ids
}
