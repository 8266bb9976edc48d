import { Type } from 'typebox'
import { DomainError } from '../../../shared/errors.ts'
import type { DriveNode } from '../../../nodes/node.ts'
import type { NodeQuery } from '../../../nodes/node-query.ts'
import { loadDrive, ok, pdsId, visibleFile, type Drive, type PdsCtx, type PdsOp } from '../context.ts'
import { PdsError } from '../errors.ts'
import { presentFile } from '../from-core.ts'
import { categoryCondition, orderOf, sortKeyOf, underNameMode, type NameMode } from '../to-core.ts'
import { Id, idOf, Marker, NameMode as NameModeSchema, OptId, parse } from '../validate.ts'
import { startFileUpload } from './transfer.ts'

/**
 * File and folder calls (file/create for folders, get, list, update, move, copy).
 * https://www.alibabacloud.com/help/en/pds/drive-and-photo-service-dev/developer-reference/api-pds-2022-03-01-createfile
 */

export async function withDescriptions(ctx: PdsCtx, drive: Drive, nodes: DriveNode[]): Promise<Record<string, unknown>[]> {
  const descriptions = nodes.length ? await ctx.c.nodeDescriptions.get(ctx.actor, drive.driveId, nodes.map((n) => n.id)) : new Map<number, string>()
  return nodes.map((n) => presentFile(drive, n, { description: descriptions.get(n.id) }))
}

export async function fileView(ctx: PdsCtx, drive: Drive, node: DriveNode): Promise<Record<string, unknown>> {
  return (await withDescriptions(ctx, drive, [node]))[0]
}

/** A folder the client named as a parent or target: visible, and a folder. */
async function folder(ctx: PdsCtx, drive: Drive, fileId: string): Promise<DriveNode> {
  const node = await visibleFile(ctx, drive, fileId, 'folder')
  if (node.kind !== 'folder') throw new DomainError('node.not_a_folder', `${fileId} is a file, not a folder`, { id: fileId })
  return node
}

export const CreateFile = Type.Object({
  drive_id: Id,
  parent_file_id: Id,
  name: Type.String({ minLength: 1, maxLength: 1024 }),
  type: Type.Union([Type.Literal('file'), Type.Literal('folder')]),
  check_name_mode: NameModeSchema,
  size: Type.Optional(Type.Integer({ minimum: 0 })),
  content_type: Type.Optional(Type.String({ maxLength: 256 })),
  content_hash: Type.Optional(Type.String({ maxLength: 128 })),
  content_hash_name: Type.Optional(Type.String()),
  pre_hash: Type.Optional(Type.String()),
  part_info_list: Type.Optional(Type.Array(Type.Object({ part_number: Type.Integer({ minimum: 1, maximum: 10_000 }), part_size: Type.Optional(Type.Integer({ minimum: 0 })) }), { maxItems: 10_000 })),
  description: Type.Optional(Type.String({ maxLength: 1024 })),
  file_id: OptId,
})

/** 201. Folders are created at once; files start an upload (see transfer.ts). */
const createFile: PdsOp = async (ctx, raw) => {
  const b = parse(CreateFile, raw)
  const drive = await loadDrive(ctx, idOf(b.drive_id))
  if (b.type === 'file') return startFileUpload(ctx, drive, b)
  const parent = await folder(ctx, drive, idOf(b.parent_file_id))
  const mode: NameMode = b.check_name_mode ?? 'ignore'
  const res = await underNameMode(mode, b.name, ctx.c.clock.now(), true, (name) => ctx.c.nodes.createFolder(ctx.actor, drive.driveId, pdsId(drive, parent.id), name, 'fail'))
  const base = { domain_id: drive.domainId, drive_id: drive.driveId, parent_file_id: pdsId(drive, parent.id), type: 'folder', status: 'available' }
  if (res.exist) {
    const existing = res.existingId ? await visibleFile(ctx, drive, res.existingId) : null
    return ok({ ...base, file_id: existing ? pdsId(drive, existing.id) : '', file_name: b.name, type: existing?.kind ?? 'folder', exist: true }, 201)
  }
  if (b.description) await ctx.c.nodeDescriptions.set(ctx.actor, drive.driveId, String(res.value.id), b.description)
  return ok({ ...base, file_id: String(res.value.id), file_name: res.name, exist: false }, 201)
}

const GetFile = Type.Object({ drive_id: Id, file_id: Id, fields: Type.Optional(Type.String()), url_expire_sec: Type.Optional(Type.Integer({ minimum: 10, maximum: 14_400 })) })

const getFile: PdsOp = async (ctx, raw) => {
  const b = parse(GetFile, raw)
  const drive = await loadDrive(ctx, idOf(b.drive_id))
  return ok(await fileView(ctx, drive, await visibleFile(ctx, drive, idOf(b.file_id))))
}

const ListFile = Type.Object({
  drive_id: Id,
  parent_file_id: Id,
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  marker: Marker,
  order_by: Type.Optional(Type.String()),
  order_direction: Type.Optional(Type.String()),
  type: Type.Optional(Type.Union([Type.Literal('file'), Type.Literal('folder'), Type.Literal('')])),
  category: Type.Optional(Type.String()),
  status: Type.Optional(Type.String()),
  fields: Type.Optional(Type.String()),
})

/**
 * 200 `{items, next_marker}`, `next_marker` "" on the last page. Default order: created_at ASC. The recycle bin is never
 * listed (a trashed item is not a child any more). With `type`/`category` the filtered listing serves the page.
 */
const listFile: PdsOp = async (ctx, raw) => {
  const b = parse(ListFile, raw)
  const drive = await loadDrive(ctx, idOf(b.drive_id))
  const parent = await folder(ctx, drive, idOf(b.parent_file_id))
  const sort = sortKeyOf(b.order_by, 'created')
  const order = orderOf(b.order_direction, 'asc')
  const limit = b.limit ?? 50
  const cursor = b.marker || undefined
  if (b.status && b.status !== 'available') return ok({ items: [], next_marker: '' })
  const filters: NodeQuery[] = []
  if (b.type) filters.push({ field: 'kind', op: 'eq', value: b.type })
  if (b.category) filters.push({ and: [{ field: 'kind', op: 'eq', value: 'file' }, categoryCondition(b.category)] })
  const page = filters.length
    ? await ctx.c.nodeFinder.find(ctx.actor, drive.driveId, { where: { and: [{ field: 'parentId', op: 'in', value: [String(parent.id)] }, ...filters] }, sort, order, limit, cursor })
    : await ctx.c.nodes.list(ctx.actor, drive.driveId, pdsId(drive, parent.id), { sort, order, limit, cursor })
  return ok({ items: await withDescriptions(ctx, drive, page.items), next_marker: page.nextCursor ?? '' })
}

const UpdateFile = Type.Object({
  drive_id: Id,
  file_id: Id,
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  check_name_mode: NameModeSchema,
  description: Type.Optional(Type.String({ maxLength: 1024 })),
  hidden: Type.Optional(Type.Boolean()),
  starred: Type.Optional(Type.Boolean()),
  labels: Type.Optional(Type.Array(Type.String(), { maxItems: 100 })),
})

/** 200 File. Rename (check_name_mode as for create; `refuse` answers AlreadyExist.File) and description. */
const updateFile: PdsOp = async (ctx, raw) => {
  const b = parse(UpdateFile, raw)
  const drive = await loadDrive(ctx, idOf(b.drive_id))
  let node = await visibleFile(ctx, drive, idOf(b.file_id))
  const id = pdsId(drive, node.id)
  if (b.name !== undefined && b.name !== node.name) {
    const mode: NameMode = b.check_name_mode ?? 'ignore'
    const res = await underNameMode(mode === 'refuse' ? 'refuse' : 'auto_rename', b.name, ctx.c.clock.now(), node.kind === 'folder', (name) =>
      ctx.c.nodes.update(ctx.actor, drive.driveId, id, { name, onConflict: 'fail' }),
    )
    if (res.exist) throw new DomainError('node.name_conflict', `\`${b.name}\` already exists in this folder`, { name: b.name })
    node = res.value
  }
  if (b.description !== undefined) await ctx.c.nodeDescriptions.set(ctx.actor, drive.driveId, id, b.description)
  return ok(await fileView(ctx, drive, node))
}

const MoveFile = Type.Object({
  drive_id: Id,
  file_id: Id,
  to_parent_file_id: Id,
  to_drive_id: OptId,
  new_name: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  check_name_mode: NameModeSchema,
})

/** 200 `{domain_id, drive_id, file_id, async_task_id: "", exist}`: a move is one transaction, never a task. */
const moveFile: PdsOp = async (ctx, raw) => {
  const b = parse(MoveFile, raw)
  const drive = await loadDrive(ctx, idOf(b.drive_id))
  if (b.to_drive_id !== undefined && idOf(b.to_drive_id) !== drive.driveId) throw new PdsError(400, 'InvalidParameterNotSupported', 'Moving to another drive is not supported')
  const node = await visibleFile(ctx, drive, idOf(b.file_id))
  const target = await folder(ctx, drive, idOf(b.to_parent_file_id))
  const id = pdsId(drive, node.id)
  const name = b.new_name ?? node.name
  const res =
    target.id === node.parentId && name === node.name
      ? { exist: false as const }
      : await underNameMode(b.check_name_mode ?? 'ignore', name, ctx.c.clock.now(), node.kind === 'folder', (n) =>
          ctx.c.nodes.update(ctx.actor, drive.driveId, id, { parentId: pdsId(drive, target.id), name: n, onConflict: 'fail' }),
        )
  return ok({ domain_id: drive.domainId, drive_id: drive.driveId, file_id: id, async_task_id: '', exist: res.exist })
}

const CopyFile = Type.Object({
  drive_id: Id,
  file_id: Id,
  to_parent_file_id: Id,
  to_drive_id: OptId,
  new_name: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  check_name_mode: NameModeSchema,
  auto_rename: Type.Optional(Type.Boolean()),
})

/** 201 `{domain_id, drive_id, file_id (the copy), async_task_id: ""}`: copies (up to 10,000 items) finish in the request. */
const copyFile: PdsOp = async (ctx, raw) => {
  const b = parse(CopyFile, raw)
  const drive = await loadDrive(ctx, idOf(b.drive_id))
  if (b.to_drive_id !== undefined && idOf(b.to_drive_id) !== drive.driveId) throw new PdsError(400, 'InvalidParameterNotSupported', 'Copying to another drive is not supported')
  const node = await visibleFile(ctx, drive, idOf(b.file_id))
  const target = await folder(ctx, drive, idOf(b.to_parent_file_id))
  const mode: NameMode = b.check_name_mode ?? (b.auto_rename === false ? 'refuse' : 'auto_rename')
  const res = await underNameMode(mode, b.new_name ?? node.name, ctx.c.clock.now(), node.kind === 'folder', (name) =>
    ctx.c.nodes.copy(ctx.actor, drive.driveId, pdsId(drive, node.id), { parentId: pdsId(drive, target.id), name, onConflict: 'fail' }),
  )
  const base = { domain_id: drive.domainId, drive_id: drive.driveId, async_task_id: '' }
  if (res.exist) return ok({ ...base, file_id: res.existingId ?? '', exist: true }, 201)
  return ok({ ...base, file_id: String(res.value.id), exist: false }, 201)
}

export const fileOps: Record<string, PdsOp> = {
  '/file/create': createFile,
  '/file/get': getFile,
  '/file/list': listFile,
  '/file/update': updateFile,
  '/file/move': moveFile,
  '/file/copy': copyFile,
}

