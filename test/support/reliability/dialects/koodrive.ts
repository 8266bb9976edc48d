/**
 * Huawei KooDrive (`/koodrive/ose/v1`, src/compat/koodrive): errors are `{code, msg}` (8-digit code, or
 * `APIGW.0301` for authentication); credentials are `Authorization: Bearer+<token>`, `X-User-Id` and a fresh `X-Date`.
 */
import assert from 'node:assert/strict'
import type { Dialect, Draft, MatrixRow } from '../dialect.ts'
import { jsonObject, toWire } from '../dialect.ts'
import type { Fixtures, Res, Who, World } from '../world.ts'
import { KOODRIVE_PREFIX } from '../../../../src/compat/koodrive/plugin.ts'

/** `yyyyMMdd'T'HHmmss'Z'` */
export function xdate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
}

export function kooErrorFormat(res: { status: number; headers: Record<string, string | undefined>; json: unknown; text: string }): string | null {
  const base = jsonObject(res as never)
  if (base) return base
  const b = res.json as Record<string, unknown>
  const keys = Object.keys(b).sort().join(',')
  if (keys !== 'code,msg') return `keys ${keys}`
  if (typeof b.code !== 'string' || !/^(\d{8}|APIGW\.\d{4})$/.test(b.code)) return `code ${JSON.stringify(b.code)}`
  if (typeof b.msg !== 'string' || !b.msg) return 'msg missing'
  if (b.code === 'APIGW.0301' && res.status !== 401) return `APIGW.0301 with status ${res.status}`
  return null
}

const P = KOODRIVE_PREFIX
const e = encodeURIComponent

function req(method: string, path: string, o: { query?: Record<string, string>; json?: unknown; body?: Buffer | string; headers?: Record<string, string> } = {}): Draft {
  const d: Draft = { method, path: `${P}${path}`, query: Object.entries(o.query ?? {}).map(([k, v]) => [e(k), e(v)]), headers: { ...(o.headers ?? {}) } }
  if (o.json !== undefined) {
    d.payload = JSON.stringify(o.json)
    d.headers['content-type'] = 'application/json'
  } else if (o.body !== undefined) d.payload = o.body
  return d
}

let n = 0
const fresh = (what: string) => `koo-authz-${what}-${++n}`
const read: MatrixRow['requirement'] = { kind: 'read' }
const grant = (g: string): MatrixRow['requirement'] => ({ kind: 'grant', grant: g })

/** A space of tenant A owned by a new owner (`extra.owner`), empty, for the calls that find spaces by owner. */
async function ownedSpace(fx: Fixtures, w: World): Promise<Fixtures> {
  const owner = fresh('owner')
  const space = await w.c.spaces.createInLibrary(w.a.libraryId, { name: owner, ownerId: owner, quotaBytes: 2 ** 30 })
  return { ...fx, spaceId: space.id, extra: { ...fx.extra, owner } }
}

/** A part upload begun through files/create (`extra.upload` is its `U<n>` file id). */
async function withUpload(fx: Fixtures, w: World): Promise<Fixtures> {
  const d = req('POST', '/files/create', { json: { fileName: `${fresh('upload')}.txt`, fileType: '45', parentFolder: [fx.folderId], containerId: fx.spaceId, length: 5, uploadMode: 'multipart', autoRename: 3 } })
  koodrive.authenticate(d, w.a.admin, w)
  const res = await w.send(toWire(d))
  assert.equal(res.status, 200, res.text)
  return { ...fx, extra: { ...fx.extra, upload: res.json.fileId } }
}

const job = (fx: Fixtures, body: Record<string, unknown>) => req('POST', '/jobs', { json: { ...body, dstContainerId: fx.spaceId } })

/** A job is accepted (200 with its id) and refuses per file: read it back; every file must be refused 13000410. */
async function jobRefusedEveryFile(res: Res, who: Who, w: World): Promise<boolean> {
  if (res.json?.code !== 0 || typeof res.json.data !== 'string') return false
  const d = req('GET', `/${res.json.data}`)
  koodrive.authenticate(d, who, w)
  const detail = await w.send(toWire(d))
  const infos = detail.json?.data?.taskInfos as { code: string }[] | undefined
  return !!infos?.length && infos.every((i) => i.code === '13000410')
}
const jobRow = (label: string, g: string, body: (fx: Fixtures) => Record<string, unknown>): MatrixRow => ({ label, requirement: grant(g), target: 'space', refusedPerItem: jobRefusedEveryFile, build: (fx) => job(fx, body(fx)) })

const matrix: Record<string, MatrixRow | MatrixRow[]> = {
  'POST /koodrive/ose/v1/users': { requirement: grant('admin'), target: 'library', build: () => req('POST', '/users', { json: { userId: fresh('user') } }) },
  'POST /koodrive/ose/v1/space/:ownerId': { requirement: grant('admin'), target: 'library', build: () => req('POST', `/space/${fresh('owner')}`, { json: { capacity: '1000000', type: 1 } }) },
  'GET /koodrive/ose/v1/space/container/:containerId': { requirement: read, target: 'space', build: (fx) => req('GET', `/space/container/${fx.spaceId}`) },
  'GET /koodrive/ose/v1/space/:ownerId': { requirement: read, target: 'space', prepare: ownedSpace, build: (fx) => req('GET', `/space/${e(fx.extra.owner)}`, { query: { containerId: fx.spaceId } }) },
  'DELETE /koodrive/ose/v1/space/:ownerId': { requirement: grant('admin'), target: 'space', prepare: ownedSpace, build: (fx) => req('DELETE', `/space/${e(fx.extra.owner)}`, { query: { type: '1', containerId: fx.spaceId } }) },

  'POST /koodrive/ose/v1/directory': { requirement: grant('create_directory'), target: 'space', build: (fx) => req('POST', '/directory', { json: { fileName: fresh('dir'), fileType: '10', containerId: fx.spaceId, parentFolder: [fx.folderId], renameMode: 3 } }) },
  'POST /koodrive/ose/v1/files/rename/:fileId': [
    { label: 'file', requirement: grant('upload_file'), target: 'space', build: (fx) => req('POST', `/files/rename/${fx.fileId}`, { json: { containerId: fx.spaceId, name: `${fresh('renamed')}.txt` } }) },
    { label: 'folder', requirement: grant('create_directory'), target: 'space', build: (fx) => req('POST', `/files/rename/${fx.folderId}`, { json: { containerId: fx.spaceId, name: fresh('renamed-dir') } }) },
  ],
  'POST /koodrive/ose/v1/files/:fileId/detail': { requirement: read, target: 'space', build: (fx) => req('POST', `/files/${fx.fileId}/detail`, { json: { containerId: fx.spaceId } }) },
  'GET /koodrive/ose/v1/files/path': { requirement: read, target: 'space', build: (fx) => req('GET', '/files/path', { query: { fileId: fx.nestedFileId, containerId: fx.spaceId } }) },
  'POST /koodrive/ose/v1/files/download': { requirement: read, target: 'space', build: (fx) => req('POST', '/files/download', { json: { containerId: fx.spaceId, fileIds: [fx.fileId] } }) },
  'POST /koodrive/ose/v1/files/:type': [
    { label: 'a folder', requirement: read, target: 'space', build: (fx) => req('POST', '/files/0', { json: { containerId: fx.spaceId, parentFileId: fx.folderId } }) },
    { label: 'the bin', requirement: read, target: 'space', build: (fx) => req('POST', '/files/1', { json: { containerId: fx.spaceId, parentFileId: 'root' } }) },
  ],
  'POST /koodrive/ose/v1/files/:groupId/:type': { requirement: read, target: 'space', build: (fx) => req('POST', `/files/${fx.spaceId}/0`, { json: { parentFileId: fx.folderId } }) },

  'POST /koodrive/ose/v1/files/create': { requirement: grant('upload_file'), target: 'space', build: (fx) => req('POST', '/files/create', { json: { fileName: `${fresh('file')}.txt`, fileType: '45', parentFolder: [fx.folderId], containerId: fx.spaceId, length: 5, uploadMode: 'multipart', autoRename: 3 } }) },
  'POST /koodrive/ose/v1/files/multipart/uploadUrl': { requirement: grant('upload_file'), target: 'space', prepare: withUpload, build: (fx) => req('POST', '/files/multipart/uploadUrl', { json: { fileId: fx.extra.upload } }) },
  // Completing before any byte arrived is refused even for the owner (13000402); the point is who gets which refusal.
  'POST /koodrive/ose/v1/files/complete': { requirement: grant('upload_file'), target: 'space', prepare: withUpload, okStatus: [400], build: (fx) => req('POST', '/files/complete', { json: { fileId: fx.extra.upload } }) },
  'GET /koodrive/ose/v1/objects/file': { requirement: { kind: 'public', why: 'signed link' }, target: 'none', build: (fx) => req('GET', '/objects/file', { query: { token: `${Buffer.from(JSON.stringify({ s: fx.spaceId, n: fx.fileId })).toString('base64url')}.forged` } }) },
  'PUT /koodrive/ose/v1/objects/part': { requirement: { kind: 'public', why: 'signed link' }, target: 'none', build: (fx) => req('PUT', '/objects/part', { query: { token: `${Buffer.from(JSON.stringify({ s: fx.spaceId })).toString('base64url')}.forged` }, body: 'bytes', headers: { 'content-type': 'application/octet-stream' } }) },

  'POST /koodrive/ose/v1/jobs': [
    jobRow('copy', 'upload_file', (fx) => ({ taskType: 1, actionType: 101, taskInfo: { fileInfo: [{ fileId: fx.fileId }], srcContainerId: fx.spaceId, newFilePath: `root${fx.spaceId}/${fx.folderId}` } })),
    jobRow('move', 'upload_file', (fx) => ({ taskType: 3, actionType: 301, taskInfo: { fileInfo: [{ fileId: fx.fileId }], srcContainerId: fx.spaceId, newFilePath: `root${fx.spaceId}/${fx.folderId}` } })),
    jobRow('to the bin', 'delete_file', (fx) => ({ taskType: 2, actionType: 201, taskInfo: { fileInfo: [{ fileId: fx.fileId, filePath: `root${fx.spaceId}/${fx.fileId}` }], srcContainerId: fx.spaceId } })),
    jobRow('permanently', 'delete_file_permanent', (fx) => ({ taskType: 2, actionType: 202, taskInfo: { fileInfo: [{ fileId: fx.fileId, filePath: `root${fx.spaceId}/${fx.fileId}` }], srcContainerId: fx.spaceId } })),
    jobRow('restore', 'restore_recycled', (fx) => ({ taskType: 4, taskInfo: { fileInfo: [{ fileId: fx.entryFileNodeId }], srcContainerId: fx.spaceId } })),
    jobRow('clear the bin', 'delete_recycled', (fx) => ({ taskType: 7, actionType: 701, taskInfo: { srcContainerId: fx.spaceId } })),
  ],
  'GET /koodrive/ose/v1/jobs': { requirement: { kind: 'self', why: 'the jobs of the caller’s spaces' }, target: 'library', build: () => req('GET', '/jobs', { query: { offset: '0', limit: '100' } }) },
  'GET /koodrive/ose/v1/:jobId': { requirement: read, target: 'space', build: (fx) => req('GET', `/${fx.taskId}`) },
  'POST /koodrive/ose/v1/cancel': { requirement: grant('delete_recycled'), target: 'space', build: (fx) => req('POST', '/cancel', { json: { jobId: fx.taskId } }) },
  'POST /koodrive/ose/v1/files/recycle': { requirement: grant('delete_recycled'), target: 'space', build: (fx) => req('POST', '/files/recycle', { json: { containerId: fx.spaceId } }) },

  'POST /koodrive/ose/v1/album/create': { requirement: grant('upload_file'), target: 'space', build: (fx) => req('POST', '/album/create', { json: { type: 2, albumKind: 2, name: fresh('album'), groupId: fx.spaceId } }) },
  'GET /koodrive/ose/v1/album/list': { requirement: read, target: 'space', build: (fx) => req('GET', '/album/list', { query: { albumKind: '2', albumType: '2', groupId: fx.spaceId } }) },
  'GET /koodrive/ose/v1/album/:albumId/list': { requirement: read, target: 'space', build: (fx) => req('GET', `/album/${fx.albumId}/list`) },
  'POST /koodrive/ose/v1/album/:albumId/add': { requirement: grant('upload_file'), target: 'space', build: (fx) => req('POST', `/album/${fx.albumId}/add`, { json: { fileIds: [fx.imageId] } }) },
  'POST /koodrive/ose/v1/:albumId/update': { requirement: grant('upload_file'), target: 'space', build: (fx) => req('POST', `/${fx.albumId}/update`, { json: { name: fresh('album') } }) },
  'DELETE /koodrive/ose/v1/:albumId/batchDelete': { requirement: grant('upload_file'), target: 'space', build: (fx) => req('DELETE', `/${fx.albumId}/batchDelete`, { json: { ids: [fx.fileId] } }) },
  'DELETE /koodrive/ose/v1/album/:albumId': { requirement: grant('upload_file'), target: 'space', build: (fx) => req('DELETE', `/album/${fx.albumId}`) },
}

export const koodrive: Dialect = {
  name: 'koodrive',
  prefix: KOODRIVE_PREFIX,
  owns: (r) => r.url.startsWith(`${KOODRIVE_PREFIX}/`),
  errorFormat: kooErrorFormat,
  authenticate(d, who, w) {
    d.headers.authorization = `Bearer+${who.token}`
    d.headers['x-user-id'] = who.userId
    d.headers['x-date'] = xdate(w.clock.now())
  },
  authHeaders: ['authorization', 'x-user-id', 'x-date', 'language'],
  authQuery: [],
  denyStatus: { unauthenticated: [401], forbidden: [400], hidden: [400] },
  knownValues(name, fx, w) {
    switch (name) {
      case 'containerId':
      case 'dstContainerId':
      case 'srcContainerId':
      case 'groupId':
        return [fx.spaceId, w.a.space2Id]
      case 'ownerId':
      case 'userId':
        return [w.a.admin.userId, 'reader']
      case 'fileId':
      case 'parentFileId':
      case 'id':
        return ['root', fx.folderId, fx.fileId, fx.nestedFileId, fx.imageId, fx.entryFileNodeId, 'U1']
      case 'parentFolder':
      case 'fileIds':
      case 'ids':
        return [fx.folderId, fx.fileId]
      case 'albumId':
        return [fx.albumId]
      case 'jobId':
        return [fx.taskId]
      case 'type':
        return ['0', '1', '2']
      case 'fileName':
      case 'name':
        return [fx.fileName, fx.folderName, 'fresh-name.txt']
      case 'fileType':
        return ['10', '45']
      case 'taskType':
        return ['2', '3', '4', '5', '6', '7']
      case 'actionType':
        return ['201', '202']
      case 'sortType':
        return ['1', '2', '3', '4', '5', '6']
      case 'renameMode':
      case 'autoRename':
        return ['1', '2', '3', '4']
      default:
        return undefined
    }
  },
  vocabulary: {
    query: ['containerId', 'fileId', 'token', 'pageSize', 'pageCursor', 'ownerId', 'albumType', 'albumKind', 'groupId'],
    body: [
      'fileName', 'fileType', 'containerId', 'parentFolder', 'renameMode', 'autoRename', 'length', 'sha256', 'uploadMode', 'uploadType', 'fileId',
      'taskType', 'actionType', 'taskInfo', 'dstContainerId', 'jobId', 'pageSize', 'pageCursor', 'sortInfo', 'name', 'ids', 'capacity', 'userId',
    ],
  },
  runsPerRoute: 120,
  matrix,
  credentialMistakes(d, who, w) {
    const variant = (label: string, change: (x: Draft) => void) => {
      const x: Draft = { ...d, query: [...d.query], headers: { ...d.headers } }
      koodrive.authenticate(x, who, w)
      change(x)
      return { label, draft: x }
    }
    return [
      variant('X-User-Id of another user', (x) => (x.headers['x-user-id'] = 'reader')),
      variant('no X-User-Id', (x) => delete x.headers['x-user-id']),
      variant('X-Date 16 min old', (x) => (x.headers['x-date'] = xdate(w.clock.now() - 16 * 60_000))),
      variant('X-Date 1 min ahead', (x) => (x.headers['x-date'] = xdate(w.clock.now() + 60_000))),
      variant('no X-Date', (x) => delete x.headers['x-date']),
    ]
  },
}
