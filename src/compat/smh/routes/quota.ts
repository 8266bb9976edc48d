import type { FastifyRequest } from 'fastify'
import { requireAdmin } from '../../../access/authorize.ts'
import { DECIMAL_ID_PATTERN } from '../../../shared/ids.ts'
import { isDomainError } from '../../../shared/errors.ts'
import { actorFor, isMultiSpace, spaceFor, type Services, type Space } from '../context.ts'
import type { Actor } from '../../../access/grants.ts'
import { SmhError } from '../errors.ts'
import type { RouteGroup } from './deps.ts'

/**
 * Quota and usage (https://www.tencentcloud.com/zh/document/product/1283/75474, 75475, 75476, 75477, 75423; space
 * usage from the iOS SDK). Trove keeps one quota per space: a quota naming several spaces gives each of them the
 * capacity (not a shared pool), and the quota id is the (first) space id. Bytes in the bin count as used.
 */
export const quotaRoutes: RouteGroup = (app, { c }) => {
  const admin = async (req: FastifyRequest, L: string) => {
    const actor = await actorFor(c, req, L)
    requireAdmin(actor)
    return actor
  }

  app.post('/quota/:L', async (req, reply) => {
    const { L } = req.params as { L: string }
    const actor = await admin(req, L)
    const body = (req.body ?? {}) as { spaces?: unknown; capacity?: unknown }
    const capacity = capacityOf(body.capacity, true)!
    const spaces = await quotaSpaces(c, actor, L, body.spaces)
    // removeWhenExceed / removeAfterDays / removeNewest are accepted and ignored: Trove refuses uploads over quota.
    for (const s of spaces) await c.spaces.updateSettings(actor, s.id, { quotaBytes: capacity })
    return reply.status(201).send({ quotaId: Number(spaces[0].id) })
  })

  app.get('/quota/:L/:id', async (req) => {
    const { L, id } = req.params as { L: string; id: string }
    const actor = await admin(req, L)
    const space = await quotaSpace(c, actor, L, id)
    if (space.quotaBytes === null) throw new SmhError(404, 'QuotaNotFound', `No quota is set on space ${id}`)
    return { spaces: [(await isMultiSpace(c, L)) ? space.id : '-'], capacity: String(space.quotaBytes), removeWhenExceed: false, removeAfterDays: 0, removeNewest: false }
  })

  app.put('/quota/:L/:id', async (req, reply) => {
    const { L, id } = req.params as { L: string; id: string }
    const actor = await admin(req, L)
    const space = await quotaSpace(c, actor, L, id)
    const capacity = capacityOf((req.body as { capacity?: unknown } | undefined)?.capacity, false)
    if (capacity !== undefined) await c.spaces.updateSettings(actor, space.id, { quotaBytes: capacity })
    return reply.status(204).send()
  })

  app.get('/usage/:L', async (req) => {
    const { L } = req.params as { L: string }
    const actor = await admin(req, L)
    const total = (await c.spaces.list(actor)).reduce((n, s) => n + s.liveBytes + s.trashBytes, 0)
    return { totalFileSize: String(total) }
  })

  app.get('/usage/:L/:ids', async (req) => {
    const { L, ids } = req.params as { L: string; ids: string }
    const actor = await actorFor(c, req, L)
    const out = []
    for (const wire of ids.split(',').map((s) => s.trim()).filter(Boolean)) {
      const space = await spaceFor(c, actor, L, wire)
      const u = await c.spaces.usage(actor, space.id)
      // Unlimited spaces have no capacity and no available space: both fields are left out.
      out.push({ spaceId: wire, size: String(u.usedBytes), ...(u.quotaBytes === null ? {} : { capacity: String(u.quotaBytes), availableSpace: String(u.availableBytes) }) })
    }
    return out
  })
}

function capacityOf(raw: unknown, required: boolean): number | undefined {
  if (raw === undefined || raw === null || raw === '') {
    if (required) throw new SmhError(400, 'QuotaCapacityRequired', 'capacity is required')
    return undefined
  }
  const s = String(raw)
  if (!/^\d{1,16}$/.test(s) || !Number.isSafeInteger(Number(s))) throw new SmhError(400, 'QuotaCapacityInvalid', 'capacity is a number of bytes (a string is recommended)')
  return Number(s)
}

async function quotaSpaces(c: Services, actor: Actor, L: string, raw: unknown): Promise<Space[]> {
  if (!(await isMultiSpace(c, L))) return [await spaceFor(c, actor, L, '-')]
  if (!Array.isArray(raw) || !raw.length) throw new SmhError(400, 'QuotaSpacesRequired', 'spaces is required in a multi-space library')
  const out: Space[] = []
  for (const s of raw) out.push(await spaceFor(c, actor, L, String(s)))
  return out
}

/** A quota id is the id of the space it limits (`-` in a single-space library). */
async function quotaSpace(c: Services, actor: Actor, L: string, id: string): Promise<Space> {
  if (!(await isMultiSpace(c, L))) return spaceFor(c, actor, L, id === '-' || !DECIMAL_ID_PATTERN.test(id) ? '-' : id)
  try {
    return await spaceFor(c, actor, L, id)
  } catch (e) {
    if ((e instanceof SmhError && e.status === 404) || (isDomainError(e) && e.code === 'space.not_found')) throw new SmhError(404, 'QuotaNotFound', `Quota ${id} does not exist`)
    throw e
  }
}
