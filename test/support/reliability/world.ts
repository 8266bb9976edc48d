/**
 * The world the fuzz and authorisation suites run in: the real container over a temp data dir (makeHarness, so a
 * ManualClock and `TROVE_TEST_DB=postgres` switching the engine), the real app with its route registry, two tenants,
 * and fixtures (folders, files, bin entries, an album, a task) made through the services.
 *
 * Tenant A is a multi-space library with spaces s1 (the target of every request) and s2 (for tokens limited to another
 * space); tenant B is another library. Each tenant's admin user is `admin-a` / `admin-b`.
 */
import { Readable } from 'node:stream'
import { makeHarness, type Harness } from '../harness.ts'
import type { Container } from '../../../src/app/container.ts'
import type { App } from '../../../src/http/routes/types.ts'
import type { Actor } from '../../../src/access/grants.ts'
import { buildAppWithRoutes, type RouteInfo } from './route-registry.ts'
import { makeSnapshotter, type Snapshotter } from './snapshot.ts'

export interface Who {
  token: string
  userId: string
  libraryId: string
}

export interface Tenant {
  libraryId: string
  librarySecret: string
  spaceId: string
  admin: Who
  actor: Actor
}

/** A request as it goes on the wire: path and query already encoded (possibly badly, on purpose). */
export interface Wire {
  method: string
  path: string
  /** Without the `?`. */
  query?: string
  headers?: Record<string, string>
  payload?: Buffer | string
}

export interface Res {
  status: number
  headers: Record<string, string | undefined>
  body: Buffer
  text: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any
}

/** Objects of one tenant's space, fresh for each property or matrix row. */
export interface Fixtures {
  libraryId: string
  /** The tenant's admin user (owner of everything here). */
  userId: string
  spaceId: string
  rootId: string
  folderId: string
  folderName: string
  fileId: string
  fileName: string
  fileContent: string
  nestedFileId: string
  /** `folder/nested` (names, for dialects that address by path). */
  nestedPath: string
  imageId: string
  /** A file in the bin (its entry and its node). */
  entryFileId: string
  entryFileNodeId: string
  /** A folder (holding a file) in the bin. */
  entryFolderId: string
  entryFolderNodeId: string
  albumId: string
  /** A queued purge task (the worker is not running, so it stays Running). */
  taskId: string
  /** Names of everything made, to check that nothing of them leaks. */
  names: string[]
  /** A real next-page cursor of the root listing (limit 1), to tamper with. */
  cursor: string
  /** Whatever a matrix row's `prepare` adds (upload keys, signed URLs…); masked and replaced like the ids. */
  extra: Record<string, string>
}

export interface World {
  h: Harness
  c: Container
  app: App
  routes: RouteInfo[]
  clock: Harness['clock']
  dataDir: string
  a: Tenant & { space2Id: string }
  b: Tenant
  snap: Snapshotter
  issue(opts: { libraryId?: string; userId?: string; grants?: string[]; spaceIds?: string[] | null; periodSeconds?: number }): Promise<Who>
  send(w: Wire): Promise<Res>
  fixtures(tenant?: 'a' | 'b'): Promise<Fixtures>
  close(): Promise<void>
}

/** A 1×1 PNG, so thumbnail routes have an image to work on. */
export const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')

const TEN_YEARS = 315_360_000
let worldSeq = 0

export async function makeWorld(opts: { quotaBytes?: number } = {}): Promise<World> {
  const h = await makeHarness()
  const c = h.c
  const { app, routes } = await buildAppWithRoutes(c)
  const seq = ++worldSeq

  const issue: World['issue'] = async (o) => {
    const libraryId = o.libraryId ?? a.libraryId
    const userId = o.userId ?? 'alice'
    const t = await c.auth.issueToken({ libraryId, userId, grants: o.grants ?? [], spaceIds: o.spaceIds ?? null, periodSeconds: o.periodSeconds ?? TEN_YEARS })
    return { token: t.accessToken, userId, libraryId }
  }

  const tenant = async (name: string, spaces: number): Promise<Tenant & { extra: string[] }> => {
    const lib = await c.libraries.create({ name: `${name}-${seq}`, multiSpace: true })
    const actor: Actor = { libraryId: lib.libraryId, userId: `admin-${name}`, grants: ['admin'], spaceIds: null }
    const ids: string[] = []
    for (let i = 1; i <= spaces; i++) ids.push((await c.spaces.createInLibrary(lib.libraryId, { name: `${name}-space-${i}`, quotaBytes: opts.quotaBytes ?? null })).id)
    const admin = (await c.auth.issueToken({ libraryId: lib.libraryId, userId: actor.userId, grants: ['admin'], periodSeconds: TEN_YEARS })).accessToken
    return { libraryId: lib.libraryId, librarySecret: lib.librarySecret, spaceId: ids[0], admin: { token: admin, userId: actor.userId, libraryId: lib.libraryId }, actor, extra: ids.slice(1) }
  }
  const ta = await tenant('tenant-a', 2)
  const tb = await tenant('tenant-b', 1)
  const a = { ...ta, space2Id: ta.extra[0] }
  const b = tb

  let fx = 0
  const fixtures: World['fixtures'] = async (which = 'a') => {
    const t = which === 'a' ? a : b
    const n = `${which}${++fx}`
    // An accepted request before may have deleted the space or changed its settings: start from a known state.
    if (!(await c.spaces.get(t.actor, t.spaceId).then(() => true, () => false))) {
      t.spaceId = (await c.spaces.createInLibrary(t.libraryId, { name: `${which}-space-again-${n}`, quotaBytes: opts.quotaBytes ?? null })).id
    }
    const s = t.spaceId
    await c.spaces.updateSettings(t.actor, s, { quotaBytes: opts.quotaBytes ?? null, recycleBinEnabled: true, retentionDays: 30, hold: false })
    const up = async (parentId: string, name: string, content: string | Buffer) =>
      c.nodes.upload(t.actor, s, { parentId, name, body: Readable.from([typeof content === 'string' ? Buffer.from(content) : content]) })
    const space = await c.spaces.get(t.actor, s)
    const folderName = `fx-${n}-folder`
    const folder = await c.nodes.createFolder(t.actor, s, 'root', folderName)
    const fileName = `fx-${n}-file.txt`
    const fileContent = `content of ${fileName}\n`
    const file = await up('root', fileName, fileContent)
    const nested = await up(String(folder.id), `fx-${n}-nested.txt`, `nested ${n}\n`)
    const image = await up('root', `fx-${n}-image.png`, PNG_1X1)
    const binned = await up('root', `fx-${n}-binned.txt`, `binned ${n}\n`)
    const entryFile = await c.trash.moveToTrash(t.actor, s, String(binned.id))
    const binnedDir = await c.nodes.createFolder(t.actor, s, 'root', `fx-${n}-binned-dir`)
    await up(String(binnedDir.id), `fx-${n}-inside.txt`, `inside ${n}\n`)
    const entryFolder = await c.trash.moveToTrash(t.actor, s, String(binnedDir.id))
    const album = await c.albums.create(t.actor, s, `fx-${n}-album`)
    await c.albums.addItems(t.actor, s, String(album.id), [String(file.id)])
    const purged = await up('root', `fx-${n}-purged.txt`, `purged ${n}\n`)
    const purge = await c.trash.moveToTrash(t.actor, s, String(purged.id), { permanent: true })
    const page = await c.nodes.list(t.actor, s, 'root', { limit: 1 })
    return {
      libraryId: t.libraryId,
      userId: t.actor.userId,
      spaceId: s,
      rootId: String(space.rootNodeId),
      folderId: String(folder.id),
      folderName,
      fileId: String(file.id),
      fileName,
      fileContent,
      nestedFileId: String(nested.id),
      nestedPath: `${folderName}/fx-${n}-nested.txt`,
      imageId: String(image.id),
      entryFileId: String(entryFile.entry.id),
      entryFileNodeId: String(binned.id),
      entryFolderId: String(entryFolder.entry.id),
      entryFolderNodeId: String(binnedDir.id),
      albumId: String(album.id),
      taskId: String(purge.purgeTaskId),
      names: [folderName, fileName, `fx-${n}-nested.txt`, `fx-${n}-image.png`, `fx-${n}-binned.txt`, `fx-${n}-binned-dir`, `fx-${n}-album`],
      cursor: page.nextCursor ?? '',
      extra: {},
    }
  }

  const send: World['send'] = async (w) => {
    const url = w.query ? `${w.path}?${w.query}` : w.path
    const r = await app.inject({ method: w.method as never, url, headers: w.headers ?? {}, ...(w.payload !== undefined ? { payload: w.payload } : {}) })
    const headers: Record<string, string | undefined> = {}
    for (const [k, v] of Object.entries(r.headers)) headers[k.toLowerCase()] = v === undefined ? undefined : Array.isArray(v) ? v.join(', ') : String(v)
    const text = r.rawPayload.toString('utf8')
    let json: unknown
    if ((headers['content-type'] ?? '').includes('json') && text.length) {
      try {
        json = JSON.parse(text)
      } catch {
        json = undefined
      }
    }
    return { status: r.statusCode, headers, body: r.rawPayload, text, json }
  }

  // The URL signer creates the deployment's signing key on first use, whichever request that is (even a refused
  // one); a real server has it after its first signed URL. Make it now, so only what a request itself does is compared.
  await c.signer.sign({ warmUp: 1 }, 1000)
  const snap = makeSnapshotter(c, h.dataDir)
  return {
    h,
    c,
    app,
    routes,
    clock: h.clock,
    dataDir: h.dataDir,
    a,
    b,
    snap,
    issue,
    send,
    fixtures,
    async close() {
      snap.close()
      await app.close().catch(() => undefined)
      await h.close()
    },
  }
}
