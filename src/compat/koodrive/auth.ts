/**
 * KooDrive app authentication (every page of https://support.huaweicloud.com/intl/en-us/api-koodrive/ lists these
 * headers): `Authorization: Bearer+{token}` (a space instead of `+` is accepted too), `X-User-Id` equal to the user the
 * token belongs to, and `X-Date` as `yyyyMMdd'T'HHmmss'Z'`, at most 15 minutes old and not in the future — measured on
 * the injected clock. Any failure is 401.
 */
import type { FastifyRequest } from 'fastify'
import type { KooDeps } from './deps.ts'
import { langOf } from './deps.ts'
import { KooError } from './errors.ts'
import { parseXDate } from './to-core.ts'

export const X_DATE_WINDOW_MS = 15 * 60_000

export function tokenOf(header: unknown): string | null {
  if (typeof header !== 'string') return null
  const m = /^Bearer(?:\+|\s+)(\S+)$/i.exec(header.trim())
  return m ? m[1] : null
}

/** The onRequest hook: language first (so even a refusal is in the caller's language), then the three checks. */
export function kooAuth(c: KooDeps) {
  return async (req: FastifyRequest): Promise<void> => {
    req.koo = { actor: null, lang: langOf(req.headers.language) }
    if (req.routeOptions.config?.kooPublic) return
    const token = tokenOf(req.headers.authorization)
    if (!token) throw new KooError('APIGW.0301', 'Send `Authorization: Bearer+{access_token}`')
    const userId = req.headers['x-user-id']
    if (typeof userId !== 'string' || !userId) throw new KooError('APIGW.0301', 'X-User-Id is required')
    const date = parseXDate(req.headers['x-date'])
    if (date === null) throw new KooError('APIGW.0301', "X-Date must be yyyyMMdd'T'HHmmss'Z'")
    const now = c.clock.now()
    if (date > now) throw new KooError('APIGW.0301', 'X-Date is in the future')
    if (now - date > X_DATE_WINDOW_MS) throw new KooError('APIGW.0301', 'X-Date is more than 15 minutes old')
    const actor = await c.auth.authenticate(token)
    if (actor.userId !== userId) throw new KooError('APIGW.0301', 'X-User-Id does not match the token')
    req.koo.actor = { libraryId: actor.libraryId, userId: actor.userId, grants: actor.grants, spaceIds: actor.spaceIds }
  }
}
