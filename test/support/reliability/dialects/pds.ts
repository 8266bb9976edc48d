/**
 * Alibaba PDS (`/v2`, src/compat/pds): every call is POST with a JSON body; errors are `{code, message, requestId}`
 * with the same id in `x-ca-request-id`; credentials are `Authorization: Bearer <token>`.
 */
import assert from 'node:assert/strict'
import type { Dialect, Draft, MatrixRow } from '../dialect.ts'
import { jsonObject, toWire } from '../dialect.ts'
import type { Fixtures, World } from '../world.ts'

export const PDS_PREFIX = '/v2'

export function pdsErrorFormat(res: { status: number; headers: Record<string, string | undefined>; json: unknown; text: string }): string | null {
  const base = jsonObject(res as never)
  if (base) return base
  const b = res.json as Record<string, unknown>
  const keys = Object.keys(b).sort().join(',')
  if (keys !== 'code,message,requestId') return `keys ${keys}`
  if (typeof b.code !== 'string' || !/^[A-Z][A-Za-z.]+$/.test(b.code)) return `code ${JSON.stringify(b.code)}`
  if (typeof b.message !== 'string' || !b.message) return 'message missing'
  if (typeof b.requestId !== 'string' || !b.requestId) return 'requestId missing'
  if (res.headers['x-ca-request-id'] !== b.requestId) return `x-ca-request-id ${res.headers['x-ca-request-id']} ≠ requestId ${b.requestId}`
  return null
}

const P = PDS_PREFIX

function call(path: string, body: unknown): Draft {
  return { method: 'POST', path: `${P}${path}`, query: [], headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) }
}

let n = 0
const fresh = (what: string) => `pds-authz-${what}-${++n}`
const read: MatrixRow['requirement'] = { kind: 'read' }
const grant = (g: string): MatrixRow['requirement'] => ({ kind: 'grant', grant: g })

/** A file upload begun through file/create (its provisional `file_id` and `upload_id` in `extra`). */
async function withUpload(fx: Fixtures, w: World): Promise<Fixtures> {
  const d = call('/file/create', { drive_id: fx.spaceId, parent_file_id: fx.folderId, name: `${fresh('upload')}.txt`, type: 'file', check_name_mode: 'auto_rename', size: 5 })
  d.headers.authorization = `Bearer ${w.a.admin.token}`
  const res = await w.send(toWire(d))
  assert.equal(res.status, 201, res.text)
  return { ...fx, extra: { ...fx.extra, uploadFileId: res.json.file_id, uploadId: res.json.upload_id } }
}

const matrix: Record<string, MatrixRow | MatrixRow[]> = {
  'POST /v2/user/create': { requirement: grant('admin'), target: 'library', build: () => call('/user/create', { user_id: fresh('user') }) },
  'POST /v2/drive/create': { requirement: grant('admin'), target: 'library', build: (fx) => call('/drive/create', { drive_name: fresh('drive'), owner: fx.userId, owner_type: 'user' }) },
  'POST /v2/drive/list': { requirement: { kind: 'self', why: 'the drives the token may see' }, target: 'library', build: () => call('/drive/list', {}) },
  'POST /v2/drive/get': { requirement: read, target: 'space', build: (fx) => call('/drive/get', { drive_id: fx.spaceId }) },

  'POST /v2/file/create': [
    { label: 'folder', requirement: grant('create_directory'), target: 'space', build: (fx) => call('/file/create', { drive_id: fx.spaceId, parent_file_id: fx.folderId, name: fresh('folder'), type: 'folder', check_name_mode: 'refuse' }) },
    { label: 'file', requirement: grant('upload_file'), target: 'space', build: (fx) => call('/file/create', { drive_id: fx.spaceId, parent_file_id: fx.folderId, name: `${fresh('file')}.txt`, type: 'file', check_name_mode: 'refuse', size: 5 }) },
  ],
  'POST /v2/file/get_upload_url': {
    requirement: grant('upload_file'),
    target: 'space',
    prepare: withUpload,
    build: (fx) => call('/file/get_upload_url', { drive_id: fx.spaceId, file_id: fx.extra.uploadFileId, upload_id: fx.extra.uploadId, part_info_list: [{ part_number: 1 }] }) },
  'POST /v2/file/list_uploaded_parts': { requirement: read, target: 'space', prepare: withUpload, build: (fx) => call('/file/list_uploaded_parts', { drive_id: fx.spaceId, file_id: fx.extra.uploadFileId, upload_id: fx.extra.uploadId }) },
  // Completing before any byte arrived is refused (400) even for the owner; the point is who gets which refusal.
  'POST /v2/file/complete': { requirement: grant('upload_file'), target: 'space', prepare: withUpload, okStatus: [400], build: (fx) => call('/file/complete', { drive_id: fx.spaceId, file_id: fx.extra.uploadFileId, upload_id: fx.extra.uploadId }) },
  'POST /v2/file/get': { requirement: read, target: 'space', build: (fx) => call('/file/get', { drive_id: fx.spaceId, file_id: fx.fileId }) },
  'POST /v2/file/list': { requirement: read, target: 'space', build: (fx) => call('/file/list', { drive_id: fx.spaceId, parent_file_id: fx.folderId }) },
  'POST /v2/file/search': { requirement: read, target: 'space', build: (fx) => call('/file/search', { drive_id: fx.spaceId, query: `name = '${fx.fileName}'` }) },
  'POST /v2/file/get_download_url': { requirement: read, target: 'space', build: (fx) => call('/file/get_download_url', { drive_id: fx.spaceId, file_id: fx.fileId }) },
  'POST /v2/file/update': [
    { label: 'file', requirement: grant('upload_file'), target: 'space', build: (fx) => call('/file/update', { drive_id: fx.spaceId, file_id: fx.fileId, name: `${fresh('renamed')}.txt`, check_name_mode: 'refuse' }) },
    { label: 'folder', requirement: grant('create_directory'), target: 'space', build: (fx) => call('/file/update', { drive_id: fx.spaceId, file_id: fx.folderId, name: fresh('renamed-folder'), check_name_mode: 'refuse' }) },
  ],
  'POST /v2/file/move': { requirement: grant('upload_file'), target: 'space', build: (fx) => call('/file/move', { drive_id: fx.spaceId, file_id: fx.fileId, to_parent_file_id: fx.folderId }) },
  'POST /v2/file/copy': { requirement: grant('upload_file'), target: 'space', build: (fx) => call('/file/copy', { drive_id: fx.spaceId, file_id: fx.fileId, to_parent_file_id: fx.folderId, auto_rename: true }) },
  'POST /v2/file/delete': [
    { label: 'file', requirement: grant('delete_file_permanent'), target: 'space', build: (fx) => call('/file/delete', { drive_id: fx.spaceId, file_id: fx.fileId }) },
    { label: 'folder', requirement: grant('delete_directory_permanent'), target: 'space', build: (fx) => call('/file/delete', { drive_id: fx.spaceId, file_id: fx.folderId }) },
    { label: 'in the bin', requirement: grant('delete_recycled'), target: 'space', build: (fx) => call('/file/delete', { drive_id: fx.spaceId, file_id: fx.entryFileNodeId }) },
  ],

  'POST /v2/recyclebin/list': { requirement: read, target: 'space', build: (fx) => call('/recyclebin/list', { drive_id: fx.spaceId }) },
  'POST /v2/recyclebin/trash': [
    { label: 'file', requirement: grant('delete_file'), target: 'space', build: (fx) => call('/recyclebin/trash', { drive_id: fx.spaceId, file_id: fx.fileId }) },
    { label: 'folder', requirement: grant('delete_directory'), target: 'space', build: (fx) => call('/recyclebin/trash', { drive_id: fx.spaceId, file_id: fx.folderId }) },
  ],
  'POST /v2/recyclebin/restore': { requirement: grant('restore_recycled'), target: 'space', build: (fx) => call('/recyclebin/restore', { drive_id: fx.spaceId, file_id: fx.entryFileNodeId }) },
  'POST /v2/recyclebin/clear': { requirement: grant('delete_recycled'), target: 'space', build: (fx) => call('/recyclebin/clear', { drive_id: fx.spaceId }) },
  'POST /v2/async_task/get': { requirement: read, target: 'space', build: (fx) => call('/async_task/get', { async_task_id: fx.taskId }) },
  // Each sub-request is authorised as the call it names; the batch itself only needs a token.
  'POST /v2/batch': {
    requirement: { kind: 'self', why: 'each sub-request is authorised as its own call' },
    target: 'library',
    build: (fx) => call('/batch', { resource: 'file', requests: [{ id: '1', method: 'POST', url: '/file/get', body: { drive_id: fx.spaceId, file_id: fx.fileId } }] }),
  },

  // The signed URLs it hands out: the signature is the credential.
  'PUT /v2/_trove/upload/:uploadId/:partNumber': {
    requirement: { kind: 'public', why: 'signed URL' },
    target: 'none',
    prepare: withUpload,
    build: (fx) => ({ method: 'PUT', path: `${P}/_trove/upload/${encodeURIComponent(fx.extra.uploadId)}/1`, query: [['token', 'forged.signature']], headers: { 'content-type': 'application/octet-stream' }, payload: 'bytes' }),
  },
  'GET /v2/_trove/download': { requirement: { kind: 'public', why: 'signed URL' }, target: 'none', build: (fx) => ({ method: 'GET', path: `${P}/_trove/download`, query: [['token', `${Buffer.from(JSON.stringify({ t: 'pds-dl', s: fx.spaceId, n: fx.fileId })).toString('base64url')}.forged`]], headers: {} }) },
}

export const pds: Dialect = {
  name: 'pds',
  prefix: PDS_PREFIX,
  owns: (r) => r.url.startsWith(`${PDS_PREFIX}/`),
  errorFormat: pdsErrorFormat,
  authenticate(d, who) {
    d.headers.authorization = `Bearer ${who.token}`
  },
  authHeaders: ['authorization'],
  authQuery: [],
  denyStatus: { unauthenticated: [401], forbidden: [403], hidden: [404] },
  knownValues(name, fx, w) {
    switch (name) {
      case 'drive_id':
      case 'to_drive_id':
        return [fx.spaceId, w.a.space2Id]
      case 'drive_id_list':
        return [fx.spaceId]
      case 'file_id':
      case 'parent_file_id':
      case 'to_parent_file_id':
        return ['root', fx.folderId, fx.fileId, fx.nestedFileId, fx.imageId, fx.entryFileNodeId, 'upload-1']
      case 'name':
      case 'new_name':
      case 'file_name':
        return [fx.fileName, fx.folderName, 'fresh-name.txt']
      case 'async_task_id':
        return [fx.taskId]
      case 'user_id':
        return [w.a.admin.userId, 'reader']
      case 'type':
        return ['file', 'folder']
      case 'check_name_mode':
        return ['auto_rename', 'refuse', 'ignore', 'overwrite']
      case 'order_by':
        return ['name', 'updated_at', 'size', 'created_at']
      case 'order_direction':
        return ['ASC', 'DESC']
      case 'query':
        return [`name = '${fx.fileName}'`, "name match 'fx'", 'size > 0 and type = "file"', "(name = 'a'"]
      case 'uploadId':
      case 'upload_id':
      case 'partNumber':
        return ['1', '0']
      default:
        return undefined
    }
  },
  vocabulary: {
    query: ['token', 'sig', 'expires', 'part'],
    body: [
      'drive_id', 'file_id', 'parent_file_id', 'name', 'type', 'check_name_mode', 'size', 'content_hash', 'content_hash_name', 'content_type',
      'part_info_list', 'upload_id', 'limit', 'marker', 'order_by', 'order_direction', 'query', 'to_parent_file_id', 'to_drive_id', 'new_name',
      'async_task_id', 'requests', 'resource', 'user_id', 'drive_name', 'owner', 'owner_type', 'total_size', 'description', 'expire_sec',
      'return_total_count', 'category', 'status', 'drive_id_list', 'auto_rename', 'nick_name', 'role',
    ],
    usual: ['drive_id', 'file_id', 'parent_file_id', 'name', 'type'],
  },
  runsPerRoute: 120,
  matrix,
  normalize: (res) => res.text.replace(/"requestId":"[^"]*"/g, '"requestId":"#"'),
}
