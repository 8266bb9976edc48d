/**
 * Folders and files by id.
 * - createDirectory: https://support.huaweicloud.com/api-koodrive/createDirectory.html
 * - getFile (details): https://support.huaweicloud.com/api-koodrive/getFile.html
 * - renameFile: https://support.huaweicloud.com/api-koodrive/renameFile.html
 * - GetFullPath: https://support.huaweicloud.com/api-koodrive/GetFullPath.html
 * - getDownLoadUrl: https://support.huaweicloud.com/api-koodrive/getDownLoadUrl.html (links are signed Trove URLs, GET
 *   honours Range like the object store the vendor's links point to)
 */
import { Type } from 'typebox'
import { isDomainError } from '../../shared/errors.ts'
import type { Actor } from '../../access/grants.ts'
import type { KooRoutes } from './deps.ts'
import { badParam, kooCodeOf, KooError, message, refining, type KooCode } from './errors.ts'
import { container, kooName, nodeId, parentFolder, policyOf, renameMode, str, withTimestamp } from './to-core.ts'
import { downloadUrl, fileObject, ok } from './from-core.ts'

const MAX_DOWNLOADS = 100

/**
 * Runs a create/rename with KooDrive's modes: 3 refuses a taken name (13000405); 2 retries once with the name plus
 * `_yyyyMMddHHmmss`, and should that be taken too, lets the core number it.
 */
async function withRenameMode<T>(mode: number, name: string, now: number, isFolder: boolean, run: (name: string, policy: 'fail' | 'rename') => Promise<T>): Promise<T> {
  try {
    return await run(name, 'fail')
  } catch (e) {
    if (mode === 3 || !isDomainError(e) || e.code !== 'node.name_conflict') throw e
    return run(withTimestamp(name, now, isFolder), policyOf(mode) as 'rename')
  }
}

export const filesRoutes: KooRoutes = (app, c, k) => {
  const hide = true

  app.post(
    '/directory',
    {
      schema: {
        hide,
        body: Type.Object({
          fileName: Type.Unknown(),
          fileType: Type.Optional(Type.Unknown()),
          containerId: Type.Unknown(),
          parentFolder: Type.Optional(Type.Unknown()),
          renameMode: Type.Optional(Type.Unknown()),
          description: Type.Optional(Type.String({ maxLength: 512 })),
        }),
      },
    },
    async (req) => {
      const x = k(req)
      const b = req.body
      const spaceId = container(b.containerId)
      const name = kooName(b.fileName)
      const type = str(b.fileType, 'fileType')
      if (type !== undefined && type !== '10') throw badParam('fileType of a directory is "10"')
      const mode = renameMode(b.renameMode, 'renameMode')
      const parent = await nodeId(x, spaceId, parentFolder(b.parentFolder), 'parentFolder')
      const folder = await refining(x, spaceId, { parent }, () =>
        withRenameMode(mode, name, x.c.clock.now(), true, (n, policy) => x.c.nodes.createFolder(x.actor, spaceId, parent, n, policy)),
      )
      return ok(x.lang, fileObject(folder, spaceId))
    },
  )

  app.post(
    '/files/:fileId/detail',
    { schema: { hide, params: Type.Object({ fileId: Type.String() }), body: Type.Object({ containerId: Type.Unknown(), imageProcess: Type.Optional(Type.Unknown()) }) } },
    async (req) => {
      const x = k(req)
      const spaceId = container(req.body.containerId)
      const id = await nodeId(x, spaceId, req.params.fileId)
      const found = await x.c.nodes.inspect(x.actor, spaceId, id)
      if (!found) throw new KooError('13000309', `File ${id} does not exist`)
      if (found.visible) return ok(x.lang, fileObject(found.node, spaceId))
      // In the bin: the root of an entry carries its removal time; a node under a trashed folder is in the bin with it.
      const entry = found.node.recycleEntryId ? await x.c.trash.get(x.actor, spaceId, String(found.node.recycleEntryId)).catch(() => null) : null
      if (found.node.recycleEntryId && !entry) throw new KooError('13000309', `File ${id} is being deleted`)
      return ok(x.lang, fileObject(found.node, spaceId, entry ?? 'under-trashed-folder'))
    },
  )

  app.post(
    '/files/rename/:fileId',
    { schema: { hide, params: Type.Object({ fileId: Type.String() }), body: Type.Object({ containerId: Type.Unknown(), name: Type.Unknown(), renameMode: Type.Optional(Type.Unknown()) }) } },
    async (req) => {
      const x = k(req)
      const spaceId = container(req.body.containerId)
      const name = kooName(req.body.name, 'name')
      const mode = renameMode(req.body.renameMode, 'renameMode')
      const id = await nodeId(x, spaceId, req.params.fileId)
      if (id === 'root') throw badParam('The root folder cannot be renamed')
      await refining(x, spaceId, { file: id }, async () => {
        const found = await x.c.nodes.inspect(x.actor, spaceId, id)
        await withRenameMode(mode, name, x.c.clock.now(), found?.node.kind === 'folder', (n, policy) => x.c.nodes.update(x.actor, spaceId, id, { name: n, onConflict: policy }))
      })
      return ok(x.lang)
    },
  )

  app.get(
    '/files/path',
    { schema: { hide, querystring: Type.Object({ fileId: Type.String(), containerId: Type.String() }) } },
    async (req) => {
      const x = k(req)
      const spaceId = container(req.query.containerId)
      const id = await nodeId(x, spaceId, req.query.fileId)
      const chain = await refining(x, spaceId, { file: id }, () => x.c.nodes.ancestry(x.actor, spaceId, id))
      // As in the vendor sample: ids from the root folder down; names with the root shown as `root{containerId}`.
      return ok(x.lang, {
        fileIdPath: '/' + chain.map((n) => String(n.id)).join('/'),
        namePath: '/' + chain.map((n) => (n.parentId === null ? `root${spaceId}` : n.name)).join('/'),
      })
    },
  )

  app.post(
    '/files/download',
    { schema: { hide, body: Type.Object({ containerId: Type.Unknown(), fileIds: Type.Array(Type.Unknown()) }) } },
    async (req) => {
      const x = k(req)
      const spaceId = container(req.body.containerId)
      const ids = req.body.fileIds
      if (!ids.length) throw badParam('fileIds is empty')
      if (ids.length > MAX_DOWNLOADS) throw badParam(`At most ${MAX_DOWNLOADS} fileIds per request`)
      await x.c.spaces.get(x.actor, spaceId)
      const downloads: Record<string, unknown>[] = []
      let good = 0
      for (const raw of ids) {
        const fileId = String(raw)
        try {
          const id = await nodeId(x, spaceId, raw)
          const found = await x.c.nodes.inspect(x.actor, spaceId, id)
          if (!found) throw new KooError('13000309')
          if (!found.visible) throw new KooError('13000306')
          if (found.node.kind !== 'file') throw new KooError('13000406')
          downloads.push({ fileId, fileName: found.node.name, url: await downloadUrl(x, spaceId, id), code: '0', msg: ok(x.lang).msg })
          good++
        } catch (e) {
          if (!(e instanceof KooError) && !isDomainError(e)) throw e
          const code: KooCode = e instanceof KooError ? e.kooCode : kooCodeOf(e.code)
          downloads.push({ fileId, fileName: '', url: '', code, msg: message(code, x.lang) })
        }
      }
      // batchCode: 1 all succeeded, 0 some, 2 none (getDownLoadUrl).
      const batchCode = good === ids.length ? 1 : good === 0 ? 2 : 0
      return ok(x.lang, { batchCode, downloads })
    },
  )

  // The signed link itself: no KooDrive headers (like the object-store URLs the vendor hands out). Range → 206.
  app.get('/objects/file', { config: { kooPublic: true }, schema: { hide, querystring: Type.Object({ token: Type.String() }) } }, async (req, reply) => {
    let claims
    try {
      claims = await c.signer.verify(req.query.token)
    } catch {
      throw new KooError('13000407', 'The link is invalid or has expired', 403)
    }
    if (claims.t !== 'dl') throw new KooError('13000407', 'Not a download link', 403)
    const actor: Actor = { libraryId: String(claims.l), userId: String(claims.u), grants: [], spaceIds: [String(claims.s)] }
    let dl
    try {
      dl = await c.nodes.download(actor, String(claims.s), String(claims.n), req.headers.range)
    } catch (e) {
      if (isDomainError(e) && (e.code === 'node.not_found' || e.code === 'space.not_found')) throw new KooError('13000407', e.message, 404)
      throw e
    }
    reply
      .header('etag', dl.etag)
      .header('accept-ranges', 'bytes')
      .header('last-modified', new Date(dl.node.modifiedAt).toUTCString())
      .header('content-type', dl.node.contentType ?? 'application/octet-stream')
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(dl.node.name)}`)
    if (dl.range) {
      reply.status(206).header('content-range', `bytes ${dl.range.start}-${dl.range.end}/${dl.totalBytes}`).header('content-length', dl.range.end - dl.range.start + 1)
    } else {
      reply.header('content-length', dl.totalBytes)
    }
    return reply.send(dl.body)
  })
}
