/**
 * Setup: users and spaces.
 * - CreateUser: https://support.huaweicloud.com/intl/en-us/api-koodrive/CreateUser.html
 * - CreateSpace / GetSpace / GetSpaceByContainerID / DeleteSpace:
 *   https://support.huaweicloud.com/api-koodrive/CreateSpace.html, …/api-koodrive-carrier/GetSpace.html,
 *   …/api-koodrive/GetSpaceByContainerID.html, …/api-koodrive/DeleteSpace.html
 * A KooDrive container is a Trove space (its id is the space id); `ownerId` is recorded on the space.
 */
import { Type } from 'typebox'
import { requireAdmin } from '../../access/authorize.ts'
import type { Ctx, KooRoutes, Space } from './deps.ts'
import { badParam, KooError } from './errors.ts'
import { int, str } from './to-core.ts'
import { ok, spaceInfo } from './from-core.ts'

const OwnerParams = Type.Object({ ownerId: Type.String({ maxLength: 64 }) })
const OwnerQuery = Type.Object({ type: Type.Optional(Type.Unknown()), containerId: Type.Optional(Type.String()) })

/** The space of `ownerId` the caller may see; `containerId` picks one when the owner has several (then required). */
async function ownedSpace(k: Ctx, ownerId: string, containerId: string | undefined): Promise<Space> {
  const owned = (await k.c.spaces.list(k.actor)).filter((s) => s.ownerId === ownerId)
  if (containerId !== undefined) {
    const s = owned.find((x) => x.id === containerId)
    if (!s) throw new KooError('13000301', `Space ${containerId} of owner ${ownerId} does not exist`)
    return s
  }
  if (!owned.length) throw new KooError('13000301', `Owner ${ownerId} has no space`)
  if (owned.length > 1) throw badParam('The owner has several spaces: name one with containerId')
  return owned[0]
}

function spaceType(v: unknown, required: boolean): number | undefined {
  const t = int(v, 'type', { min: 0, max: 2 })
  if (required && t === undefined) throw badParam('type is required (0 department, 1 individual, 2 group)')
  return t
}

export const setupRoutes: KooRoutes = (app, _c, k) => {
  const hide = true
  app.post(
    '/users',
    { schema: { hide, body: Type.Object({ userId: Type.String({ minLength: 1, maxLength: 64 }), modifyUserInfoReq: Type.Optional(Type.Unknown()) }) } },
    async (req) => {
      const x = k(req)
      requireAdmin(x.actor)
      await x.c.auth.ensureUser(x.actor.libraryId, req.body.userId)
      return ok(x.lang, { data: { id: req.body.userId } })
    },
  )

  app.post(
    '/space/:ownerId',
    { schema: { hide, params: OwnerParams, body: Type.Object({ capacity: Type.Unknown(), type: Type.Unknown() }) } },
    async (req) => {
      const x = k(req)
      const capacity = str(req.body.capacity, 'capacity', { required: true })!
      if (!/^\d{1,16}$/.test(capacity)) throw badParam('capacity must be a number of bytes, as a string')
      const type = spaceType(req.body.type, true)!
      const space = await x.c.spaces.create(x.actor, { ownerId: req.params.ownerId, name: req.params.ownerId, quotaBytes: Number(capacity) })
      return ok(x.lang, { data: spaceInfo(space, type) })
    },
  )

  app.get('/space/container/:containerId', { schema: { hide, params: Type.Object({ containerId: Type.String() }) } }, async (req) => {
    const x = k(req)
    return ok(x.lang, { data: spaceInfo(await x.c.spaces.get(x.actor, req.params.containerId)) })
  })

  app.get('/space/:ownerId', { schema: { hide, params: OwnerParams, querystring: OwnerQuery } }, async (req) => {
    const x = k(req)
    const type = spaceType(req.query.type, false)
    return ok(x.lang, { data: spaceInfo(await ownedSpace(x, req.params.ownerId, req.query.containerId), type) })
  })

  app.delete('/space/:ownerId', { schema: { hide, params: OwnerParams, querystring: OwnerQuery } }, async (req) => {
    const x = k(req)
    spaceType(req.query.type, true)
    const space = await ownedSpace(x, req.params.ownerId, req.query.containerId)
    // Refused while the space holds anything (13000102): KooDrive does not say what happens to the content, and Trove
    // never deletes files as a side effect. Empty the space (and its bin) first.
    await x.c.spaceDeletion.deleteSpace(x.actor, space.id)
    return ok(x.lang)
  })
}
