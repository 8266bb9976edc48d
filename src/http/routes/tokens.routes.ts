import { Type } from 'typebox'
import type { FastifyPluginAsync } from 'fastify'
import type { Container } from '../../app/container.ts'
import { GRANTS } from '../../access/grants.ts'
import { TOKEN_PERIOD } from '../../users/auth.service.ts'
import { PasswordLoginService } from '../../users/password-login.service.ts'
import { nativeErrorHandler } from '../error-mapper.ts'
import { actorOf, bearerToken, requireActor } from '../auth.ts'
import { ErrorSchema } from '../presenters.ts'
import { Security, type App } from './types.ts'

const GrantSchema = Type.Union(GRANTS.map((g) => Type.Literal(g)) as never, { description: 'A grant' })
const Me = Type.Object({
  libraryId: Type.String(),
  userId: Type.String(),
  grants: Type.Array(Type.String()),
  spaceIds: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'Spaces the token is limited to; null = every space of the library' }),
  expiresAt: Type.Optional(Type.String({ description: 'When the token expires unless used (each use renews it)' })),
})

/**
 * Sign-in for people and scripts, registered beside the bearer-authenticated native routes (same prefix, own scope):
 * `POST /tokens` authenticates by password, so it must not sit behind the bearer hook. `GET /me` and
 * `DELETE /tokens/current` are in a nested scope that has it.
 */
export const tokensRoutes: FastifyPluginAsync<{ container: Container }> = async (fastify, { container: c }) => {
  const app = fastify as unknown as App
  app.setErrorHandler(nativeErrorHandler)
  const login = new PasswordLoginService({ auth: c.auth, libraries: c.store.repos.libraries, throttle: c.signInThrottle })
  const tags = ['sign-in']

  app.post(
    '/tokens',
    {
      schema: {
        tags,
        // Declared like every native route (the API's convention), but no token is needed: the password is the credential.
        security: Security,
        description:
          'No token needed: exchanges a user\'s password for an access token (`Authorization: Bearer <accessToken>`). `libraryId` may be left out when the server holds exactly one library (the usual single-tenant install); with several it is required. The token carries `grants` (default `space_admin`: everything inside its spaces; `admin` is never issued for a password) and is limited to `spaceIds` when given. Its validity (`expiresIn` seconds, default 86400, 300 – 315360000) is renewed on every use. A wrong user, password or library all answer 401 `auth.unauthenticated`. Too many failed attempts (5 in a row for a user name, then a wait that doubles from 1 s to 15 min; or 50 per 15 min from one address, shared with `POST /session`): 429 `auth.too_many_attempts` with `Retry-After` (seconds), without the password being checked.',
        body: Type.Object({
          libraryId: Type.Optional(Type.String()),
          userId: Type.String({ minLength: 1, maxLength: 64 }),
          password: Type.String({ minLength: 1, maxLength: 1024 }),
          grants: Type.Optional(Type.Array(GrantSchema, { maxItems: GRANTS.length })),
          spaceIds: Type.Optional(Type.Array(Type.String(), { minItems: 1, maxItems: 1000 })),
          expiresIn: Type.Optional(Type.Integer({ minimum: TOKEN_PERIOD.min, maximum: TOKEN_PERIOD.max })),
        }),
        response: {
          201: Type.Object({
            accessToken: Type.String(),
            tokenType: Type.Literal('Bearer'),
            expiresIn: Type.Number({ description: 'Seconds of validity, renewed on each use' }),
            libraryId: Type.String(),
            userId: Type.String(),
            grants: Type.Array(Type.String()),
            spaceIds: Type.Union([Type.Array(Type.String()), Type.Null()]),
          }),
          429: { ...ErrorSchema, description: 'Too many failed sign-in attempts; retry after `Retry-After` seconds' },
        },
      },
    },
    async (req, reply) => {
      const b = req.body
      const t = await login.login({ libraryId: b.libraryId, userId: b.userId, password: b.password, grants: b.grants as string[] | undefined, spaceIds: b.spaceIds, periodSeconds: b.expiresIn, clientIp: req.ip })
      reply.status(201)
      return { accessToken: t.accessToken, tokenType: 'Bearer' as const, expiresIn: t.expiresIn, libraryId: t.libraryId, userId: t.userId, grants: t.grants, spaceIds: t.spaceIds }
    },
  )

  await app.register(async (authed) => {
    const api = authed as unknown as App
    api.addHook('onRequest', requireActor(c.auth))

    api.get('/me', { schema: { tags, description: 'Who this token is: library, user, grants and spaces.', security: Security, response: { 200: Me } } }, async (req) => {
      const a = actorOf(req) as ReturnType<typeof actorOf> & { expiresAt?: number }
      return { libraryId: a.libraryId, userId: a.userId, grants: [...a.grants], spaceIds: a.spaceIds ? [...a.spaceIds] : null, ...(a.expiresAt ? { expiresAt: new Date(a.expiresAt).toISOString() } : {}) }
    })

    api.delete('/tokens/current', { schema: { tags, description: 'Revokes the token that authenticates this request (sign-out).', security: Security } }, async (req, reply) => {
      await c.auth.revokeToken(bearerToken(req)!)
      return reply.status(204).send()
    })
  })
}
