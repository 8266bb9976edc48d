import { actorFor, ctxFor, isMultiSpace } from '../context.ts'
import { SmhError } from '../errors.ts'
import { iso } from '../from-core.ts'
import { boolParam, intParam, queryOf, str } from '../to-core.ts'
import type { LS, RouteGroup } from './deps.ts'

/**
 * Tenant spaces (https://www.tencentcloud.com/document/product/1283/75419, 75420; cloud.tencent.com 1339/71158) and the
 * space file counts of the iOS SDK (`QCloudSMHGetFileCountRequest`).
 */
export const spaceRoutes: RouteGroup = (app, { c, opts }) => {
  app.post('/space/:L', async (req, reply) => {
    const { L } = req.params as { L: string }
    const actor = await actorFor(c, req, L)
    if (!(await isMultiSpace(c, L))) throw new SmhError(400, 'NotMultiSpaceLibrary', 'Spaces can be created only in a multi-space library')
    // isPublicRead / isMultiAlbum / allow* / spaceTag are accepted and not stored (README.md: deviations).
    const space = await c.spaces.create(actor, {})
    return reply.status(201).send({ spaceId: space.id })
  })

  app.get('/space/:L/list', async (req) => {
    const { L } = req.params as { L: string }
    const actor = await actorFor(c, req, L)
    const q = queryOf(req)
    const limit = intParam(q, 'limit', { min: 1, max: 1000 }) ?? 1000
    const marker = str(q, 'marker')
    const multi = await isMultiSpace(c, L)
    const all = (await c.spaces.list(actor)).filter((s) => !marker || Number(s.id) > Number(marker))
    const page = all.slice(0, limit)
    const list = page.map((s) => ({ spaceId: multi ? s.id : '-', userId: s.ownerId ?? '', creationTime: iso(s.createdAt) }))
    return { list, ...(marker ? { marker } : {}), ...(all.length > limit ? { nextMarker: page.at(-1)!.id } : {}) }
  })

  app.delete('/space/:L/:S', async (req, reply) => {
    const { L, S } = req.params as LS
    const actor = await actorFor(c, req, L)
    if (!(await isMultiSpace(c, L))) throw new SmhError(400, 'NotMultiSpaceLibrary', 'The space of a single-space library cannot be deleted')
    const ctx = await ctxFor(c, opts, req, L, S)
    await c.spaceDeletion.deleteSpace(actor, ctx.spaceId, { force: boolParam(queryOf(req), 'force') })
    return reply.status(204).send()
  })

  app.get('/space/:L/:S/file-count', async (req) => {
    const { L, S } = req.params as LS
    const ctx = await ctxFor(c, opts, req, L, S)
    const n = await c.nodeQueries.spaceCounts(ctx.actor, ctx.spaceId)
    // fileNum and dirNum include what is in the bin; Trove keeps no history versions.
    return {
      fileNum: n.liveFiles + n.trashedFiles,
      dirNum: n.liveFolders + n.trashedFolders,
      recycledFileNum: n.trashedFiles,
      recycledDirNum: n.trashedFolders,
      historyFileNum: 0,
    }
  })
}
