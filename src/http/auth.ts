import type { FastifyRequest } from 'fastify'
import { DomainError } from '../shared/errors.ts'
import type { Actor } from '../access/grants.ts'
import type { AuthService } from '../users/auth.service.ts'

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

/** A preHandler that turns the bearer token into the request's actor, or refuses with 401. */
export function requireActor(auth: AuthService) {
  return async (req: FastifyRequest): Promise<void> => {
    const token = bearerToken(req)
    if (!token) throw new DomainError('auth.unauthenticated', 'Send `Authorization: Bearer <token>`')
    req.actor = await auth.authenticate(token)
  }
}

export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw new DomainError('auth.unauthenticated', 'Send `Authorization: Bearer <token>`')
  return req.actor
}
