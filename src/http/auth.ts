import type { FastifyReply, FastifyRequest } from 'fastify'
import { DomainError } from '../shared/errors.ts'
import type { Actor } from '../access/grants.ts'
import type { AuthService } from '../users/auth.service.ts'
import type { SessionsService } from '../sessions/sessions.service.ts'
import { sessionActor } from './session-cookie.ts'

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null
  }
}

export function bearerToken(req: FastifyRequest): string | null {
  const header = req.headers.authorization
  if (!header) return null
  const m = /^Bearer\s+(.+)$/i.exec(header.trim())
  return m ? m[1].trim() : null
}

/**
 * A hook that turns the bearer token into the request's actor, or refuses with 401. Without an Authorization header,
 * the web UI's session cookie is accepted too (with its CSRF rule for writes; see session-cookie.ts).
 */
export function requireActor(auth: AuthService, sessions?: SessionsService) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (sessions && req.headers.authorization === undefined) {
      const actor = await sessionActor(sessions, req, reply)
      if (actor) {
        req.actor = actor
        return
      }
    }
    const token = bearerToken(req)
    if (!token) throw new DomainError('auth.unauthenticated', 'Send `Authorization: Bearer <token>`')
    req.actor = await auth.authenticate(token)
  }
}

export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw new DomainError('auth.unauthenticated', 'Send `Authorization: Bearer <token>`')
  return req.actor
}
