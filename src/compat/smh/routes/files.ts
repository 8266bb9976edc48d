import type { FastifyReply, FastifyRequest } from 'fastify'
import { ctxFor, type Ctx } from '../context.ts'
import { SmhError } from '../errors.ts'
import { fileObject, pathArray, smhHeaders } from '../from-core.ts'
import { pathOfNode, requireFile, requireFolder } from '../paths.ts'
import { bodyPathSegments, boolParam, conflictParam, deleteActor, hasFlag, intParam, pathSegments, queryOf, str, toCoreConflict } from '../to-core.ts'
import { contentUrl, uploadTicket } from './transfer.ts'
import type { LSP, RouteGroup } from './deps.ts'

/**
 * Files (https://www.tencentcloud.com/document/product/1283/75437 upload, 75440 confirm, 75444 delete; generated SMH
 * client `FileApi.md` for info, download, HEAD, move, upload status/abort). Uploads are two-phase: the start answers
 * where to PUT the bytes (Trove's own endpoint, with a signed credential in `headers`), the confirm makes the file.
 */
export const fileRoutes: RouteGroup = (app, d) => {
  const ctxOf = (req: FastifyRequest) => {
    const p = req.params as LSP
    return ctxFor(d.c, d.opts, req, p.L, p.S)
  }
  const segs = (req: FastifyRequest) => pathSegments((req.params as LSP)['*'])

  app.put('/file/:L/:S/*', async (req, reply) => {
    const ctx = await ctxOf(req)
    const body = req.body as Record<string, unknown> | undefined
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      if ('from' in body) return moveFile(ctx, req, segs(req), bodyPathSegments(body.from))
      if ('copyFrom' in body || 'linkTo' in body || 'convertFrom' in body) throw new SmhError(400, 'BadRequest', 'Copy, symlink and conversion are not supported by Trove')
    }
    return startUpload(ctx, req, reply, segs(req), body)
  })

  app.post('/file/:L/:S/*', async (req) => {
    const ctx = await ctxOf(req)
    const q = queryOf(req)
    const key = (req.params as LSP)['*']
    if (hasFlag(q, 'confirm')) return confirmUpload(ctx, req, key)
    if (hasFlag(q, 'renew')) return uploadBody(ctx, req, await ctx.c.uploads.renew(ctx.actor, ctx.spaceId, key, ctx.opts.uploadTtlMs))
    throw new SmhError(400, 'BadRequest', 'Multipart and form uploads are not supported by Trove; use the simple upload (PUT)')
  })

  app.head('/file/:L/:S/*', async (req, reply) => {
    const ctx = await ctxOf(req)
    const node = await requireFile(ctx, segs(req))
    return reply.status(200).headers(smhHeaders(node, await ctx.c.uploads.crc64Of(node.blobSha256))).send()
  })

  app.get('/file/:L/:S/*', async (req, reply) => {
    const ctx = await ctxOf(req)
    const q = queryOf(req)
    if (hasFlag(q, 'upload')) {
      const s = await ctx.c.uploads.get(ctx.actor, ctx.spaceId, (req.params as LSP)['*'])
      return { ...(await uploadBody(ctx, req, s)), uploaded: s.state === 'uploaded', ...(s.sizeBytes !== null ? { size: String(s.sizeBytes) } : {}) }
    }
    if (str(q, 'history_id')) throw new SmhError(400, 'BadRequest', 'Trove keeps no history versions')
    const path = segs(req)
    const node = await requireFile(ctx, path)
    const disposition = str(q, 'content_disposition') === 'attachment' ? 'attachment' : 'inline'
    const url = await contentUrl(ctx, req, { n: node.id, d: disposition })
    const crc64 = await ctx.c.uploads.crc64Of(node.blobSha256)
    if (hasFlag(q, 'info')) {
      return {
        ...fileObject(node, path, { crc64 }),
        ...(boolParam(q, 'pre_check') ? {} : { cosUrl: url.url, cosUrlExpiration: url.expiration }),
      }
    }
    return reply.status(302).headers(smhHeaders(node, crc64)).header('location', url.url).send()
  })

  app.delete('/file/:L/:S/*', async (req, reply) => {
    const ctx = await ctxOf(req)
    const q = queryOf(req)
    if (hasFlag(q, 'upload')) {
      await ctx.c.uploads.abort(ctx.actor, ctx.spaceId, (req.params as LSP)['*'])
      return reply.status(204).send()
    }
    const file = await requireFile(ctx, segs(req))
    const out = await ctx.c.trash.moveToTrash(deleteActor(ctx.actor, ctx.space.recycleBinEnabled), ctx.spaceId, String(file.id), { permanent: boolParam(q, 'permanent') })
    if (out.purgeTaskId !== null) return reply.status(204).send()
    return { recycledItemId: out.entry.id }
  })
}

async function startUpload(ctx: Ctx, req: FastifyRequest, reply: FastifyReply, path: string[], body: Record<string, unknown> | undefined) {
  if (!path.length) throw new SmhError(400, 'EmptyFileName', 'A file path is required')
  const q = queryOf(req)
  const strategy = conflictParam(q, ['ask', 'rename', 'overwrite']) ?? 'rename'
  // Parents are not created for files: every directory on the way must exist.
  const parent = await requireFolder(ctx, path.slice(0, -1))
  const declared = intParam(q, 'filesize', { min: 0, max: Number.MAX_SAFE_INTEGER }) ?? sizeOf(body)
  const session = await ctx.c.uploads.begin(ctx.actor, ctx.spaceId, {
    parentId: String(parent.id),
    name: path.at(-1)!,
    onConflict: toCoreConflict(strategy),
    sizeBytes: declared,
    ttlMs: ctx.opts.uploadTtlMs,
  })
  return reply.status(201).send(await uploadBody(ctx, req, session))
}

function sizeOf(body: Record<string, unknown> | undefined): number | undefined {
  const s = body?.size
  if (s === undefined || s === null || s === '') return undefined
  if (!/^\d+$/.test(String(s))) throw new SmhError(400, 'ParamInvalid', 'size must be a number of bytes')
  return Number(s)
}

type Session = Awaited<ReturnType<Ctx['c']['uploads']['get']>>

/** `{domain, path, headers, confirmKey, expiration}`: PUT the bytes to `<scheme>://{domain}{path}` with every header. */
async function uploadBody(ctx: Ctx, req: FastifyRequest, session: Session) {
  const ticket = await uploadTicket(ctx, req, session.key, session.expiresAt)
  return { domain: ticket.domain, path: ticket.path, headers: ticket.headers, confirmKey: session.key, expiration: new Date(session.expiresAt).toISOString() }
}

async function confirmUpload(ctx: Ctx, req: FastifyRequest, key: string) {
  const q = queryOf(req)
  const body = (req.body ?? {}) as Record<string, unknown>
  const session = await ctx.c.uploads.get(ctx.actor, ctx.spaceId, key)
  if (session.state !== 'uploaded') throw new SmhError(400, 'UploadIncomplete', 'The bytes of this upload have not arrived yet')
  if (body.crc64 !== undefined && body.crc64 !== null && String(body.crc64) !== session.crc64) {
    throw new SmhError(400, 'BadCrc64', `crc64 ${String(body.crc64)} does not match the uploaded bytes`)
  }
  // No strategy here: the one given when the upload started applies.
  const strategy = conflictParam(q, ['ask', 'rename', 'overwrite'])
  const done = await ctx.c.uploads.commit(ctx.actor, ctx.spaceId, key, strategy ? { onConflict: toCoreConflict(strategy) } : {})
  return { ...fileObject(done.node, await pathOfNode(ctx, done.node), { crc64: done.crc64, inode: boolParam(q, 'with_inode') }), isOverwritten: done.overwritten }
}

async function moveFile(ctx: Ctx, req: FastifyRequest, to: string[], from: string[]) {
  if (!to.length) throw new SmhError(400, 'EmptyFileName', 'A file path is required')
  const strategy = conflictParam(queryOf(req), ['ask', 'rename', 'overwrite']) ?? 'rename'
  const source = await requireFile(ctx, from, 'SourceFileNotFound')
  const parent = await requireFolder(ctx, to.slice(0, -1))
  const moved = await ctx.c.nodes.update(ctx.actor, ctx.spaceId, String(source.id), { name: to.at(-1)!, parentId: String(parent.id), onConflict: toCoreConflict(strategy) })
  return { path: pathArray(await ctx.c.nodes.pathOf(moved.id)) }
}
