import type { FastifyReply, FastifyRequest } from 'fastify'
import { DomainError } from '../shared/errors.ts'
import type { Actor } from '../access/grants.ts'
import type { SessionInfo, SessionsService } from '../sessions/sessions.service.ts'

/**
 * The web UI's session cookie and its CSRF rule, at the HTTP edge.
 *
 * Cookie: `trove_session`, HttpOnly (scripts never see it), SameSite=Lax (not sent on cross-site sub-requests or
 * cross-site POSTs), Path=/, Secure when the request came over HTTPS.
 * CSRF: a cookie-authenticated request that can change something (any method but GET/HEAD/OPTIONS) must carry the
 * header `X-Trove-CSRF` with the session's CSRF value, which the UI gets from `GET /trove/v1/session`. A page on
 * another site can make the browser send the cookie but can neither read that value nor set a custom header without a
 * CORS preflight, which this server never approves.
 */
export const SESSION_COOKIE = 'trove_session'
export const CSRF_HEADER = 'x-trove-csrf'
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

declare module 'fastify' {
  interface FastifyRequest {
    session?: SessionInfo
  }
}

export function readCookie(req: FastifyRequest, name: string): string | null {
  const header = req.headers.cookie
  if (!header) return null
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    if (part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim()
      return value.length ? decodeURIComponent(value) : null
    }
  }
  return null
}

export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, sessionId: string, remainingMs: number): void {
  const maxAge = Math.max(0, Math.floor(remainingMs / 1000))
  void reply.header('set-cookie', cookieLine(req, `${SESSION_COOKIE}=${encodeURIComponent(sessionId)}`, maxAge))
}

export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  void reply.header('set-cookie', cookieLine(req, `${SESSION_COOKIE}=`, 0))
}

function cookieLine(req: FastifyRequest, pair: string, maxAge: number): string {
  return [pair, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAge}`, ...(req.protocol === 'https' ? ['Secure'] : [])].join('; ')
}

/**
 * The actor of a cookie-authenticated request, or null when the request carries no session cookie.
 * Refuses (401) an unknown or expired session, and (403) a write without the matching CSRF header.
 */
export async function sessionActor(sessions: SessionsService, req: FastifyRequest, reply: FastifyReply): Promise<Actor | null> {
  const id = readCookie(req, SESSION_COOKIE)
  if (!id) return null
  let session: SessionInfo
  try {
    session = await sessions.authenticate(id)
  } catch (e) {
    clearSessionCookie(req, reply)
    throw e
  }
  if (!SAFE_METHODS.has(req.method)) {
    const header = req.headers[CSRF_HEADER]
    if (!sessions.csrfMatches(session, typeof header === 'string' ? header : undefined)) {
      throw new DomainError('auth.forbidden', 'This request needs the X-Trove-CSRF header of your session (reload the page and try again)', { required: 'csrf' })
    }
  }
  if (session.renewed) setSessionCookie(req, reply, id, session.remainingMs)
  req.session = session
  return session.actor
}
