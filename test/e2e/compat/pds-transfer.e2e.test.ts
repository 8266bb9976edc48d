/**
 * PDS conformance: the upload flow (file/create → PUT parts to the signed URLs → file/complete), get_upload_url,
 * list_uploaded_parts, get_download_url and the signed download with Range; expiry, tampering, checksums, quota, and
 * a second API node over the same database and blobs taking parts of the same upload.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes, createHash } from 'node:crypto'
import { buildContainer } from '../../../src/app/container.ts'
import { buildApp } from '../../../src/http/build-app.ts'
import { blobFiles } from '../../support/harness.ts'
import { assertPdsError, makePds, sha1, type Pds } from './pds-support.ts'

let p: Pds
let D: string
const create = (body: Record<string, unknown>) => p.call('/file/create', { drive_id: D, parent_file_id: 'root', type: 'file', ...body })
const put = (url: string, body: Buffer | string, headers: Record<string, string> = {}) => p.req('PUT', url, { token: null, body, headers })

before(async () => {
  p = await makePds()
  D = p.spaceId
})
after(() => p.close())

describe('upload flow', () => {
  test('create → PUT three parts → complete → download through the signed URL, whole and by Range', async () => {
    const data = randomBytes(3000)
    const c = await create({ name: 'hello.bin', size: data.length, check_name_mode: 'auto_rename', part_info_list: [{ part_number: 1 }, { part_number: 2 }, { part_number: 3 }] })
    assert.equal(c.status, 201)
    assert.equal(c.json.type, 'file')
    assert.equal(c.json.status, 'uploading')
    assert.equal(c.json.rapid_upload, false)
    assert.equal(c.json.exist, false)
    assert.equal(c.json.file_name, 'hello.bin')
    assert.match(c.json.upload_id, /^[0-9a-f]{40}$/)
    assert.equal(c.json.part_info_list.length, 3)
    const urls = c.json.part_info_list.map((x: { part_number: number; upload_url: string }, i: number) => {
      assert.equal(x.part_number, i + 1)
      assert.match(x.upload_url, /^http:\/\/[^/]+\/v2\/_trove\/upload\//)
      return x.upload_url
    })
    // While uploading the file does not exist (PF5: an uploading file is reported as not found).
    assertPdsError(await p.call('/file/get', { drive_id: D, file_id: c.json.file_id }), 404, 'NotFound.FileId', 'uploading')
    assert.equal((await p.call('/file/list', { drive_id: D, parent_file_id: 'root' })).json.items.length, 0)
    // No Authorization and no (or any) Content-Type on the part PUTs, as with OSS pre-signed URLs.
    const r1 = await put(urls[0], data.subarray(0, 1000))
    assert.equal(r1.status, 200)
    assert.equal(r1.headers.etag, `"${createHash('sha256').update(data.subarray(0, 1000)).digest('hex')}"`)
    assert.equal((await put(urls[1], data.subarray(1000, 2000), { 'content-type': 'image/jpeg' })).status, 200)
    assert.equal((await put(urls[2], data.subarray(2000))).status, 200)
    const parts = await p.call('/file/list_uploaded_parts', { drive_id: D, file_id: c.json.file_id, upload_id: c.json.upload_id })
    assert.deepEqual(parts.json.uploaded_parts.map((x: { part_number: number; part_size: number }) => [x.part_number, x.part_size]), [[1, 1000], [2, 1000], [3, 1000]])

    const done = await p.call('/file/complete', { drive_id: D, file_id: c.json.file_id, upload_id: c.json.upload_id })
    assert.equal(done.status, 200)
    assert.equal(done.json.name, 'hello.bin')
    assert.equal(done.json.size, 3000)
    assert.equal(done.json.status, 'available')
    assert.equal(done.json.parent_file_id, 'root')
    assert.equal(done.json.content_hash, createHash('sha256').update(data).digest('hex').toUpperCase())
    const fileId = done.json.file_id as string
    assert.match(fileId, /^[0-9]+$/)
    // The provisional id now leads to the file.
    assert.equal((await p.call('/file/get', { drive_id: D, file_id: c.json.file_id })).json.file_id, fileId)
    assertPdsError(await p.call('/file/complete', { drive_id: D, file_id: c.json.file_id, upload_id: c.json.upload_id }), 409, 'StateConflict', 'twice')

    const dl = await p.call('/file/get_download_url', { drive_id: D, file_id: fileId })
    assert.equal(dl.status, 200)
    assert.equal(dl.json.size, 3000)
    assert.equal(dl.json.method, 'GET')
    assert.equal(dl.json.expiration, new Date(p.h.clock.now() + 900_000).toISOString(), 'default expire_sec is 900')
    const whole = await p.req('GET', dl.json.url, { token: null })
    assert.equal(whole.status, 200)
    assert.ok(whole.body.equals(data))
    assert.equal(whole.headers['accept-ranges'], 'bytes')
    const mid = await p.req('GET', dl.json.url, { token: null, headers: { range: 'bytes=999-1001' } })
    assert.equal(mid.status, 206)
    assert.equal(mid.headers['content-range'], 'bytes 999-1001/3000')
    assert.ok(mid.body.equals(data.subarray(999, 1002)))
    const tail = await p.req('GET', dl.json.url, { token: null, headers: { range: 'bytes=-10' } })
    assert.ok(tail.body.equals(data.subarray(2990)))
    const open = await p.req('GET', dl.json.url, { token: null, headers: { range: 'bytes=2500-' } })
    assert.equal(open.headers['content-range'], 'bytes 2500-2999/3000')
    const beyond = await p.req('GET', dl.json.url, { token: null, headers: { range: 'bytes=5000-6000' } })
    assertPdsError(beyond, 416, 'InvalidRange')
    assert.equal(beyond.headers['content-range'], 'bytes */3000')
  })

  test('zero-byte files complete without a part; a re-sent part replaces the first; parts in any order', async () => {
    const z = await create({ name: 'empty.txt', size: 0 })
    const zd = await p.call('/file/complete', { drive_id: D, file_id: z.json.file_id, upload_id: z.json.upload_id })
    assert.equal(zd.status, 200)
    assert.equal(zd.json.size, 0)
    const c = await create({ name: 'twice.txt', part_info_list: [{ part_number: 1 }, { part_number: 2 }] })
    const [u1, u2] = c.json.part_info_list.map((x: { upload_url: string }) => x.upload_url)
    await put(u2, 'world')
    await put(u1, 'WRONG ')
    await put(u1, 'hello ')
    const done = await p.call('/file/complete', { drive_id: D, file_id: c.json.file_id, upload_id: c.json.upload_id })
    const dl = await p.call('/file/get_download_url', { drive_id: D, file_id: done.json.file_id, file_name: 'greeting.txt', response_content_type: 'text/plain' })
    const got = await p.req('GET', dl.json.url, { token: null })
    assert.equal(got.body.toString(), 'hello world')
    assert.equal(got.headers['content-type'], 'text/plain')
    assert.match(got.headers['content-disposition']!, /greeting\.txt/)
  })

  test('complete refuses a missing part and a size mismatch, and the upload stays open for a retry', async () => {
    const c = await create({ name: 'gappy.txt', size: 6, part_info_list: [{ part_number: 1 }, { part_number: 2 }, { part_number: 3 }] })
    const [u1, u2, u3] = c.json.part_info_list.map((x: { upload_url: string }) => x.upload_url)
    await put(u1, 'ab')
    await put(u3, 'ef')
    const ref = { drive_id: D, file_id: c.json.file_id, upload_id: c.json.upload_id }
    const gap = await p.call('/file/complete', ref)
    assertPdsError(gap, 400, 'InvalidParameterMissing', 'part 2 missing')
    assert.match(gap.json.message, /Part 2/)
    assertPdsError(await put(u2, 'cde'), 400, 'InvalidParameter.Size', 'more than declared')
    await put(u2, 'c')
    assertPdsError(await p.call('/file/complete', ref), 400, 'InvalidParameter.Size', 'less than declared')
    await put(u2, 'cd')
    const done = await p.call('/file/complete', ref)
    assert.equal(done.status, 200)
    const dl = await p.call('/file/get_download_url', { drive_id: D, file_id: done.json.file_id })
    assert.equal((await p.req('GET', dl.json.url, { token: null })).body.toString(), 'abcdef')
    assertPdsError(await p.call('/file/complete', { ...ref, upload_id: 'f'.repeat(40) }), 404, 'NotFound.UploadId', 'unknown upload')
    const other = await create({ name: 'other.txt' })
    assertPdsError(await p.call('/file/complete', { ...ref, file_id: other.json.file_id }), 400, 'InvalidParameterNotMatch', 'id of another upload')
  })

  test('a SHA-1 content_hash is checked at completion; a mismatch creates nothing', async () => {
    const before = (await p.call('/drive/get', { drive_id: D })).json.used_size
    const bad = await create({ name: 'sum.txt', size: 4, content_hash: sha1('nope').toUpperCase(), content_hash_name: 'sha1' })
    await put(bad.json.part_info_list[0].upload_url, 'data')
    assertPdsError(await p.call('/file/complete', { drive_id: D, file_id: bad.json.file_id, upload_id: bad.json.upload_id }), 400, 'InvalidParameter.ContentHash', 'sha1')
    assert.equal((await p.call('/drive/get', { drive_id: D })).json.used_size, before)
    const good = await create({ name: 'sum.txt', size: 4, content_hash: sha1('data').toUpperCase(), content_hash_name: 'sha1' })
    await put(good.json.part_info_list[0].upload_url, 'data')
    assert.equal((await p.call('/file/complete', { drive_id: D, file_id: good.json.file_id, upload_id: good.json.upload_id })).status, 200)
  })

  test('quota: a declared size over what is left is QuotaExhausted.Drive at create; so is a part over it', async () => {
    const used = (await p.call('/drive/get', { drive_id: D })).json.used_size as number
    await p.c.spaces.updateSettings(p.h.admin, D, { quotaBytes: used + 10 })
    try {
      assertPdsError(await create({ name: 'big.bin', size: 11 }), 400, 'QuotaExhausted.Drive', 'declared')
      const c = await create({ name: 'undeclared.bin' })
      assertPdsError(await put(c.json.part_info_list[0].upload_url, Buffer.alloc(11)), 400, 'QuotaExhausted.Drive', 'part')
      assert.equal((await put(c.json.part_info_list[0].upload_url, Buffer.alloc(10))).status, 200)
      assert.equal((await p.call('/file/complete', { drive_id: D, file_id: c.json.file_id, upload_id: c.json.upload_id })).status, 200)
    } finally {
      await p.c.spaces.updateSettings(p.h.admin, D, { quotaBytes: null })
    }
  })

  test('parts leave no bytes behind: released at completion, and swept with an upload that expired', async () => {
    const before = await blobFiles(p.h.dataDir)
    const f = await p.upload('root', 'three-parts.bin', randomBytes(3000), { parts: 3 })
    const after = await blobFiles(p.h.dataDir)
    assert.deepEqual(after.filter((b) => !before.includes(b)), [String(f.content_hash).toLowerCase()], 'only the file blob stays')
    const c = await create({ name: 'abandoned.bin' })
    await put(c.json.part_info_list[0].upload_url, randomBytes(100))
    assert.equal((await blobFiles(p.h.dataDir)).length, after.length + 1)
    p.h.clock.advance(10 * 86_400_000 + 1)
    await create({ name: 'later.bin' })
    assert.deepEqual(await blobFiles(p.h.dataDir), after, 'the expired upload released its part')
    assertPdsError(await p.call('/file/complete', { drive_id: D, file_id: c.json.file_id, upload_id: c.json.upload_id }), 404, 'NotFound.UploadId', 'expired upload')
  })

  test('a read-only token cannot start an upload', async () => {
    assertPdsError(await p.call('/file/create', { drive_id: D, parent_file_id: 'root', name: 'r.txt', type: 'file' }, { token: await p.token([]) }), 403, 'ForbiddenNoPermission', 'reader')
    const uploader = await p.token(['upload_file'])
    assert.equal((await p.upload('root', 'by-uploader.txt', 'u', { token: uploader })).name, 'by-uploader.txt')
  })
})

describe('signed URLs', () => {
  test('part URLs expire (403 AccessDenied); get_upload_url hands out fresh ones; a token is bound to its part', async () => {
    const c = await create({ name: 'slow.bin', part_info_list: [{ part_number: 1 }, { part_number: 2 }] })
    const [u1, u2] = c.json.part_info_list.map((x: { upload_url: string }) => x.upload_url)
    const token1 = new URL(u1).searchParams.get('token')!
    assertPdsError(await put(u2.replace(/token=[^&]+/, `token=${encodeURIComponent(token1)}`), 'x'), 403, 'AccessDenied', 'token of part 1 on part 2')
    assertPdsError(await put(u1.replace(/token=[^&]+/, 'token=' + token1.slice(0, -2) + 'AA'), 'x'), 403, 'AccessDenied', 'tampered')
    assertPdsError(await put(u1.replace(/\?.*$/, ''), 'x'), 403, 'AccessDenied', 'no token')
    p.h.clock.advance(3_600_001)
    const expired = await put(u1, 'part one ')
    assertPdsError(expired, 403, 'AccessDenied', 'expired')
    assert.match(expired.json.message, /expired/)
    const fresh = await p.call('/file/get_upload_url', { drive_id: D, file_id: c.json.file_id, upload_id: c.json.upload_id, part_info_list: [{ part_number: 1 }, { part_number: 2 }] })
    assert.equal(fresh.status, 200)
    assert.equal(fresh.json.upload_id, c.json.upload_id)
    assert.equal(fresh.json.part_info_list.length, 2)
    assert.equal((await put(fresh.json.part_info_list[0].upload_url, 'part one ')).status, 200)
    assert.equal((await put(fresh.json.part_info_list[1].upload_url, 'part two')).status, 200)
    const done = await p.call('/file/complete', { drive_id: D, file_id: c.json.file_id, upload_id: c.json.upload_id })
    assert.equal(done.json.size, 17)
    assertPdsError(await p.call('/file/get_upload_url', { drive_id: D, file_id: c.json.file_id, upload_id: c.json.upload_id, part_info_list: [{ part_number: 3 }] }), 409, 'StateConflict', 'after completion')
  })

  test('download URLs honour expire_sec and stop working once the file is in the recycle bin', async () => {
    const f = await p.upload('root', 'short-lived.txt', 'brief')
    const dl = await p.call('/file/get_download_url', { drive_id: D, file_id: f.file_id, expire_sec: 60 })
    assert.equal((await p.req('GET', dl.json.url, { token: null })).status, 200)
    p.h.clock.advance(61_000)
    assertPdsError(await p.req('GET', dl.json.url, { token: null }), 403, 'AccessDenied', 'expired')
    const again = await p.call('/file/get_download_url', { drive_id: D, file_id: f.file_id })
    assert.equal((await p.call('/recyclebin/trash', { drive_id: D, file_id: f.file_id })).status, 204)
    assertPdsError(await p.req('GET', again.json.url, { token: null }), 404, 'NotFound.FileId', 'trashed')
    assertPdsError(await p.call('/file/get_download_url', { drive_id: D, file_id: 'root' }), 400, 'InvalidParameter.FileId', 'folder')
    assertPdsError(await p.call('/file/get_download_url', { drive_id: D, file_id: f.file_id, expire_sec: 115_201 }), 400, 'InvalidParameterOutOfRange', 'expire_sec')
  })

  test('a second API node over the same database and blobs takes the next part, completes, and serves the URL', async () => {
    // Same configuration (database, data directory), another process's worth of services and app.
    const c2 = await buildContainer(p.c.config, { clock: p.h.clock })
    const app2 = await buildApp(c2)
    try {
      const c = await create({ name: 'two-nodes.txt', part_info_list: [{ part_number: 1 }, { part_number: 2 }] })
      const [u1, u2] = c.json.part_info_list.map((x: { upload_url: string }) => x.upload_url)
      assert.equal((await put(u1, 'from node A, ')).status, 200)
      const path = (u: string) => u.replace(/^https?:\/\/[^/]+/, '')
      const onB = await app2.inject({ method: 'PUT', url: path(u2), payload: 'from node B' })
      assert.equal(onB.statusCode, 200, onB.body)
      const done = await app2.inject({
        method: 'POST',
        url: '/v2/file/complete',
        headers: { authorization: `Bearer ${p.adminToken}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ drive_id: D, file_id: c.json.file_id, upload_id: c.json.upload_id }),
      })
      assert.equal(done.statusCode, 200, done.body)
      const dl = await p.call('/file/get_download_url', { drive_id: D, file_id: JSON.parse(done.body).file_id })
      const got = await app2.inject({ method: 'GET', url: path(dl.json.url) })
      assert.equal(got.body, 'from node A, from node B')
    } finally {
      await app2.close()
      await c2.close()
    }
  })
})
