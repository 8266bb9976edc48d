import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type, type Static } from 'typebox'
import type { Actor } from '../../../access/grants.ts'
import { DomainError, isDomainError } from '../../../shared/errors.ts'
import type { Container } from '../../../app/container.ts'
import type { MultipartUpload } from '../../../uploads/multipart-uploads.service.ts'
import { loadDrive, ok, pdsId, provisionalFileId, provisionalRowId, visibleFile, type Drive, type PdsCtx, type PdsOp } from '../context.ts'
import { PdsError } from '../errors.ts'
import { iso } from '../from-core.ts'
import { autoRenamed, type NameMode } from '../to-core.ts'
import { Id, idOf, parse } from '../validate.ts'
import type { CreateFile } from './files.ts'
import { fileView } from './files.ts'

/**
 * The upload and download calls. PDS hands out OSS URLs; Trove hands out its own signed URLs under this dialect:
 * - `PUT {origin}/v2/_trove/upload/{upload_id}/{part_number}?token=…` stores one part (no Authorization header, any
 *   Content-Type: the signed token is the credential, as with OSS pre-signed URLs);
 * - `GET {origin}/v2/_trove/download?token=…` streams the file, honouring one `Range`.
 * The upload state is in the database and the parts in the blob store, so any node can take the next part.
 * https://www.alibabacloud.com/help/en/pds/drive-and-photo-service-dev/developer-reference/api-pds-2022-03-01-getuploadurl
 */

export const PART_URL_TTL_MS = 3_600_000
export const UPLOAD_TTL_MS = 10 * 86_400_000
const DEFAULT_DOWNLOAD_TTL_SEC = 900
const SIGNED_PREFIX = '/_trove'

async function partUrls(ctx: PdsCtx, upload: MultipartUpload, partNumbers: number[]) {
  const out = []
  for (const p of partNumbers) {
    const { token } = await ctx.c.signer.sign({ t: 'pds-part', u: upload.uploadId, p }, PART_URL_TTL_MS)
    const url = `${ctx.origin}/v2${SIGNED_PREFIX}/upload/${upload.uploadId}/${p}?token=${encodeURIComponent(token)}`
    out.push({ part_number: p, upload_url: url, internal_upload_url: url, content_type: '' })
  }
  return out
}

function partNumbersOf(list: { part_number: number }[] | undefined): number[] {
  const numbers = list?.length ? list.map((p) => p.part_number) : [1]
  if (new Set(numbers).size !== numbers.length) throw new PdsError(400, 'InvalidParameter.PartNumber', 'part_number values must be unique')
  return numbers
}

/**
 * file/create for a file: 201 with `upload_id`, a provisional `file_id` (`upload-<n>`), `status: "uploading"` and one
 * signed URL per part. check_name_mode is decided now: `refuse` with a taken name answers the existing file with
 * `exist: true` and no upload; `auto_rename`/`ignore` pick a free timestamped name. Rapid upload (`pre_hash`,
 * `content_hash` matching stored content) never happens: `rapid_upload` is always false; a SHA-1 `content_hash` is
 * checked at completion.
 */
export async function startFileUpload(ctx: PdsCtx, drive: Drive, b: Static<typeof CreateFile>) {
  const parent = await visibleFile(ctx, drive, idOf(b.parent_file_id), 'folder')
  if (parent.kind !== 'folder') throw new DomainError('node.not_a_folder', `${idOf(b.parent_file_id)} is a file, not a folder`, { id: idOf(b.parent_file_id) })
  const parentId = pdsId(drive, parent.id)
  const mode: NameMode = b.check_name_mode ?? 'ignore'
  const taken = async (name: string) => {
    const page = await ctx.c.nodeFinder.find(ctx.actor, drive.driveId, { where: { and: [{ field: 'parentId', op: 'in', value: [String(parent.id)] }, { field: 'name', op: 'eq', value: name }] }, limit: 1 })
    return page.items[0]
  }
  let name = b.name
  const existing = await taken(name)
  const base = { domain_id: drive.domainId, drive_id: drive.driveId, parent_file_id: parentId, rapid_upload: false }
  if (existing && mode === 'refuse') {
    return ok({ ...base, file_id: pdsId(drive, existing.id), file_name: existing.name, type: existing.kind, status: 'available', exist: true }, 201)
  }
  if (existing) {
    const now = ctx.c.clock.now()
    for (let i = 0; ; i++) {
      name = autoRenamed(b.name, now, i, false)
      if (!(await taken(name))) break
      if (i > 50) throw new DomainError('node.name_conflict', `No free name for \`${b.name}\``, { name: b.name })
    }
  }
  const sha1 = b.content_hash && (b.content_hash_name ?? 'sha1').toLowerCase() === 'sha1' ? b.content_hash.toLowerCase() : undefined
  const upload = await ctx.c.multipartUploads.start(ctx.actor, drive.driveId, {
    parentId,
    name,
    // The name was picked now; if another request takes it before completion, `refuse` fails and the others get ` (1)`.
    onConflict: mode === 'refuse' ? 'fail' : 'rename',
    sizeBytes: b.size,
    contentType: b.content_type,
    sha1,
    ttlMs: UPLOAD_TTL_MS,
  })
  const parts = await partUrls(ctx, upload, partNumbersOf(b.part_info_list))
  const sizes = new Map((b.part_info_list ?? []).map((p) => [p.part_number, p.part_size]))
  return ok(
    {
      ...base,
      file_id: provisionalFileId(upload.id),
      file_name: name,
      type: 'file',
      status: 'uploading',
      upload_id: upload.uploadId,
      exist: false,
      location: '',
      revision_id: '',
      encrypt_mode: 'none',
      part_info_list: parts.map((p) => ({ ...p, ...(sizes.get(p.part_number) !== undefined ? { part_size: sizes.get(p.part_number) } : {}) })),
    },
    201,
  )
}

/** The open upload a request names, checking that `file_id` is the provisional id handed out for it. */
async function uploadOf(ctx: PdsCtx, drive: Drive, fileId: string, uploadId: string): Promise<MultipartUpload> {
  const upload = await ctx.c.multipartUploads.get(ctx.actor, drive.driveId, uploadId)
  if (provisionalRowId(fileId) !== upload.id) throw new PdsError(400, 'InvalidParameterNotMatch', `upload_id ${uploadId} does not belong to file ${fileId}`)
  return upload
}

const GetUploadUrl = Type.Object({
  drive_id: Id,
  file_id: Id,
  upload_id: Type.String({ minLength: 1 }),
  part_info_list: Type.Array(Type.Object({ part_number: Type.Integer({ minimum: 1, maximum: 10_000 }) }), { minItems: 1, maxItems: 10_000 }),
})

/** 200 with fresh part URLs (for parts whose URL expired, or more parts than announced). */
const getUploadUrl: PdsOp = async (ctx, raw) => {
  const b = parse(GetUploadUrl, raw)
  const drive = await loadDrive(ctx, idOf(b.drive_id))
  // Fresh part URLs are write credentials: only a caller who may upload gets them, not any reader knowing the upload id.
  await ctx.c.spaces.load(ctx.actor, drive.driveId, 'upload_file')
  const upload = await uploadOf(ctx, drive, idOf(b.file_id), b.upload_id)
  if (upload.state !== 'open') throw new PdsError(409, 'StateConflict', 'This upload is complete')
  return ok({
    domain_id: drive.domainId,
    drive_id: drive.driveId,
    file_id: idOf(b.file_id),
    upload_id: upload.uploadId,
    create_at: iso(upload.createdAt),
    part_info_list: await partUrls(ctx, upload, partNumbersOf(b.part_info_list)),
  })
}

const ListUploadedParts = Type.Object({ drive_id: Id, file_id: Id, upload_id: Type.String({ minLength: 1 }) })

const listUploadedParts: PdsOp = async (ctx, raw) => {
  const b = parse(ListUploadedParts, raw)
  const drive = await loadDrive(ctx, idOf(b.drive_id))
  const upload = await uploadOf(ctx, drive, idOf(b.file_id), b.upload_id)
  const parts = await ctx.c.multipartUploads.parts(ctx.actor, drive.driveId, upload.uploadId)
  return ok({
    file_id: idOf(b.file_id),
    upload_id: upload.uploadId,
    parallel_upload: false,
    uploaded_parts: parts.map((p) => ({ part_number: p.partNumber, part_size: p.sizeBytes, etag: `"${p.sha256}"` })),
    next_part_number_marker: '',
  })
}

const CompleteFile = Type.Object({ drive_id: Id, file_id: Id, upload_id: Type.String({ minLength: 1 }), crc64_hash: Type.Optional(Type.String()) })

/** 200 File: the parts, in part-number order, become the file. Its `file_id` is the file's permanent id. */
const completeFile: PdsOp = async (ctx, raw) => {
  const b = parse(CompleteFile, raw)
  const drive = await loadDrive(ctx, idOf(b.drive_id))
  const upload = await uploadOf(ctx, drive, idOf(b.file_id), b.upload_id)
  const node = await ctx.c.multipartUploads.complete(ctx.actor, drive.driveId, upload.uploadId)
  return ok(await fileView(ctx, drive, node))
}

const GetDownloadUrl = Type.Object({
  drive_id: Id,
  file_id: Id,
  expire_sec: Type.Optional(Type.Integer({ minimum: 1, maximum: 115_200 })),
  file_name: Type.Optional(Type.String({ maxLength: 1024 })),
  response_content_type: Type.Optional(Type.String({ maxLength: 256 })),
})

/** 200 `{url, expiration, size, …}`: a signed Trove URL valid `expire_sec` (default 900) seconds. */
const getDownloadUrl: PdsOp = async (ctx, raw) => {
  const b = parse(GetDownloadUrl, raw)
  const drive = await loadDrive(ctx, idOf(b.drive_id))
  const node = await visibleFile(ctx, drive, idOf(b.file_id))
  if (node.kind !== 'file') throw new DomainError('node.is_folder', `${idOf(b.file_id)} is a folder; only files can be downloaded`, { id: idOf(b.file_id) })
  const claims: Record<string, string | number> = { t: 'pds-dl', l: ctx.actor.libraryId, u: ctx.actor.userId, s: drive.driveId, n: node.id }
  if (b.file_name) claims.f = b.file_name
  if (b.response_content_type) claims.ct = b.response_content_type
  const { token, expiresAt } = await ctx.c.signer.sign(claims, (b.expire_sec ?? DEFAULT_DOWNLOAD_TTL_SEC) * 1000)
  const url = `${ctx.origin}/v2${SIGNED_PREFIX}/download?token=${encodeURIComponent(token)}`
  return ok({
    url,
    internal_url: url,
    cdn_url: '',
    expiration: iso(expiresAt),
    method: 'GET',
    size: node.sizeBytes,
    ...(node.blobSha256 ? { content_hash: node.blobSha256.toUpperCase(), content_hash_name: 'sha256' } : {}),
  })
}

export const transferOps: Record<string, PdsOp> = {
  '/file/get_upload_url': getUploadUrl,
  '/file/list_uploaded_parts': listUploadedParts,
  '/file/complete': completeFile,
  '/file/get_download_url': getDownloadUrl,
}

// ---------------------------------------------------------------------------------------------------------------------
// The signed endpoints (no bearer token: the URL is the credential)

export const SIGNED_ROUTES = { upload: `${SIGNED_PREFIX}/upload/:uploadId/:partNumber`, download: `${SIGNED_PREFIX}/download` }

/** A token that is forged, expired or meant for something else: 403 AccessDenied, as OSS answers a bad signed URL. */
async function claimsOf(c: Container, token: string | undefined, kind: string): Promise<Record<string, string | number>> {
  try {
    if (!token) throw new Error('no token')
    const claims = await c.signer.verify(token)
    if (claims.t !== kind) throw new Error('wrong kind')
    return claims
  } catch (e) {
    const expired = isDomainError(e) && /expired/i.test(e.message)
    throw new PdsError(403, 'AccessDenied', expired ? 'The signed URL has expired; ask for a new one' : 'The signed URL is not valid')
  }
}

export async function putPart(c: Container, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { uploadId, partNumber } = req.params as { uploadId: string; partNumber: string }
  const claims = await claimsOf(c, (req.query as { token?: string }).token, 'pds-part')
  if (claims.u !== uploadId || String(claims.p) !== partNumber) throw new PdsError(403, 'AccessDenied', 'The signed URL is not valid for this part')
  const length = req.headers['content-length']
  const part = await c.multipartUploads.putPart(uploadId, Number(partNumber), req.raw, { sizeBytes: length !== undefined ? Number(length) : undefined })
  return reply.status(200).header('etag', `"${part.sha256}"`).send()
}

export async function download(c: Container, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const claims = await claimsOf(c, (req.query as { token?: string }).token, 'pds-dl')
  // The link carries the reading rights of who asked for it: read-only, on that one space.
  const actor: Actor = { libraryId: String(claims.l), userId: String(claims.u), grants: [], spaceIds: [String(claims.s)] }
  let dl
  try {
    dl = await c.nodes.download(actor, String(claims.s), String(claims.n), req.headers.range)
  } catch (e) {
    if (isDomainError(e) && e.code === 'range.not_satisfiable') reply.header('content-range', `bytes */${String(e.details.sizeBytes)}`)
    throw e
  }
  const name = typeof claims.f === 'string' ? claims.f : dl.node.name
  reply
    .header('etag', dl.etag)
    .header('accept-ranges', 'bytes')
    .header('last-modified', new Date(dl.node.modifiedAt).toUTCString())
    .header('content-type', typeof claims.ct === 'string' ? claims.ct : (dl.node.contentType ?? 'application/octet-stream'))
    .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(name)}`)
  if (dl.range) {
    reply
      .status(206)
      .header('content-range', `bytes ${dl.range.start}-${dl.range.end}/${dl.totalBytes}`)
      .header('content-length', dl.range.end - dl.range.start + 1)
  } else {
    reply.status(200).header('content-length', dl.totalBytes)
  }
  return reply.send(dl.body)
}
