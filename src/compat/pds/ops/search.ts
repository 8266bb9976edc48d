import { Type } from 'typebox'
import { loadDrive, ok, type PdsOp } from '../context.ts'
import { PdsError } from '../errors.ts'
import { MAX_QUERY_LENGTH, parseQuery } from '../query-language.ts'
import { searchOrderOf } from '../to-core.ts'
import { Id, idOf, Marker, OptId, parse } from '../validate.ts'
import { withDescriptions } from './files.ts'

/**
 * SearchFile: PDS's query language over the drive's visible items. Nothing in the recycle bin, nor anything inside a
 * trashed folder, is ever found: the core's visibility test is in the same query, so there is no indexing lag.
 * https://www.alibabacloud.com/help/en/pds/drive-and-photo-service-dev/developer-reference/api-pds-2022-03-01-searchfile
 */
const SearchFile = Type.Object({
  drive_id: OptId,
  drive_id_list: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 1 })),
  query: Type.Optional(Type.String({ maxLength: MAX_QUERY_LENGTH })),
  order_by: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  marker: Marker,
  return_total_count: Type.Optional(Type.Boolean()),
  recursive: Type.Optional(Type.Boolean()),
  fields: Type.Optional(Type.String()),
})

/** 200 `{items, next_marker, total_count?}`; order by the first key of `order_by` (default `name ASC`), ties by id. */
const searchFile: PdsOp = async (ctx, raw) => {
  const b = parse(SearchFile, raw)
  const driveId = b.drive_id ?? b.drive_id_list?.[0]
  if (driveId === undefined) throw new PdsError(400, 'InvalidParameterMissing', 'The input parameter drive_id is missing')
  const drive = await loadDrive(ctx, idOf(driveId))
  const where = parseQuery(b.query ?? '')
  const { sort, order } = searchOrderOf(b.order_by)
  const page = await ctx.c.nodeFinder.find(ctx.actor, drive.driveId, {
    where: where ?? undefined,
    sort,
    order,
    limit: b.limit ?? 50,
    cursor: b.marker || undefined,
    withTotal: !!b.return_total_count,
  })
  return ok({
    items: await withDescriptions(ctx, drive, page.items),
    next_marker: page.nextCursor ?? '',
    ...(b.return_total_count ? { total_count: page.total ?? 0 } : {}),
  })
}

export const searchOps: Record<string, PdsOp> = { '/file/search': searchFile }
