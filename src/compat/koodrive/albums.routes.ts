/**
 * Manual albums (carrier doc set, https://support.huaweicloud.com/intl/en-us/api-koodrive-carrier/topic_300000009.html):
 * CreateAlbum, ListAlbums, BatchAddContent2Album, ListAlbumContent, UpdateAlbum, BatchDeleteAlbumContent (seed 003),
 * DeleteAlbum. An album is a core album: references to files of one space, hidden while a file is in the recycle bin,
 * back on restore, dropped on purge. KooDrive's own limits are enforced here: ≤ 100 files added and ≤ 1,000 removed per
 * call, names of 1–20 characters.
 */
import { Type } from 'typebox'
import type { AlbumSummary, Ctx, KooRoutes } from './deps.ts'
import { badParam, binReason, FROM_REASON, kooCodeOf, KooError, message, type KooCode } from './errors.ts'
import { int, nodeId, requiredInt, str } from './to-core.ts'
import { albumObject, downloadUrl, fileObject, iso, ok } from './from-core.ts'
import { isDomainError } from '../../shared/errors.ts'

export const MAX_ADD = 100
export const MAX_REMOVE = 1000
const MAX_NAME = 20

function albumName(v: unknown): string {
  const name = str(v, 'name', { required: true })!.trim()
  if (!name || [...name].length > MAX_NAME) throw badParam(`An album name is 1–${MAX_NAME} characters`)
  return name
}

/** Personal albums live in the caller's own space (`ownerId` = the user); shared ones in the group's space. */
async function personalSpaces(x: Ctx, containerId: string | undefined): Promise<string[]> {
  if (containerId !== undefined) return [(await x.c.spaces.get(x.actor, containerId)).id]
  return (await x.c.spaces.list(x.actor)).filter((s) => s.ownerId === x.actor.userId).map((s) => s.id)
}

async function albumsOf(x: Ctx, spaceIds: string[]): Promise<AlbumSummary[]> {
  const all: AlbumSummary[] = []
  for (const spaceId of spaceIds) {
    let cursor: string | undefined
    do {
      const page = await x.c.albums.list(x.actor, spaceId, { limit: 1000, cursor })
      all.push(...page.items)
      cursor = page.nextCursor ?? undefined
    } while (cursor)
  }
  return all.sort((a, b) => b.id - a.id)
}

export const albumsRoutes: KooRoutes = (app, _c, k) => {
  const hide = true
  const AlbumParams = Type.Object({ albumId: Type.String({ maxLength: 64 }) })

  app.post(
    '/album/create',
    {
      schema: {
        hide,
        body: Type.Object({ type: Type.Unknown(), albumKind: Type.Unknown(), name: Type.Optional(Type.Unknown()), groupId: Type.Optional(Type.Unknown()), containerId: Type.Optional(Type.Unknown()) }),
      },
    },
    async (req) => {
      const x = k(req)
      const b = req.body
      if (requiredInt(b.type, 'type', { min: 1, max: 2 }) !== 2) throw badParam('Only manual albums (type 2) are supported')
      const kind = requiredInt(b.albumKind, 'albumKind', { min: 1, max: 2 })
      const name = albumName(b.name)
      const groupId = str(b.groupId, 'groupId', { max: 64 })
      let spaceId: string
      if (kind === 2) {
        if (!groupId) throw badParam('A shared album (albumKind 2) needs groupId')
        spaceId = (await x.c.spaces.get(x.actor, groupId)).id
      } else {
        const spaces = await personalSpaces(x, str(b.containerId, 'containerId', { max: 64 }))
        if (!spaces.length) throw new KooError('13000301', `User ${x.actor.userId} has no space of their own`)
        spaceId = spaces[0]
      }
      const album = await x.c.albums.create(x.actor, spaceId, name)
      return ok(x.lang, { id: String(album.id), albumId: String(album.id) })
    },
  )

  app.get(
    '/album/list',
    {
      schema: {
        hide,
        querystring: Type.Object({
          albumKind: Type.Unknown(),
          albumType: Type.Unknown(),
          groupId: Type.Optional(Type.String()),
          containerId: Type.Optional(Type.String()),
          pageSize: Type.Optional(Type.Unknown()),
          pageNum: Type.Optional(Type.Unknown()),
        }),
      },
    },
    async (req) => {
      const x = k(req)
      const q = req.query
      const kind = requiredInt(q.albumKind, 'albumKind', { min: 1, max: 2 })
      const type = requiredInt(q.albumType, 'albumType', { min: 1, max: 2 })
      const pageSize = int(q.pageSize, 'pageSize', { min: 1, max: 100, def: 10 })!
      const pageNum = int(q.pageNum, 'pageNum', { min: 1, def: 1 })!
      // Collection albums (type 1) do not exist in Trove: the list is empty.
      const spaces = type === 1 ? [] : kind === 2 ? (q.groupId ? [(await x.c.spaces.get(x.actor, q.groupId)).id] : []) : await personalSpaces(x, q.containerId)
      const all = await albumsOf(x, spaces)
      const page = all.slice((pageNum - 1) * pageSize, pageNum * pageSize)
      const albumList = []
      for (const a of page) albumList.push(albumObject(a, kind, a.coverNodeId === null ? '' : await downloadUrl(x, String(a.spaceId), String(a.coverNodeId))))
      return ok(x.lang, { albumList, total: all.length })
    },
  )

  app.post(
    '/album/:albumId/add',
    { schema: { hide, params: AlbumParams, body: Type.Object({ fileIds: Type.Array(Type.Union([Type.String(), Type.Object({ fileId: Type.Unknown(), ownerId: Type.Optional(Type.Unknown()) })])) }) } },
    async (req) => {
      const x = k(req)
      const entries = req.body.fileIds
      if (!entries.length) throw badParam('fileIds is empty')
      if (entries.length > MAX_ADD) throw badParam(`At most ${MAX_ADD} files can be added per call`)
      const spaceId = await x.c.albums.spaceOf(x.actor, req.params.albumId)
      const failList: { fileId: string; code: KooCode; msg: string }[] = []
      const failed = (fileId: string, code: KooCode) => failList.push({ fileId, code, msg: message(code, x.lang) })
      const ids: string[] = []
      const wire = new Map<string, string>()
      for (const [i, e] of entries.entries()) {
        const raw = str(typeof e === 'string' ? e : e.fileId, `fileIds[${i}].fileId`, { required: true, max: 64 })!
        try {
          const id = await nodeId(x, spaceId, raw)
          ids.push(id)
          wire.set(id, raw)
        } catch (err) {
          if (!(err instanceof KooError) && !isDomainError(err)) throw err
          failed(raw, err instanceof KooError ? err.kooCode : kooCodeOf(err.code))
        }
      }
      const out = ids.length ? await x.c.albums.addItems(x.actor, spaceId, req.params.albumId, ids) : { added: [], alreadyPresent: [], rejected: [] }
      for (const r of out.rejected) {
        const reason = r.code === 'node.not_found' ? await binReason(x, spaceId, r.nodeId, 'file') : undefined
        failed(wire.get(r.nodeId) ?? r.nodeId, reason ? FROM_REASON[reason] : kooCodeOf(r.code))
      }
      const successList = [...out.added, ...out.alreadyPresent].map((id) => wire.get(id) ?? id)
      // Nothing could be added: the call fails with the first reason. Otherwise it succeeds and lists what did not.
      if (!successList.length) throw new KooError(failList[0].code, `No file could be added to album ${req.params.albumId}`)
      return ok(x.lang, { data: { successList, failList } })
    },
  )

  app.get(
    '/album/:albumId/list',
    {
      schema: {
        hide,
        params: AlbumParams,
        querystring: Type.Object({ pageSize: Type.Optional(Type.Unknown()), pageCursor: Type.Optional(Type.String()), sortType: Type.Optional(Type.Unknown()), sortDirection: Type.Optional(Type.Unknown()) }),
      },
    },
    async (req) => {
      const x = k(req)
      const q = req.query
      const limit = int(q.pageSize, 'pageSize', { min: 1, max: 100, def: 100 })!
      // sortType 1 take time, 2 created, 3 updated: a manual album has one order, the order files were added in.
      int(q.sortType, 'sortType', { min: 1, max: 3 })
      const order = int(q.sortDirection, 'sortDirection', { min: 1, max: 2, def: 2 }) === 1 ? 'asc' : 'desc'
      const spaceId = await x.c.albums.spaceOf(x.actor, req.params.albumId)
      const page = await x.c.albums.itemsInOrder(x.actor, spaceId, req.params.albumId, { limit, cursor: q.pageCursor || undefined, order })
      const total = (await x.c.albums.get(x.actor, spaceId, req.params.albumId)).itemCount
      return ok(x.lang, {
        contentList: page.items.map((i) => ({ ...fileObject(i.node, spaceId), addedTime: iso(i.addedAt) })),
        ...(page.nextCursor ? { nextPageCursor: page.nextCursor } : {}),
        total,
      })
    },
  )

  // UpdateAlbum: `POST /{albumId}/update` (no `/album/` segment). Manual albums: the name only.
  app.post('/:albumId/update', { schema: { hide, params: AlbumParams, body: Type.Object({ name: Type.Optional(Type.Unknown()) }) } }, async (req) => {
    const x = k(req)
    const name = albumName(req.body.name)
    const spaceId = await x.c.albums.spaceOf(x.actor, req.params.albumId)
    await x.c.albums.rename(x.actor, spaceId, req.params.albumId, name)
    return ok(x.lang, {}, 'Success.')
  })

  // Seed 003: `DELETE /{albumId}/batchDelete {"ids"}` (≤ 1,000) → `{"code":0,"msg":"Success."}`; the files stay.
  app.delete('/:albumId/batchDelete', { schema: { hide, params: AlbumParams, body: Type.Object({ ids: Type.Array(Type.Unknown()) }) } }, async (req) => {
    const x = k(req)
    const raw = req.body.ids.map((v, i) => str(v, `ids[${i}]`, { required: true, max: 64 })!)
    if (!raw.length) throw badParam('ids is empty')
    if (raw.length > MAX_REMOVE) throw badParam(`At most ${MAX_REMOVE} ids can be removed per call`)
    const spaceId = await x.c.albums.spaceOf(x.actor, req.params.albumId)
    const ids: string[] = []
    // Removing what is not in the album is a no-op; an id that cannot name a file is simply not a member.
    for (const r of raw) ids.push(await nodeId(x, spaceId, r).catch(() => r))
    await x.c.albums.removeItems(x.actor, spaceId, req.params.albumId, ids)
    return ok(x.lang, {}, 'Success.')
  })

  app.delete('/album/:albumId', { schema: { hide, params: AlbumParams } }, async (req) => {
    const x = k(req)
    const spaceId = await x.c.albums.spaceOf(x.actor, req.params.albumId)
    await x.c.albums.delete(x.actor, spaceId, req.params.albumId)
    return ok(x.lang, {}, 'Success.')
  })
}
