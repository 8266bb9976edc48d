/**
 * Tencent SMH (`/api/v1`, src/compat/smh): errors are `{code, message, requestId}` with the same id in `X-Request-Id`;
 * credentials are `?access_token=` (and `user_id`).
 */
import type { Dialect, Draft, MatrixRow } from '../dialect.ts'
import { jsonObject } from '../dialect.ts'
import type { Fixtures, World } from '../world.ts'

export const SMH_PREFIX = '/api/v1'

export function smhErrorFormat(res: { status: number; headers: Record<string, string | undefined>; json: unknown; text: string }): string | null {
  const base = jsonObject(res as never)
  if (base) return base
  const b = res.json as Record<string, unknown>
  const keys = Object.keys(b).sort().join(',')
  if (keys !== 'code,message,requestId') return `keys ${keys}`
  if (typeof b.code !== 'string' || !/^[A-Z][A-Za-z0-9]+$/.test(b.code)) return `code ${JSON.stringify(b.code)}`
  if (typeof b.message !== 'string' || !b.message) return 'message missing'
  if (typeof b.requestId !== 'string' || !b.requestId) return 'requestId missing'
  if (res.headers['x-request-id'] !== b.requestId) return `X-Request-Id ${res.headers['x-request-id']} ≠ requestId ${b.requestId}`
  return null
}

const P = SMH_PREFIX
const e = encodeURIComponent

/** An SMH request; `flags` are bare query keys (`?info`). */
function req(method: string, path: string, o: { query?: Record<string, string>; flags?: string[]; json?: unknown; body?: Buffer | string; headers?: Record<string, string> } = {}): Draft {
  const d: Draft = { method, path: `${P}${path}`, query: [...(o.flags ?? []).map((f) => [f, null] as [string, null]), ...Object.entries(o.query ?? {}).map(([k, v]) => [e(k), e(v)] as [string, string])], headers: { ...(o.headers ?? {}) } }
  if (o.json !== undefined) {
    d.payload = JSON.stringify(o.json)
    d.headers['content-type'] = 'application/json'
  } else if (o.body !== undefined) d.payload = o.body
  return d
}

const ls = (fx: Fixtures) => `${e(fx.libraryId)}/${e(fx.spaceId)}`
let n = 0
const fresh = (what: string) => `smh-authz-${what}-${++n}`
const read: MatrixRow['requirement'] = { kind: 'read' }
const grant = (g: string): MatrixRow['requirement'] => ({ kind: 'grant', grant: g })

/** An upload begun in the target space (its confirm key is `extra.key`). */
async function withUpload(fx: Fixtures, w: World): Promise<Fixtures> {
  const s = await w.c.uploads.begin(w.a.actor, fx.spaceId, { parentId: fx.folderId, name: `${fresh('upload')}.txt`, sizeBytes: 5, ttlMs: 3_600_000 })
  return { ...fx, extra: { ...fx.extra, key: s.key } }
}

/** An empty extra space of tenant A (`spaceId` replaced), for calls that delete a space. */
async function emptySpace(fx: Fixtures, w: World): Promise<Fixtures> {
  const space = await w.c.spaces.createInLibrary(w.a.libraryId, { name: fresh('space'), quotaBytes: 2 ** 30 })
  return { ...fx, spaceId: space.id }
}

const matrix: Record<string, MatrixRow | MatrixRow[]> = {
  // Tokens: issued for the library secret; renewed and deleted by possession of the token itself.
  'GET /api/v1/token': { requirement: { kind: 'public', why: 'library secret' }, target: 'none', build: (fx) => req('GET', '/token', { query: { library_id: fx.libraryId, library_secret: 'wrong-secret' } }) },
  'POST /api/v1/token': { requirement: { kind: 'public', why: 'library secret' }, target: 'none', build: (fx) => req('POST', '/token', { query: { library_id: fx.libraryId, library_secret: 'wrong-secret' } }) },
  'POST /api/v1/token/:L/:token': { requirement: { kind: 'public', why: 'the token in the path' }, target: 'none', build: (fx) => req('POST', `/token/${e(fx.libraryId)}/${'0'.repeat(64)}`) },
  'DELETE /api/v1/token/:L/:token': { requirement: { kind: 'public', why: 'the token in the path; an unknown one is already gone' }, target: 'none', build: (fx) => req('DELETE', `/token/${e(fx.libraryId)}/${'0'.repeat(64)}`) },
  'DELETE /api/v1/token/:L': { requirement: { kind: 'public', why: 'library secret' }, target: 'none', build: (fx) => req('DELETE', `/token/${e(fx.libraryId)}`, { query: { library_secret: 'wrong-secret', user_id: fx.userId } }) },
  // What SMH hands to object storage: authorised by a signature, not a token.
  'GET /api/v1/_content/*': { requirement: { kind: 'public', why: 'signed URL' }, target: 'none', build: (fx) => req('GET', `/_content/${Buffer.from(JSON.stringify({ t: 'c', s: fx.spaceId, n: fx.fileId, exp: 9e15 })).toString('base64url')}.forged`) },
  'PUT /api/v1/_upload/:key': { requirement: { kind: 'public', why: 'signed upload credential' }, target: 'none', prepare: withUpload, build: (fx) => req('PUT', `/_upload/${e(fx.extra.key)}`, { body: 'bytes', headers: { 'x-trove-upload-token': 'forged.credential', 'content-type': 'application/octet-stream' } }) },

  // Spaces, quota and usage.
  'POST /api/v1/space/:L': { requirement: grant('admin'), target: 'library', build: (fx) => req('POST', `/space/${e(fx.libraryId)}`) },
  'GET /api/v1/space/:L/list': { requirement: { kind: 'self', why: 'the spaces the token may see' }, target: 'library', build: (fx) => req('GET', `/space/${e(fx.libraryId)}/list`) },
  'DELETE /api/v1/space/:L/:S': { requirement: grant('admin'), target: 'space', prepare: emptySpace, build: (fx) => req('DELETE', `/space/${ls(fx)}`) },
  'GET /api/v1/space/:L/:S/file-count': { requirement: read, target: 'space', build: (fx) => req('GET', `/space/${ls(fx)}/file-count`) },
  'POST /api/v1/quota/:L': { requirement: grant('admin'), target: 'space', build: (fx) => req('POST', `/quota/${e(fx.libraryId)}`, { json: { spaces: [fx.spaceId], capacity: String(2 * 2 ** 30) } }) },
  'GET /api/v1/quota/:L/:id': { requirement: grant('admin'), target: 'space', build: (fx) => req('GET', `/quota/${ls(fx)}`) },
  'PUT /api/v1/quota/:L/:id': { requirement: grant('admin'), target: 'space', build: (fx) => req('PUT', `/quota/${ls(fx)}`, { json: { capacity: String(3 * 2 ** 30) } }) },
  'GET /api/v1/usage/:L': { requirement: grant('admin'), target: 'library', build: (fx) => req('GET', `/usage/${e(fx.libraryId)}`) },
  'GET /api/v1/usage/:L/:ids': { requirement: read, target: 'space', build: (fx) => req('GET', `/usage/${ls(fx)}`) },

  // Directories and files, addressed by path.
  'PUT /api/v1/directory/:L/:S': { requirement: { kind: 'refused', why: 'the root directory already exists' }, target: 'space', okStatus: [400], build: (fx) => req('PUT', `/directory/${ls(fx)}`) },
  'PUT /api/v1/directory/:L/:S/*': { requirement: grant('create_directory'), target: 'space', build: (fx) => req('PUT', `/directory/${ls(fx)}/${e(fx.folderName)}/${fresh('dir')}`) },
  'GET /api/v1/directory/:L/:S': { requirement: read, target: 'space', build: (fx) => req('GET', `/directory/${ls(fx)}`) },
  'GET /api/v1/directory/:L/:S/*': { requirement: read, target: 'space', build: (fx) => req('GET', `/directory/${ls(fx)}/${e(fx.folderName)}`) },
  'HEAD /api/v1/directory/:L/:S': { requirement: read, target: 'space', build: (fx) => req('HEAD', `/directory/${ls(fx)}`) },
  'HEAD /api/v1/directory/:L/:S/*': { requirement: read, target: 'space', build: (fx) => req('HEAD', `/directory/${ls(fx)}/${e(fx.folderName)}`) },
  'DELETE /api/v1/directory/:L/:S': { requirement: { kind: 'refused', why: 'the root directory cannot be deleted' }, target: 'space', okStatus: [400], build: (fx) => req('DELETE', `/directory/${ls(fx)}`) },
  'DELETE /api/v1/directory/:L/:S/*': [
    { label: 'to the bin', requirement: grant('delete_directory'), target: 'space', build: (fx) => req('DELETE', `/directory/${ls(fx)}/${e(fx.folderName)}`) },
    { label: 'permanent', requirement: grant('delete_directory_permanent'), target: 'space', build: (fx) => req('DELETE', `/directory/${ls(fx)}/${e(fx.folderName)}`, { query: { permanent: 'true' } }) },
  ],
  'PUT /api/v1/file/:L/:S/*': [
    { label: 'start an upload', requirement: grant('upload_file'), target: 'space', build: (fx) => req('PUT', `/file/${ls(fx)}/${e(fx.folderName)}/${fresh('file')}.txt`, { query: { filesize: '5' } }) },
    { label: 'move', requirement: grant('upload_file'), target: 'space', build: (fx) => req('PUT', `/file/${ls(fx)}/${e(fx.folderName)}/${fresh('moved')}.txt`, { json: { from: fx.fileName } }) },
  ],
  'POST /api/v1/file/:L/:S/*': { label: 'renew an upload', requirement: grant('upload_file'), target: 'space', prepare: withUpload, build: (fx) => req('POST', `/file/${ls(fx)}/${e(fx.extra.key)}`, { flags: ['renew'] }) },
  'GET /api/v1/file/:L/:S/*': [
    { label: 'download', requirement: read, target: 'space', build: (fx) => req('GET', `/file/${ls(fx)}/${e(fx.fileName)}`) },
    { label: 'info', requirement: read, target: 'space', build: (fx) => req('GET', `/file/${ls(fx)}/${e(fx.fileName)}`, { flags: ['info'] }) },
  ],
  'HEAD /api/v1/file/:L/:S/*': { requirement: read, target: 'space', build: (fx) => req('HEAD', `/file/${ls(fx)}/${e(fx.fileName)}`) },
  'DELETE /api/v1/file/:L/:S/*': [
    { label: 'to the bin', requirement: grant('delete_file'), target: 'space', build: (fx) => req('DELETE', `/file/${ls(fx)}/${e(fx.fileName)}`) },
    { label: 'permanent', requirement: grant('delete_file_permanent'), target: 'space', build: (fx) => req('DELETE', `/file/${ls(fx)}/${e(fx.fileName)}`, { query: { permanent: 'true' } }) },
  ],
  'POST /api/v1/batch/:L/:S': {
    label: 'delete',
    requirement: grant('delete_file'),
    target: 'space',
    // A batch answers per item (207): without the grant, every item is refused with 403 NoPermission.
    refusedPerItem: (res) => res.status === 207 && Array.isArray(res.json?.result) && res.json.result.every((r: { status: number; code: string }) => r.status === 403 && r.code === 'NoPermission'),
    build: (fx) => req('POST', `/batch/${ls(fx)}`, { flags: ['delete'], json: [{ path: fx.fileName }] }),
  },

  // The recycle bin.
  'GET /api/v1/recycled/:L/:S': { requirement: read, target: 'space', build: (fx) => req('GET', `/recycled/${ls(fx)}`) },
  'GET /api/v1/recycled/:L/:S/:id': { label: 'info', requirement: read, target: 'space', build: (fx) => req('GET', `/recycled/${ls(fx)}/${fx.entryFileId}`, { flags: ['info'] }) },
  'POST /api/v1/recycled/:L/:S/:id': { label: 'restore', requirement: grant('restore_recycled'), target: 'space', build: (fx) => req('POST', `/recycled/${ls(fx)}/${fx.entryFileId}`, { flags: ['restore'] }) },
  'POST /api/v1/recycled/:L/:S': [
    { label: 'restore', requirement: grant('restore_recycled'), target: 'space', build: (fx) => req('POST', `/recycled/${ls(fx)}`, { flags: ['restore'], json: [Number(fx.entryFileId)] }) },
    { label: 'delete', requirement: grant('delete_recycled'), target: 'space', build: (fx) => req('POST', `/recycled/${ls(fx)}`, { flags: ['delete'], json: [Number(fx.entryFileId)] }) },
    { label: 'lifecycle', requirement: grant('space_admin'), target: 'space', build: (fx) => req('POST', `/recycled/${ls(fx)}`, { flags: ['lifecycle'], json: { retentionDays: 40 } }) },
  ],
  'DELETE /api/v1/recycled/:L/:S/:id': { requirement: grant('delete_recycled'), target: 'space', build: (fx) => req('DELETE', `/recycled/${ls(fx)}/${fx.entryFileId}`) },
  'DELETE /api/v1/recycled/:L/:S': { label: 'empty', requirement: grant('delete_recycled'), target: 'space', build: (fx) => req('DELETE', `/recycled/${ls(fx)}`) },

  // Tasks.
  'GET /api/v1/task/:L/:S/:ids': { requirement: read, target: 'space', build: (fx) => req('GET', `/task/${ls(fx)}/${fx.taskId}`) },
  'GET /api/v1/task/:L/:ids': { requirement: read, target: 'space', build: (fx) => req('GET', `/task/${e(fx.libraryId)}/${fx.taskId}`) },
}

export const smh: Dialect = {
  name: 'smh',
  prefix: SMH_PREFIX,
  owns: (r) => r.url.startsWith(`${SMH_PREFIX}/`),
  errorFormat: smhErrorFormat,
  authenticate(d, who) {
    d.query = [...d.query.filter(([k]) => k !== 'access_token'), ['access_token', encodeURIComponent(who.token)]]
  },
  authHeaders: [],
  authQuery: ['access_token', 'user_id'],
  denyStatus: { unauthenticated: [400, 403], forbidden: [403], hidden: [403, 404] },
  knownValues(name, fx, w) {
    switch (name) {
      case 'L':
      case 'library_id':
        return [w.a.libraryId, w.b.libraryId]
      case 'library_secret':
        return [w.a.librarySecret, 'wrong-secret']
      case 'S':
      case 'space_id':
        return [fx.spaceId, '-', w.a.space2Id]
      case 'id':
        return [fx.entryFileId, fx.entryFolderId, fx.spaceId]
      case 'ids':
        return [fx.taskId, `${fx.taskId},${fx.taskId}`, fx.spaceId, `${fx.spaceId},${w.a.space2Id}`]
      case '*':
        return [fx.fileName, fx.folderName, fx.nestedPath, `${fx.folderName}/new-file.txt`]
      case 'token':
        return [w.a.admin.token]
      case 'user_id':
        return [w.a.admin.userId, 'smh.unnamed']
      case 'marker':
        return ['1', '0']
      case 'order_by':
        return ['name', 'modificationTime', 'size', 'removalTime', 'remainingTime', 'localCreationTime']
      case 'order_by_type':
        return ['asc', 'desc']
      case 'conflict_resolution_strategy':
        return ['ask', 'rename', 'overwrite']
      case 'grant':
        return ['admin', 'upload_file', 'delete_file,restore_recycled']
      case 'from':
        return [fx.fileName, fx.folderName]
      default:
        return undefined
    }
  },
  vocabulary: {
    query: [
      'info', 'confirm', 'renew', 'upload', 'delete', 'restore', 'preview', 'lifecycle', 'force', 'permanent', 'user_id', 'marker', 'limit',
      'page', 'page_size', 'order_by', 'order_by_type', 'sort_type', 'filter', 'conflict_resolution_strategy', 'restore_path_strategy',
      'library_id', 'library_secret', 'space_id', 'grant', 'period', 'filesize', 'with_inode', 'pre_check', 'content_disposition', 'history_id',
    ],
    usualQuery: ['marker', 'limit', 'page', 'page_size', 'order_by'],
    body: ['from', 'copyFrom', 'capacity', 'spaces', 'crc', 'path', 'paths', 'items', 'name', 'multiSpace', 'removeWhenExceed', 'removeAfterDays', 'removeNewest', 'enabled', 'retentionDays'],
  },
  runsPerRoute: 120,
  matrix,
  normalize: (res) => res.text.replace(/"requestId":"[^"]*"/g, '"requestId":"#"'),
}
