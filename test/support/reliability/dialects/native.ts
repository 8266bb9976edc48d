/**
 * The native API (`/trove/v1`): errors are `{"error": {"code", "message", "details"?}}` with the status of
 * src/http/error-mapper.ts; credentials are `Authorization: Bearer <token>`.
 */
import { STATUS } from '../../../../src/http/error-mapper.ts'
import { NATIVE_PREFIX } from '../../../../src/http/build-app.ts'
import type { Dialect, Draft, MatrixRow } from '../dialect.ts'
import { jsonObject } from '../dialect.ts'
import type { Fixtures, World } from '../world.ts'
import { sha256 } from '../../http.ts'

/** Codes the HTTP layer itself uses besides the domain codes. */
const HTTP_CODES: Record<string, number[]> = { 'request.invalid': [400, 404, 406, 413, 414, 415, 416, 431], 'route.not_found': [404] }

export function nativeErrorFormat(res: { status: number; headers: Record<string, string | undefined>; json: unknown; text: string }): string | null {
  const base = jsonObject(res as never)
  if (base) return base
  const body = res.json as Record<string, unknown>
  const keys = Object.keys(body)
  if (keys.length !== 1 || keys[0] !== 'error') return `top-level keys ${JSON.stringify(keys)}`
  const e = body.error as Record<string, unknown>
  if (!e || typeof e !== 'object') return 'error is not an object'
  const extra = Object.keys(e).filter((k) => !['code', 'message', 'details'].includes(k))
  if (extra.length) return `unexpected error keys ${extra.join(', ')}`
  if (typeof e.code !== 'string' || !/^[a-z_]+(\.[a-z_]+)+$/.test(e.code)) return `code ${JSON.stringify(e.code)}`
  if (typeof e.message !== 'string' || !e.message) return 'message missing'
  if (e.details !== undefined && (typeof e.details !== 'object' || e.details === null || Array.isArray(e.details))) return 'details is not an object'
  const expected = e.code in STATUS ? [STATUS[e.code as keyof typeof STATUS]] : HTTP_CODES[e.code]
  if (!expected) return `unknown code ${e.code}`
  if (!expected.includes(res.status)) return `status ${res.status} for ${e.code} (expected ${expected.join('/')})`
  return null
}

const P = NATIVE_PREFIX
const sp = (fx: Fixtures, suffix = '') => `${P}/spaces/${fx.spaceId}${suffix}`

function req(method: string, path: string, o: { query?: Record<string, string>; json?: unknown; body?: Buffer | string; headers?: Record<string, string> } = {}): Draft {
  const d: Draft = { method, path, query: Object.entries(o.query ?? {}).map(([k, v]) => [encodeURIComponent(k), encodeURIComponent(v)]), headers: { ...(o.headers ?? {}) } }
  if (o.json !== undefined) {
    d.payload = JSON.stringify(o.json)
    d.headers['content-type'] = 'application/json'
  } else if (o.body !== undefined) {
    d.payload = o.body
    d.headers['content-type'] ??= 'application/octet-stream'
  }
  return d
}

let n = 0
const fresh = (what: string) => `authz-${what}-${++n}`

const read: MatrixRow['requirement'] = { kind: 'read' }
/**
 * Password sign-in rows start with no failed attempts counted: the rows send wrong passwords for the same user name,
 * and the 6th in a row would be the sign-in limit's 429 (tested in test/e2e/http/sign-in-throttle.e2e.test.ts).
 */
const noFailedSignIns = async (fx: Fixtures, w: World) => {
  await w.c.database.db.deleteFrom('sign_in_throttle' as never).execute()
  return fx
}
const grant = (g: string): MatrixRow['requirement'] => ({ kind: 'grant', grant: g })

/**
 * Every native endpoint → what it needs. A route the registry knows but this table does not fails the matrix test,
 * so a new endpoint must be classified here.
 */
const matrix: Record<string, MatrixRow | MatrixRow[]> = {
  'GET /trove/v1/me': { requirement: { kind: 'self', why: 'who the token is' }, target: 'library', build: () => req('GET', `${P}/me`) },
  'GET /trove/v1/session': { requirement: { kind: 'self', why: 'the caller’s session' }, target: 'library', build: () => req('GET', `${P}/session`) },
  'DELETE /trove/v1/session': { requirement: { kind: 'self', why: 'signs the caller out' }, target: 'library', build: () => req('DELETE', `${P}/session`) },
  'POST /trove/v1/session': { requirement: { kind: 'public', why: 'password sign-in' }, target: 'none', prepare: noFailedSignIns, build: (fx) => req('POST', `${P}/session`, { json: { userId: fx.userId, password: 'wrong-password-1', libraryId: fx.libraryId } }) },
  'POST /trove/v1/tokens': { requirement: { kind: 'public', why: 'password sign-in' }, target: 'none', prepare: noFailedSignIns, build: (fx) => req('POST', `${P}/tokens`, { json: { userId: fx.userId, password: 'wrong-password-1', libraryId: fx.libraryId } }) },
  'DELETE /trove/v1/tokens/current': { requirement: { kind: 'self', why: 'revokes the calling token' }, target: 'library', destructive: true, build: () => req('DELETE', `${P}/tokens/current`) },

  'GET /trove/v1/spaces': { requirement: { kind: 'self', why: 'lists the caller’s own spaces' }, target: 'library', build: () => req('GET', `${P}/spaces`) },
  'POST /trove/v1/spaces': { requirement: grant('admin'), target: 'library', build: () => req('POST', `${P}/spaces`, { json: { name: fresh('space') } }) },
  'GET /trove/v1/spaces/:spaceId': { requirement: read, target: 'space', build: (fx) => req('GET', sp(fx)) },
  'PATCH /trove/v1/spaces/:spaceId': { requirement: grant('space_admin'), target: 'space', build: (fx) => req('PATCH', sp(fx), { json: { retentionDays: 31 } }) },
  'GET /trove/v1/spaces/:spaceId/usage': { requirement: read, target: 'space', build: (fx) => req('GET', sp(fx, '/usage')) },
  'GET /trove/v1/spaces/:spaceId/audit': { requirement: grant('space_admin'), target: 'space', build: (fx) => req('GET', sp(fx, '/audit')) },

  'POST /trove/v1/spaces/:spaceId/folders': { requirement: grant('create_directory'), target: 'space', build: (fx) => req('POST', sp(fx, '/folders'), { json: { parentId: fx.folderId, name: fresh('folder') } }) },
  'PUT /trove/v1/spaces/:spaceId/files': { requirement: grant('upload_file'), target: 'space', build: (fx) => req('PUT', sp(fx, '/files'), { query: { parentId: fx.folderId, name: `${fresh('file')}.txt` }, body: 'uploaded by the matrix\n' }) },
  'GET /trove/v1/spaces/:spaceId/nodes/:nodeId': { requirement: read, target: 'space', build: (fx) => req('GET', sp(fx, `/nodes/${fx.fileId}`)) },
  'GET /trove/v1/spaces/:spaceId/nodes/:nodeId/content': { requirement: read, target: 'space', build: (fx) => req('GET', sp(fx, `/nodes/${fx.fileId}/content`)) },
  'GET /trove/v1/spaces/:spaceId/nodes/:nodeId/thumbnail': { requirement: read, target: 'space', build: (fx) => req('GET', sp(fx, `/nodes/${fx.imageId}/thumbnail`)) },
  'GET /trove/v1/spaces/:spaceId/folders/:nodeId/children': { requirement: read, target: 'space', build: (fx) => req('GET', sp(fx, `/folders/${fx.folderId}/children`)) },
  'GET /trove/v1/spaces/:spaceId/search': { requirement: read, target: 'space', build: (fx) => req('GET', sp(fx, '/search'), { query: { q: fx.fileName } }) },
  'PATCH /trove/v1/spaces/:spaceId/nodes/:nodeId': [
    { label: 'file', requirement: grant('upload_file'), target: 'space', build: (fx) => req('PATCH', sp(fx, `/nodes/${fx.fileId}`), { json: { name: `${fresh('renamed')}.txt` } }) },
    { label: 'folder', requirement: grant('create_directory'), target: 'space', build: (fx) => req('PATCH', sp(fx, `/nodes/${fx.folderId}`), { json: { name: fresh('renamed-folder') } }) },
  ],
  'POST /trove/v1/spaces/:spaceId/nodes/:nodeId/copy': { requirement: grant('upload_file'), target: 'space', build: (fx) => req('POST', sp(fx, `/nodes/${fx.fileId}/copy`), { json: { parentId: fx.folderId, name: `${fresh('copy')}.txt` } }) },
  'DELETE /trove/v1/spaces/:spaceId/nodes/:nodeId': [
    { label: 'file', requirement: grant('delete_file'), target: 'space', build: (fx) => req('DELETE', sp(fx, `/nodes/${fx.fileId}`)) },
    { label: 'folder', requirement: grant('delete_directory'), target: 'space', build: (fx) => req('DELETE', sp(fx, `/nodes/${fx.folderId}`)) },
    { label: 'file, permanent', requirement: grant('delete_file_permanent'), target: 'space', build: (fx) => req('DELETE', sp(fx, `/nodes/${fx.fileId}`), { query: { permanent: 'true' } }) },
    { label: 'folder, permanent', requirement: grant('delete_directory_permanent'), target: 'space', build: (fx) => req('DELETE', sp(fx, `/nodes/${fx.folderId}`), { query: { permanent: 'true' } }) },
  ],
  'POST /trove/v1/spaces/:spaceId/nodes/:nodeId/trash': [
    { label: 'file', requirement: grant('delete_file'), target: 'space', build: (fx) => req('POST', sp(fx, `/nodes/${fx.fileId}/trash`)) },
    { label: 'folder', requirement: grant('delete_directory'), target: 'space', build: (fx) => req('POST', sp(fx, `/nodes/${fx.folderId}/trash`)) },
  ],

  'GET /trove/v1/spaces/:spaceId/trash': { requirement: read, target: 'space', build: (fx) => req('GET', sp(fx, '/trash')) },
  'GET /trove/v1/spaces/:spaceId/trash/:entryId': { requirement: read, target: 'space', build: (fx) => req('GET', sp(fx, `/trash/${fx.entryFileId}`)) },
  'POST /trove/v1/spaces/:spaceId/trash/:entryId/restore': { requirement: grant('restore_recycled'), target: 'space', build: (fx) => req('POST', sp(fx, `/trash/${fx.entryFileId}/restore`), { json: {} }) },
  'POST /trove/v1/spaces/:spaceId/trash/restore': { requirement: grant('restore_recycled'), target: 'space', build: (fx) => req('POST', sp(fx, '/trash/restore'), { json: { entryIds: [fx.entryFileId, fx.entryFolderId] } }) },
  'DELETE /trove/v1/spaces/:spaceId/trash/:entryId': { requirement: grant('delete_recycled'), target: 'space', build: (fx) => req('DELETE', sp(fx, `/trash/${fx.entryFileId}`)) },
  'POST /trove/v1/spaces/:spaceId/trash/delete': { requirement: grant('delete_recycled'), target: 'space', build: (fx) => req('POST', sp(fx, '/trash/delete'), { json: { entryIds: [fx.entryFileId, fx.entryFolderId] } }) },
  'POST /trove/v1/spaces/:spaceId/trash/empty': { requirement: grant('delete_recycled'), target: 'space', build: (fx) => req('POST', sp(fx, '/trash/empty')) },
  'POST /trove/v1/spaces/:spaceId/trash/:entryId/hold': { requirement: grant('space_admin'), target: 'space', build: (fx) => req('POST', sp(fx, `/trash/${fx.entryFileId}/hold`)) },
  'POST /trove/v1/spaces/:spaceId/trash/:entryId/release': { requirement: grant('space_admin'), target: 'space', build: (fx) => req('POST', sp(fx, `/trash/${fx.entryFileId}/release`)) },

  'GET /trove/v1/tasks': { requirement: { kind: 'self', why: 'lists tasks of the caller’s own spaces' }, target: 'library', build: (fx) => req('GET', `${P}/tasks`, { query: { spaceId: fx.spaceId } }) },
  'GET /trove/v1/tasks/:taskId': { requirement: read, target: 'space', build: (fx) => req('GET', `${P}/tasks/${fx.taskId}`) },
  // Cancelling a purge puts the entries back in the bin: it undoes a `delete_recycled`, so it needs that grant.
  'POST /trove/v1/tasks/:taskId/cancel': { requirement: grant('delete_recycled'), target: 'space', build: (fx) => req('POST', `${P}/tasks/${fx.taskId}/cancel`) },

  'GET /trove/v1/spaces/:spaceId/albums': { requirement: read, target: 'space', build: (fx) => req('GET', sp(fx, '/albums')) },
  'POST /trove/v1/spaces/:spaceId/albums': { requirement: grant('upload_file'), target: 'space', build: (fx) => req('POST', sp(fx, '/albums'), { json: { name: fresh('album') } }) },
  'GET /trove/v1/spaces/:spaceId/albums/:albumId': { requirement: read, target: 'space', build: (fx) => req('GET', sp(fx, `/albums/${fx.albumId}`)) },
  'PATCH /trove/v1/spaces/:spaceId/albums/:albumId': { requirement: grant('upload_file'), target: 'space', build: (fx) => req('PATCH', sp(fx, `/albums/${fx.albumId}`), { json: { name: fresh('album') } }) },
  'DELETE /trove/v1/spaces/:spaceId/albums/:albumId': { requirement: grant('upload_file'), target: 'space', build: (fx) => req('DELETE', sp(fx, `/albums/${fx.albumId}`)) },
  'GET /trove/v1/spaces/:spaceId/albums/:albumId/items': { requirement: read, target: 'space', build: (fx) => req('GET', sp(fx, `/albums/${fx.albumId}/items`)) },
  'POST /trove/v1/spaces/:spaceId/albums/:albumId/items': { requirement: grant('upload_file'), target: 'space', build: (fx) => req('POST', sp(fx, `/albums/${fx.albumId}/items`), { json: { nodeIds: [fx.imageId] } }) },
  'POST /trove/v1/spaces/:spaceId/albums/:albumId/items/remove': { requirement: grant('upload_file'), target: 'space', build: (fx) => req('POST', sp(fx, `/albums/${fx.albumId}/items/remove`), { json: { nodeIds: [fx.fileId] } }) },
}

export const native: Dialect = {
  name: 'native',
  prefix: P,
  owns: (r) => r.url === P || r.url.startsWith(`${P}/`),
  errorFormat: nativeErrorFormat,
  authenticate(d, who) {
    d.headers.authorization = `Bearer ${who.token}`
  },
  authHeaders: ['authorization', 'cookie', 'x-trove-csrf'],
  authQuery: [],
  denyStatus: { unauthenticated: [401], forbidden: [403], hidden: [404] },
  knownValues(name, fx, w) {
    switch (name) {
      case 'spaceId':
        return [fx.spaceId, w.a.space2Id, w.b.spaceId]
      case 'nodeId':
      case 'parentId':
        return ['root', fx.rootId, fx.folderId, fx.fileId, fx.nestedFileId, fx.imageId, fx.entryFileNodeId]
      case 'originalParentId':
        return [fx.rootId]
      case 'entryId':
        return [fx.entryFileId, fx.entryFolderId]
      case 'albumId':
        return [fx.albumId]
      case 'taskId':
        return [fx.taskId]
      case 'before':
        return [fx.taskId, '1']
      case 'name':
        return [fx.fileName, fx.folderName, 'fresh-name.txt', 'photo (1).jpg']
      case 'q':
        return [fx.fileName, 'fx', 'FX-']
      case 'cursor':
        return fx.cursor ? [fx.cursor] : []
      case 'sha256':
        return [sha256(fx.fileContent), sha256('')]
      case 'userId':
      case 'removedBy':
        return [w.a.admin.userId, 'reader', 'nobody']
      case 'password':
        return ['wrong-password-1', '']
      case 'libraryId':
        return [w.a.libraryId, w.b.libraryId]
      case 'spaceIds':
        return [fx.spaceId, w.a.space2Id]
      case 'grants':
        return ['admin', 'upload_file', 'root']
      default:
        return undefined
    }
  },
  // The native routes all have schemas; this is for the few that take no declared input.
  vocabulary: { query: ['permanent', 'limit', 'cursor'], body: ['name', 'parentId', 'entryIds', 'nodeIds'] },
  runsPerRoute: 200,
  matrix,
}

