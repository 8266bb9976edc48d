import type { FastifyReply, FastifyRequest } from 'fastify'
import { ctxFor, type Ctx } from '../context.ts'
import { SmhError } from '../errors.ts'
import { dirObject, fileObject, nodeObject } from '../from-core.ts'
import { ensureFolders, pathOfNode, requireFolder, resolve } from '../paths.ts'
import { bodyPathSegments, boolParam, conflictParam, deleteActor, dirSortParam, hasFlag, pagingParam, pathSegments, queryOf, str, toCoreConflict, type Query } from '../to-core.ts'
import type { LSP, RouteGroup } from './deps.ts'

/**
 * Directories (https://cloud.tencent.com/document/product/1339/71146 create, 71143 list, 71148 move;
 * https://www.tencentcloud.com/document/product/1283/75457 delete). The root is the empty path.
 */
export const directoryRoutes: RouteGroup = (app, d) => {
  const ctxOf = (req: FastifyRequest) => {
    const p = req.params as LSP
    return ctxFor(d.c, d.opts, req, p.L, p.S)
  }
  const segs = (req: FastifyRequest) => pathSegments((req.params as Partial<LSP>)['*'])

  const write = async (req: FastifyRequest, reply: FastifyReply) => {
    const ctx = await ctxOf(req)
    const body = req.body as Record<string, unknown> | undefined
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      if ('from' in body) return moveDirectory(ctx, req, reply, segs(req), bodyPathSegments(body.from))
      if ('copyFrom' in body) throw new SmhError(400, 'BadRequest', 'Copying directories is not supported by Trove')
    }
    return createDirectory(ctx, req, reply, segs(req))
  }
  app.put('/directory/:L/:S', write)
  app.put('/directory/:L/:S/*', write)

  const read = async (req: FastifyRequest) => {
    const ctx = await ctxOf(req)
    const q = queryOf(req)
    if (hasFlag(q, 'info')) return info(ctx, segs(req), q)
    return list(ctx, segs(req), q)
  }
  // HEAD first: Fastify would otherwise derive one from the GET routes.
  const head = async (req: FastifyRequest, reply: FastifyReply) => {
    const ctx = await ctxOf(req)
    const node = await resolve(ctx, segs(req))
    return reply.status(node?.kind === 'folder' ? 200 : 404).send()
  }
  app.head('/directory/:L/:S', head)
  app.head('/directory/:L/:S/*', head)
  app.get('/directory/:L/:S', read)
  app.get('/directory/:L/:S/*', read)

  const remove = async (req: FastifyRequest, reply: FastifyReply) => {
    const ctx = await ctxOf(req)
    const path = segs(req)
    if (!path.length) throw new SmhError(400, 'RootDirectoryNotAllowed', 'The root directory cannot be deleted')
    const dir = await requireFolder(ctx, path)
    const permanent = boolParam(queryOf(req), 'permanent')
    const out = await ctx.c.trash.moveToTrash(deleteActor(ctx.actor, ctx.space.recycleBinEnabled), ctx.spaceId, String(dir.id), { permanent })
    // Into the bin: 200 {recycledItemId}; permanent (or the bin is off): 204.
    if (out.purgeTaskId !== null) return reply.status(204).send()
    return { recycledItemId: out.entry.id }
  }
  app.delete('/directory/:L/:S', remove)
  app.delete('/directory/:L/:S/*', remove)
}

async function createDirectory(ctx: Ctx, req: FastifyRequest, reply: FastifyReply, path: string[]) {
  if (!path.length) throw new SmhError(400, 'RootDirectoryNotAllowed', 'The root directory already exists')
  const q = queryOf(req)
  const strategy = conflictParam(q, ['ask', 'rename']) ?? 'ask'
  const parent = await ensureFolders(ctx, path.slice(0, -1))
  const node = await ctx.c.nodes.createFolder(ctx.actor, ctx.spaceId, String(parent.id), path.at(-1)!, toCoreConflict(strategy))
  const withInode = boolParam(q, 'with_inode')
  reply.status(201)
  // `ask` without inode: an empty 201, as documented; otherwise the final path (and inode when asked for).
  if (strategy === 'ask' && !withInode) return reply.send()
  return { path: await pathOfNode(ctx, node), creationTime: new Date(node.createdAt).toISOString(), ...(withInode ? { inode: String(node.id) } : {}) }
}

async function moveDirectory(ctx: Ctx, req: FastifyRequest, reply: FastifyReply, to: string[], from: string[]) {
  if (!to.length || !from.length) throw new SmhError(400, 'RootDirectoryNotAllowed', 'The root directory cannot be moved')
  const strategy = conflictParam(queryOf(req), ['ask', 'rename']) ?? 'ask'
  const source = await requireFolder(ctx, from, 'SourceDirectoryNotFound')
  const parent = await ensureFolders(ctx, to.slice(0, -1))
  const moved = await ctx.c.nodes.update(ctx.actor, ctx.spaceId, String(source.id), { name: to.at(-1)!, parentId: String(parent.id), onConflict: toCoreConflict(strategy) })
  if (strategy === 'ask') return reply.status(204).send()
  return { path: await pathOfNode(ctx, moved) }
}

async function info(ctx: Ctx, path: string[], q: Query) {
  const node = await resolve(ctx, path)
  if (!node) throw new SmhError(404, 'PathNotFound', `/${path.join('/')} does not exist`)
  const inode = boolParam(q, 'with_inode')
  if (node.kind === 'file') return fileObject(node, path, { crc64: await ctx.c.uploads.crc64Of(node.blobSha256), inode })
  const counts = await ctx.c.nodes.countChildren(ctx.actor, ctx.spaceId, String(node.id))
  return dirObject(node, path, { counts, inode })
}

async function list(ctx: Ctx, path: string[], q: Query) {
  const folder = await requireFolder(ctx, path)
  const paging = pagingParam(q, { pageSizeMax: 1000, limitDefault: 20, limitMax: 1000 })
  const filter = str(q, 'filter')
  if (filter !== undefined && filter !== 'onlyDir' && filter !== 'onlyFile') throw new SmhError(400, 'ParamInvalid', 'filter must be onlyDir or onlyFile')
  const kind = filter === 'onlyDir' ? 'folder' : filter === 'onlyFile' ? 'file' : undefined
  const { sort, order } = dirSortParam(q)
  let offset: number
  let limit: number
  if (paging.mode === 'page') {
    offset = (paging.page - 1) * paging.pageSize
    limit = paging.pageSize
  } else {
    if (paging.marker !== undefined && !/^\d+$/.test(paging.marker)) throw new SmhError(404, 'MarkerNotFound', 'Unknown marker')
    offset = Number(paging.marker ?? 0)
    limit = paging.limit
  }
  // Default order: directories first, then files, each by the sort key; `sort_type=union` mixes them.
  const page = await ctx.c.nodeQueries.listFolderPage(ctx.actor, ctx.spaceId, String(folder.id), { sort, order, kind, offset, limit, foldersFirst: str(q, 'sort_type') !== 'union' })
  const total = kind === 'file' ? page.files : kind === 'folder' ? page.folders : page.files + page.folders
  const inode = boolParam(q, 'with_inode')
  const more = offset + page.items.length < total
  return {
    path,
    fileCount: page.files,
    subDirCount: page.folders,
    totalNum: total,
    contents: page.items.map((n) => nodeObject(n, [...path, n.name], { inode })),
    ...(paging.mode === 'marker' && more ? { nextMarker: String(offset + page.items.length) } : {}),
  }
}
