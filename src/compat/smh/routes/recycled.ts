import type { FastifyReply, FastifyRequest } from 'fastify'
import { DomainError, type ErrorCode } from '../../../shared/errors.ts'
import { ctxFor, requireBin, type Ctx } from '../context.ts'
import { SmhError } from '../errors.ts'
import { batchStatus, contentTypeOf, pathArray, recycledItem, restoreResultItem } from '../from-core.ts'
import { conflictParam, hasFlag, idArrayBody, pagingParam, queryOf, restorePathParam, toCoreConflict, trashSortParam, type Query } from '../to-core.ts'
import { contentUrl } from './transfer.ts'
import type { LS, RouteGroup } from './deps.ts'

/** SMH allows retention up to 10,000 days; the core stores at most this many (README.md: deviations). */
const CORE_MAX_RETENTION_DAYS = 3650

/**
 * The recycle bin (vendor-apis.md §1.2, S1–S9; seeds 001 and 002). Every call answers RecycleBinNotEnabled while the
 * space's bin is off. Bin ids are the core's recycle-entry ids, so the native API sees the same entries.
 */
export const recycledRoutes: RouteGroup = (app, d) => {
  const ctxOf = async (req: FastifyRequest) => {
    const p = req.params as LS
    const ctx = await ctxFor(d.c, d.opts, req, p.L, p.S)
    requireBin(ctx)
    return ctx
  }

  app.get('/recycled/:L/:S', async (req) => list(await ctxOf(req), queryOf(req)))

  app.get('/recycled/:L/:S/:id', async (req, reply) => {
    const ctx = await ctxOf(req)
    const { id } = req.params as LS & { id: string }
    const q = queryOf(req)
    if (hasFlag(q, 'preview')) {
      const entry = await ctx.c.trash.get(ctx.actor, ctx.spaceId, id)
      if (entry.kind !== 'file') throw new SmhError(400, 'BadRequest', 'Only files can be previewed')
      return reply.status(302).header('location', (await contentUrl(ctx, req, { e: entry.id, d: 'inline' })).url).send()
    }
    if (!hasFlag(q, 'info')) throw new SmhError(400, 'BadRequest', 'Use `?info` or `?preview`')
    return info(ctx, req, id)
  })

  app.post('/recycled/:L/:S/:id', async (req) => {
    const ctx = await ctxOf(req)
    const { id } = req.params as LS & { id: string }
    if (!hasFlag(queryOf(req), 'restore')) throw new SmhError(400, 'BadRequest', 'Use `?restore`')
    return restoreOne(ctx, queryOf(req), id)
  })

  app.post('/recycled/:L/:S', async (req, reply) => {
    const ctx = await ctxOf(req)
    const q = queryOf(req)
    if (hasFlag(q, 'restore')) return restoreBatch(ctx, req, reply)
    if (hasFlag(q, 'delete')) return deleteBatch(ctx, req, reply)
    if (hasFlag(q, 'lifecycle')) return lifecycle(ctx, req, reply)
    throw new SmhError(400, 'BadRequest', 'Use `?restore`, `?delete` or `?lifecycle`')
  })

  app.delete('/recycled/:L/:S/:id', async (req, reply) => {
    const ctx = await ctxOf(req)
    const { id } = req.params as LS & { id: string }
    const out = await ctx.c.trash.deleteEntries(ctx.actor, ctx.spaceId, [id])
    const [rejected] = out.rejected
    if (rejected) throw new DomainError(rejected.code as ErrorCode, rejected.message)
    return reply.status(204).send()
  })

  // Emptying: entries vanish at once, a task frees them (seed 001).
  app.delete('/recycled/:L/:S', async (req, reply) => {
    const ctx = await ctxOf(req)
    await ctx.c.trash.emptyTrash(ctx.actor, ctx.spaceId)
    return reply.status(204).send()
  })
}

async function list(ctx: Ctx, q: Query) {
  const paging = pagingParam(q, { pageSizeMax: 1000, limitDefault: 20, limitMax: 100 })
  const { sort, order } = trashSortParam(q)
  const opts =
    paging.mode === 'page'
      ? { sort, order, page: paging.page, limit: Math.max(1, paging.pageSize) }
      : { sort, order, limit: paging.limit, cursor: paging.marker }
  const page = await ctx.c.trash.list(ctx.actor, ctx.spaceId, opts)
  const items = paging.mode === 'page' && paging.pageSize === 0 ? [] : page.items
  const roots = await ctx.c.nodeQueries.entryRoots(ctx.actor, ctx.spaceId, items)
  return {
    totalNum: page.total,
    ...(paging.mode === 'marker' && page.nextCursor ? { nextMarker: page.nextCursor } : {}),
    contents: items.map((e) => recycledItem(e, ctx.wireSpaceId, roots.get(e.id), ctx.actor)),
  }
}

async function info(ctx: Ctx, req: FastifyRequest, id: string) {
  const entry = await ctx.c.trash.get(ctx.actor, ctx.spaceId, id)
  const root = (await ctx.c.nodeQueries.entryRoots(ctx.actor, ctx.spaceId, [entry])).get(entry.id)
  const base = recycledItem(entry, ctx.wireSpaceId, root, ctx.actor)
  if (entry.kind !== 'file' || !root) return base
  const crc64 = await ctx.c.uploads.crc64Of(root.blobSha256)
  const url = await contentUrl(ctx, req, { e: entry.id, d: 'inline' })
  return { ...base, contentType: contentTypeOf(root), eTag: `"${root.blobSha256}"`, ...(crc64 ? { crc64 } : {}), metaData: {}, labels: [], cosUrl: url.url, cosUrlExpiration: url.expiration }
}

async function restoreOne(ctx: Ctx, q: Query, id: string) {
  const given = conflictParam(q, ['ask', 'rename', 'overwrite'])
  const onMissingParent = restorePathParam(q)
  const entry = await ctx.c.trash.get(ctx.actor, ctx.spaceId, id)
  const strategy = given ?? ctx.opts.restoreConflictDefault[entry.kind === 'folder' ? 'dir' : 'file']
  // Overwriting is for files only: a directory asked to overwrite gets SameNameDirectoryOrFileExists on a clash.
  const [outcome] = await ctx.c.trash.restore(ctx.actor, ctx.spaceId, [id], { onConflict: toCoreConflict(strategy), onMissingParent })
  if (outcome.status === 'failed') throw new DomainError(outcome.error!.code as ErrorCode, outcome.error!.message)
  return { path: pathArray(outcome.path!) }
}

/** Batch restore always renames on a clash (https://cloud.tencent.com/document/product/1339/71124). */
async function restoreBatch(ctx: Ctx, req: FastifyRequest, reply: FastifyReply) {
  const ids = idArrayBody(req.body)
  const options = { onConflict: 'rename' as const, onMissingParent: restorePathParam(queryOf(req)) }
  if (ids.length > ctx.opts.asyncBatchThreshold) {
    return reply.status(202).send({ taskId: await ctx.c.trashBatches.enqueueRestore(ctx.actor, ctx.spaceId, ids, options) })
  }
  const result = (await ctx.c.trash.restore(ctx.actor, ctx.spaceId, ids, options)).map(restoreResultItem)
  return reply.status(batchStatus(result)).send({ result })
}

/** 204 when every id was taken; ids that were not (unknown, already purging) answer 207 per item. */
async function deleteBatch(ctx: Ctx, req: FastifyRequest, reply: FastifyReply) {
  const ids = idArrayBody(req.body)
  const out = await ctx.c.trash.deleteEntries(ctx.actor, ctx.spaceId, ids)
  if (!out.rejected.length) return reply.status(204).send()
  const rejected = new Map(out.rejected.map((r) => [r.entryId, r]))
  const result = ids.map((id) => {
    const r = rejected.get(id)
    if (!r) return { status: 204, recycledItemId: Number(id) }
    return { ...restoreResultItem({ entryId: id, status: 'failed', error: { code: r.code, message: r.message } }) }
  })
  return reply.status(207).send({ result })
}

/** Extending reaches entries already in the bin; shortening applies to new entries only (the core's rule). */
async function lifecycle(ctx: Ctx, req: FastifyRequest, reply: FastifyReply) {
  const days = (req.body as { retentionDays?: unknown } | undefined)?.retentionDays
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 10000) {
    throw new SmhError(400, 'ParamInvalid', 'retentionDays must be an integer from 1 to 10000')
  }
  if (days > CORE_MAX_RETENTION_DAYS) throw new SmhError(400, 'ParamInvalid', `Trove keeps bin entries for at most ${CORE_MAX_RETENTION_DAYS} days`)
  await ctx.c.spaces.updateSettings(ctx.actor, ctx.spaceId, { retentionDays: days })
  return reply.status(204).send()
}
