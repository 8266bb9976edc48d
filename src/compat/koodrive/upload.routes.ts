/**
 * Uploads: create the file metadata (with the plan of parts and a signed Trove URL per part), PUT each part, ask for
 * more links, complete.
 * - createFile: https://support.huaweicloud.com/api-koodrive/createFile.html
 * - uploadUrl: https://support.huaweicloud.com/intl/en-us/api-koodrive-carrier/uploadUrl.html
 * - completeFile: https://support.huaweicloud.com/intl/en-us/api-koodrive/completeFile.html
 * Until it is completed the file does not exist: `files/create` answers with `fileId` `U<uploadId>`, which the part,
 * link and completion calls take, and which every other call resolves to the file once completed (README, deviations).
 */
import { Type } from 'typebox'
import { isDomainError } from '../../shared/errors.ts'
import type { Ctx, DriveNode, KooApp, KooDeps, KooRoutes } from './deps.ts'
import { badParam, KooError, refining } from './errors.ts'
import { container, int, kooName, nodeId, parentFolder, renameMode, requiredInt, sha256, str, uploadFileId, uploadIdOf, withTimestamp } from './to-core.ts'
import { ok } from './from-core.ts'
import type { PartLink } from '../../uploads/part-uploads.service.ts'

const partsOf = (x: Ctx, links: PartLink[]) =>
  links.map((l) => ({ partNumber: l.partNumber, partSize: l.partSize, partOffset: l.partOffset, uploadUrl: `${x.base}/objects/part?token=${l.token}` }))

/** The live child `name` of a folder, if any (KooDrive's autoRename decides on it before any byte is sent). */
async function childNamed(x: Ctx, spaceId: string, parentId: string, name: string): Promise<DriveNode | null> {
  const chain = await x.c.nodes.ancestry(x.actor, spaceId, parentId)
  const path = chain.filter((n) => n.parentId !== null).map((n) => n.name)
  return x.c.nodes.resolvePath(x.actor, spaceId, '/' + [...path, name].join('/'))
}

/** `fileId` (`U<n>`) or `uploadId` (`n`) of an upload in a request body. */
function uploadOf(body: { fileId?: unknown; uploadId?: unknown }): string {
  const fileId = str(body.fileId, 'fileId', { max: 64 })
  const fromFileId = fileId === undefined ? null : uploadIdOf(fileId)
  const uploadId = str(body.uploadId, 'uploadId', { max: 64 })
  if (fromFileId && uploadId && fromFileId !== uploadId) throw badParam('fileId and uploadId name different uploads')
  const id = fromFileId ?? (uploadId && /^[1-9][0-9]{0,15}$/.test(uploadId) ? uploadId : null)
  if (!id) throw new KooError('13000401', `No upload ${fileId ?? uploadId ?? ''}`)
  return id
}

/** The part bytes: a raw body, never parsed or buffered, in a context of its own. */
function partRoute(app: KooApp, c: KooDeps): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_req, _payload, done) => done(null))
  app.put('/objects/part', { config: { kooPublic: true }, schema: { hide: true, querystring: Type.Object({ token: Type.String() }) } }, async (req, reply) => {
    try {
      const part = await c.partUploads.putPart(req.query.token, req.raw)
      return reply.status(200).header('etag', `"${part.sha256}"`).send()
    } catch (e) {
      if (isDomainError(e) && e.code === 'auth.unauthenticated') throw new KooError('13000401', e.message, 403)
      throw e
    }
  })
}

export const uploadRoutes: KooRoutes = async (app, c, k) => {
  const hide = true
  await app.register(async (sub) => partRoute(sub as KooApp, c))

  app.post(
    '/files/create',
    {
      schema: {
        hide,
        body: Type.Object({
          fileName: Type.Unknown(),
          fileType: Type.Optional(Type.Unknown()),
          parentFolder: Type.Unknown(),
          length: Type.Unknown(),
          containerId: Type.Unknown(),
          sha256: Type.Optional(Type.Unknown()),
          uploadMode: Type.Optional(Type.Unknown()),
          uploadType: Type.Optional(Type.Unknown()),
          autoRename: Type.Optional(Type.Unknown()),
          multiParts: Type.Optional(Type.Unknown()),
          mimeType: Type.Optional(Type.Unknown()),
        }),
      },
    },
    async (req) => {
      const x = k(req)
      const b = req.body
      const spaceId = container(b.containerId)
      const name = kooName(b.fileName)
      if (b.parentFolder === undefined) throw badParam('parentFolder is required (["root"] for the root folder)')
      const length = requiredInt(b.length, 'length', { min: 0 })
      const sha = sha256(b.sha256)
      const mode = renameMode(b.autoRename, 'autoRename', [2, 3, 4])
      if (int(b.uploadType, 'uploadType', { min: 0, max: 2 }) === 2) throw badParam('uploadType 2 (multi-version) is not supported')
      const uploadMode = str(b.uploadMode, 'uploadMode')
      if (uploadMode !== undefined && uploadMode !== 'multipart' && uploadMode !== 'put') throw badParam('uploadMode must be multipart or put')
      const parent = await nodeId(x, spaceId, parentFolder(b.parentFolder), 'parentFolder')
      let fileName = name
      if (mode !== 3) {
        const existing = await refining(x, spaceId, { parent }, () => childNamed(x, spaceId, parent, name))
        if (existing && mode === 4 && sha && existing.kind === 'file' && existing.blobSha256 === sha) {
          // Same name, same content: nothing to upload; the existing file is the answer.
          return ok(x.lang, { fileId: String(existing.id), containerId: spaceId, fileName: existing.name, uploadId: '', parentFolder: [String(existing.parentId)], exist: true, multiParts: [] })
        }
        if (existing) fileName = withTimestamp(name, x.c.clock.now(), false)
      }
      const upload = await refining(x, spaceId, { parent }, () =>
        x.c.partUploads.begin(x.actor, spaceId, {
          parentId: parent,
          name: fileName,
          sizeBytes: length,
          sha256: sha,
          contentType: str(b.mimeType, 'mimeType', { max: 255 }),
          // A name taken meanwhile: 3 refuses at completion, the others let the core number the name.
          onConflict: mode === 3 ? 'fail' : 'rename',
        }),
      )
      const links = await x.c.partUploads.partLinks(x.actor, upload.id)
      return ok(x.lang, {
        fileId: uploadFileId(upload.id),
        containerId: spaceId,
        fileName: upload.name,
        uploadId: String(upload.id),
        parentFolder: [String(upload.parentId)],
        exist: false,
        multiParts: partsOf(x, links),
      })
    },
  )

  app.post(
    '/files/multipart/uploadUrl',
    { schema: { hide, body: Type.Object({ fileId: Type.Optional(Type.Unknown()), uploadId: Type.Optional(Type.Unknown()), multiParts: Type.Optional(Type.Array(Type.Object({ partNumber: Type.Unknown() }))) }) } },
    async (req) => {
      const x = k(req)
      const id = uploadOf(req.body)
      const wanted = req.body.multiParts?.map((p, i) => requiredInt(p.partNumber, `multiParts[${i}].partNumber`, { min: 1 }))
      if (wanted && !wanted.length) throw badParam('multiParts is empty')
      const links = await x.c.partUploads.partLinks(x.actor, id, wanted)
      return ok(x.lang, { fileId: uploadFileId(id), uploadId: id, multiParts: partsOf(x, links) })
    },
  )

  app.post(
    '/files/complete',
    { schema: { hide, body: Type.Object({ fileId: Type.Optional(Type.Unknown()), uploadId: Type.Optional(Type.Unknown()), sha256: Type.Optional(Type.Unknown()), containerId: Type.Optional(Type.Unknown()) }) } },
    async (req) => {
      const x = k(req)
      const sha = sha256(req.body.sha256)
      const raw = str(req.body.fileId, 'fileId', { max: 64 })
      const containerId = str(req.body.containerId, 'containerId', { max: 64 })
      // The answer of a flash upload (`exist: true`) carries the existing file's id: completing it again is a no-op.
      if (raw && /^[1-9][0-9]{0,15}$/.test(raw) && containerId) {
        const found = await x.c.nodes.inspect(x.actor, containerId, raw)
        if (found?.visible && found.node.kind === 'file' && (!sha || sha === found.node.blobSha256)) return ok(x.lang, { id: raw }, 'success.')
        throw new KooError('13000401', `No upload ${raw}`)
      }
      const id = uploadOf(req.body)
      const upload = await x.c.partUploads.get(x.actor, id)
      const { node } = await refining(x, String(upload.spaceId), { parent: String(upload.parentId) }, () => x.c.partUploads.complete(x.actor, id, { sha256: sha }))
      return ok(x.lang, { id: String(node.id) }, 'success.')
    },
  )
}
