/**
 * Listing a folder (type 0) or the recycle bin (type 1) of a space, with cursor paging.
 * - getPersonalFiles: https://support.huaweicloud.com/intl/id-id/api-koodrive-carrier/getPersonalFiles.html
 * - getDepartmentFiles (team spaces, `/files/{groupId}/{type}`): https://support.huaweicloud.com/intl/en-us/api-koodrive/getDepartmentFiles.html
 * `pageCursor` / `nextCursor` are the core's keyset cursors, passed through untouched (absent on the last page).
 * Filters the core does not index (`fileType`, a `fileName` substring in folders) are applied here while walking
 * the core's pages, so a page may hold fewer than `pageSize` items and still have a `nextCursor`.
 */
import { Type } from 'typebox'
import type { Ctx, KooRoutes } from './deps.ts'
import { badParam, refining } from './errors.ts'
import { binSort, container, fileTypeFilter, folderSort, int, nodeId, str } from './to-core.ts'
import { binObject, fileObject, fileTypeOf, ok } from './from-core.ts'

export const DEFAULT_PAGE_SIZE = 100
export const MAX_PAGE_SIZE = 1000
/** Core pages one request may walk through while filtering, before it answers with what it has and a cursor. */
const MAX_SCANS = 50

const ListBody = Type.Object({
  containerId: Type.Optional(Type.Unknown()),
  parentFileId: Type.Unknown(),
  pageInfo: Type.Optional(Type.Object({ pageSize: Type.Optional(Type.Unknown()), pageCursor: Type.Optional(Type.Unknown()) })),
  sortInfo: Type.Optional(Type.Object({ sortType: Type.Optional(Type.Unknown()), sortDirection: Type.Optional(Type.Unknown()) })),
  fileType: Type.Optional(Type.Unknown()),
  fileName: Type.Optional(Type.Unknown()),
  imageProcess: Type.Optional(Type.Unknown()),
})
type ListBodyT = {
  containerId?: unknown
  parentFileId: unknown
  pageInfo?: { pageSize?: unknown; pageCursor?: unknown }
  sortInfo?: { sortType?: unknown; sortDirection?: unknown }
  fileType?: unknown
  fileName?: unknown
}

interface Page {
  files: Record<string, unknown>[]
  nextCursor: string | null
}

async function listFolder(x: Ctx, spaceId: string, b: ListBodyT, size: number, cursor: string | undefined): Promise<Page> {
  if (b.parentFileId === 'sbox') throw badParam('The safe box (sbox) is not supported')
  const folder = await nodeId(x, spaceId, b.parentFileId, 'parentFileId')
  const { sort, order } = folderSort(b.sortInfo)
  const type = fileTypeFilter(b.fileType)
  const needle = str(b.fileName, 'fileName', { max: 250 })?.toLowerCase()
  const files: Record<string, unknown>[] = []
  let next = cursor
  for (let scans = 0; ; scans++) {
    // Ask for exactly what is still missing: every core page is then used whole, and its cursor is where we stop.
    const page = await refining(x, spaceId, { file: folder }, () => x.c.nodes.list(x.actor, spaceId, folder, { sort, order, limit: size - files.length, cursor: next }))
    for (const n of page.items) {
      if (type !== undefined && fileTypeOf(n) !== type) continue
      if (needle !== undefined && !n.name.toLowerCase().includes(needle)) continue
      files.push(fileObject(n, spaceId))
    }
    next = page.nextCursor ?? undefined
    if (!next || files.length >= size || scans + 1 >= MAX_SCANS) return { files, nextCursor: next ?? null }
  }
}

async function listBin(x: Ctx, spaceId: string, b: ListBodyT, size: number, cursor: string | undefined): Promise<Page> {
  const parentRaw = str(b.parentFileId, 'parentFileId', { required: true, max: 64 })!
  if (parentRaw === 'sbox') throw badParam('The safe box (sbox) is not supported')
  // `root` lists every entry of the container; a folder id lists what was removed from that folder.
  const originalParentId = parentRaw === 'root' ? undefined : Number(await nodeId(x, spaceId, parentRaw, 'parentFileId'))
  const { sort, order } = binSort(b.sortInfo)
  const type = fileTypeFilter(b.fileType)
  const nameContains = str(b.fileName, 'fileName', { max: 250 })
  const files: Record<string, unknown>[] = []
  let next = cursor
  for (let scans = 0; ; scans++) {
    const page = await x.c.trash.list(x.actor, spaceId, { sort, order, limit: size - files.length, cursor: next, filter: { originalParentId, nameContains } })
    for (const e of page.items) {
      if (type !== undefined && fileTypeOf({ kind: e.kind, name: e.name }) !== type) continue
      files.push(binObject(e, spaceId))
    }
    next = page.nextCursor ?? undefined
    if (!next || files.length >= size || scans + 1 >= MAX_SCANS) return { files, nextCursor: next ?? null }
  }
}

async function list(x: Ctx, spaceId: string, type: string, b: ListBodyT) {
  if (type !== '0' && type !== '1') throw badParam('type must be 0 (space) or 1 (recycle bin)')
  const size = int(b.pageInfo?.pageSize, 'pageInfo.pageSize', { min: 1, max: MAX_PAGE_SIZE, def: DEFAULT_PAGE_SIZE })!
  const cursor = str(b.pageInfo?.pageCursor, 'pageInfo.pageCursor', { max: 4096 })
  const page = type === '0' ? await listFolder(x, spaceId, b, size, cursor) : await listBin(x, spaceId, b, size, cursor)
  return ok(x.lang, { category: 'drive#fileList', files: page.files, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) })
}

export const listingRoutes: KooRoutes = (app, _c, k) => {
  const hide = true
  app.post('/files/:type', { schema: { hide, params: Type.Object({ type: Type.String() }), body: ListBody } }, async (req) => {
    const x = k(req)
    return list(x, container(req.body.containerId), req.params.type, req.body)
  })

  // Team spaces: the group is the space; a containerId in the body, if any, must name the same one.
  app.post(
    '/files/:groupId/:type',
    { schema: { hide, params: Type.Object({ groupId: Type.String(), type: Type.String() }), querystring: Type.Object({ team_type: Type.Optional(Type.Unknown()) }), body: ListBody } },
    async (req) => {
      const x = k(req)
      const body = str(req.body.containerId, 'containerId', { max: 64 })
      if (body !== undefined && body !== req.params.groupId) throw badParam('containerId differs from the groupId of the path')
      return list(x, container(req.params.groupId), req.params.type, req.body)
    },
  )
}
