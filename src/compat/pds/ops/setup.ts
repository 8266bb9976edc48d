import { Type } from 'typebox'
import { requireAdmin } from '../../../access/authorize.ts'
import { ok, type PdsOp } from '../context.ts'
import { PdsError } from '../errors.ts'
import { iso, presentDrive } from '../from-core.ts'
import { Id, idOf, Marker, parse } from '../validate.ts'

/**
 * Setup calls: users and drives. PDS domain = Trove library (the caller's), PDS drive = Trove space (`drive_id` is the
 * space id). User/drive creation needs an admin token, as PDS's admin-only calls need admin credentials.
 * https://www.alibabacloud.com/help/en/pds/drive-and-photo-service-dev/developer-reference/api-pds-2022-03-01-createuser
 */

const CreateUser = Type.Object({
  user_id: Type.String({ minLength: 1, maxLength: 64 }),
  user_name: Type.Optional(Type.String({ maxLength: 128 })),
  nick_name: Type.Optional(Type.String({ maxLength: 128 })),
  role: Type.Optional(Type.String()),
  status: Type.Optional(Type.Union([Type.Literal('enabled'), Type.Literal('disabled')])),
  email: Type.Optional(Type.String()),
  phone: Type.Optional(Type.String()),
  description: Type.Optional(Type.String({ maxLength: 1024 })),
  avatar: Type.Optional(Type.String()),
})

/** 201 with the user. Trove stores the id only; the profile fields are echoed, rights come from the token's grants. */
const createUser: PdsOp = async (ctx, raw) => {
  const b = parse(CreateUser, raw)
  requireAdmin(ctx.actor)
  if (b.user_id.includes('#')) throw new PdsError(400, 'InvalidParameter.UserId', 'user_id cannot contain #')
  await ctx.c.auth.ensureUser(ctx.actor.libraryId, b.user_id)
  const now = iso(ctx.c.clock.now())
  return ok(
    {
      domain_id: ctx.actor.libraryId,
      user_id: b.user_id,
      user_name: b.user_name ?? b.user_id,
      nick_name: b.nick_name ?? b.user_name ?? b.user_id,
      role: b.role ?? 'user',
      status: b.status ?? 'enabled',
      email: b.email ?? '',
      phone: b.phone ?? '',
      description: b.description ?? '',
      avatar: b.avatar ?? '',
      default_drive_id: '',
      created_at: now,
      updated_at: now,
    },
    201,
  )
}

const CreateDrive = Type.Object({
  drive_name: Type.String({ minLength: 1, maxLength: 128 }),
  owner: Type.String({ minLength: 1, maxLength: 64 }),
  owner_type: Type.Union([Type.Literal('user'), Type.Literal('group')]),
  drive_type: Type.Optional(Type.Literal('normal')),
  default: Type.Optional(Type.Boolean()),
  description: Type.Optional(Type.String({ maxLength: 1024 })),
  status: Type.Optional(Type.Union([Type.Literal('enabled'), Type.Literal('disabled')])),
  total_size: Type.Optional(Type.Integer({ minimum: -1 })),
})

/** 201 `{domain_id, drive_id}`; `total_size` becomes the space quota (absent or -1: unlimited). */
const createDrive: PdsOp = async (ctx, raw) => {
  const b = parse(CreateDrive, raw)
  requireAdmin(ctx.actor)
  if (b.owner_type === 'group') throw new PdsError(400, 'InvalidParameterNotSupported', 'Trove has no groups: a drive is owned by a user')
  if (b.status === 'disabled') throw new PdsError(400, 'InvalidParameterNotSupported', 'A drive cannot be created disabled')
  const space = await ctx.c.spaces.create(ctx.actor, {
    name: b.drive_name,
    ownerId: b.owner,
    quotaBytes: b.total_size === undefined || b.total_size < 0 ? null : b.total_size,
  })
  return ok({ domain_id: space.libraryId, drive_id: space.id }, 201)
}

const GetDrive = Type.Object({ drive_id: Id })

const getDrive: PdsOp = async (ctx, raw) => {
  const b = parse(GetDrive, raw)
  return ok(presentDrive(await ctx.c.spaces.get(ctx.actor, idOf(b.drive_id))))
}

const ListDrives = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  marker: Marker,
  owner: Type.Optional(Type.String()),
  owner_type: Type.Optional(Type.String()),
})

/** The drives the token can see, by id; `marker` is the last drive_id of the previous page. */
const listDrives: PdsOp = async (ctx, raw) => {
  const b = parse(ListDrives, raw)
  const limit = b.limit ?? 100
  const after = b.marker ? Number(b.marker) : 0
  if (b.marker && !Number.isSafeInteger(after)) throw new PdsError(400, 'InvalidParameter.Marker', 'The marker is not valid')
  const all = (await ctx.c.spaces.list(ctx.actor))
    .filter((s) => (b.owner ? s.ownerId === b.owner : true))
    .filter((s) => Number(s.id) > after)
    .sort((x, y) => Number(x.id) - Number(y.id))
  const page = all.slice(0, limit)
  return ok({ items: page.map(presentDrive), next_marker: all.length > limit ? page.at(-1)!.id : '' })
}

export const setupOps: Record<string, PdsOp> = {
  '/user/create': createUser,
  '/drive/create': createDrive,
  '/drive/get': getDrive,
  '/drive/list': listDrives,
}
