import { Type, type Static } from 'typebox'
import { actorOf, requireActor } from '../auth.ts'
import { ErrorSchema, presentSpace, SpaceSchema } from '../presenters.ts'
import { clearSessionCookie, readCookie, SESSION_COOKIE, setSessionCookie } from '../session-cookie.ts'
import { Security, type RoutePlugin } from './types.ts'
import type { Actor } from '../../access/grants.ts'
import type { Container } from '../../app/container.ts'

/**
 * Sign-in for the web UI: a session cookie instead of a bearer token. Registered beside the native routes (same
 * prefix) but outside their auth hook, because signing in is what an anonymous request does.
 */
const SessionView = Type.Object({
  userId: Type.String(),
  libraryId: Type.String(),
  grants: Type.Array(Type.String()),
  spaceIds: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'Spaces the session is limited to; null = every space of the library' }),
  csrfToken: Type.Union([Type.String(), Type.Null()], { description: 'Send it as `X-Trove-CSRF` on every write made with the cookie (null for a bearer-token caller)' }),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  spaces: Type.Array(SpaceSchema),
})

async function view(c: Container, actor: Actor, csrfToken: string | null, expiresAt: number | null): Promise<Static<typeof SessionView>> {
  return {
    userId: actor.userId,
    libraryId: actor.libraryId,
    grants: [...actor.grants],
    spaceIds: actor.spaceIds ? [...actor.spaceIds] : null,
    csrfToken,
    expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
    spaces: (await c.spaces.list(actor)).map(presentSpace),
  }
}

export const sessionRoutes: RoutePlugin = (app, c) => {
  const tags = ['session']
  const authenticated = requireActor(c.auth, c.sessions)

  app.post(
    '/session',
    {
      schema: {
        tags,
        description:
          'Signs in with a user name and password and sets the HttpOnly session cookie `trove_session` (no token needed). The session has the rights of the user\'s unexpired tokens. Wrong credentials: 401 `auth.unauthenticated`. Too many failed attempts (5 in a row for a user name, then a wait that doubles from 1 s to 15 min; or 50 per 15 min from one address, shared with `POST /tokens`): 429 `auth.too_many_attempts` with `Retry-After` (seconds), without the password being checked.',
        security: Security,
        body: Type.Object({ userId: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 1024 }), libraryId: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: { 200: SessionView, 429: { ...ErrorSchema, description: 'Too many failed sign-in attempts; retry after `Retry-After` seconds' } },
      },
    },
    async (req, reply) => {
      const s = await c.sessions.signIn({ userId: req.body.userId, password: req.body.password, libraryId: req.body.libraryId || undefined, clientIp: req.ip })
      setSessionCookie(req, reply, s.sessionId, s.remainingMs)
      reply.header('cache-control', 'no-store')
      return view(c, s.actor, s.csrfToken, s.expiresAt)
    },
  )

  app.get(
    '/session',
    {
      onRequest: authenticated,
      schema: { tags, description: 'Who is signed in, with the CSRF value for writes and the spaces of the library this session may use.', security: Security, response: { 200: SessionView } },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store')
      return view(c, actorOf(req), req.session?.csrfToken ?? null, req.session ? c.clock.now() + req.session.remainingMs : null)
    },
  )

  app.delete(
    '/session',
    { onRequest: authenticated, schema: { tags, description: 'Signs out: the session ends on every API node and the cookie is cleared.', security: Security } },
    async (req, reply) => {
      const id = readCookie(req, SESSION_COOKIE)
      if (id && req.session) await c.sessions.signOut(id)
      clearSessionCookie(req, reply)
      return reply.status(204).send()
    },
  )
}
