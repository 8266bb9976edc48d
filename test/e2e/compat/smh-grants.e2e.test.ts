import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { makeSmh, assertSmhError, type Smh } from './smh-support.ts'

/**
 * vendor-apis.md §1.5: each grant allows the calls the reference lists for it, and nothing else; no grant is read-only;
 * admin and space_admin have them all.
 */
describe('SMH grants', () => {
  let s: Smh
  let L: string
  const tok = (grant: string, user = grant || 'reader') => s.token(s.single, { grant, user_id: user.replace(/,/g, '-') })
  let n = 0
  const seedFile = async () => {
    const path = `g/f${++n}.txt`
    assert.equal((await s.upload(s.single, '-', path, 'x')).status, 200)
    return path
  }
  const seedDir = async () => {
    const path = `g/d${++n}`
    assert.equal((await s.call('PUT', `/directory/${L}/-/${path}`)).status, 201)
    return path
  }
  const seedEntry = async () => (await s.call('DELETE', `/file/${L}/-/${await seedFile()}`)).json.recycledItemId as number

  before(async () => {
    s = await makeSmh()
    L = s.single.libraryId
    await s.call('PUT', `/directory/${L}/-/g`)
  })
  after(async () => {
    await s?.close()
  })

  it('no grant: read-only (list, info, download, bin list) and every write refused with NoPermission', async () => {
    const ro = await tok('')
    const f = await seedFile()
    assert.equal((await s.call('GET', `/directory/${L}/-/g`, { token: ro })).status, 200)
    assert.equal((await s.call('GET', `/file/${L}/-/${f}?info`, { token: ro })).status, 200)
    assert.equal((await s.call('GET', `/file/${L}/-/${f}`, { token: ro })).status, 302)
    assert.equal((await s.call('GET', `/recycled/${L}/-`, { token: ro })).status, 200)
    assertSmhError(await s.call('PUT', `/directory/${L}/-/g/new`, { token: ro }), 403, 'NoPermission')
    assertSmhError(await s.call('PUT', `/file/${L}/-/g/new.txt`, { token: ro }), 403, 'NoPermission')
    assertSmhError(await s.call('DELETE', `/file/${L}/-/${f}`, { token: ro }), 403, 'NoPermission')
    assertSmhError(await s.call('DELETE', `/recycled/${L}/-`, { token: ro }), 403, 'NoPermission')
    assertSmhError(await s.call('POST', `/recycled/${L}/-?lifecycle`, { token: ro, json: { retentionDays: 7 } }), 403, 'NoPermission')
  })

  it('upload_file: uploads (start and confirm) and file moves; not directories', async () => {
    const t = await tok('upload_file')
    assert.equal((await s.upload(s.single, '-', 'g/up.txt', 'u', { token: t })).status, 200)
    assert.equal((await s.call('PUT', `/file/${L}/-/g/up2.txt`, { token: t, json: { from: 'g/up.txt' } })).status, 200)
    assertSmhError(await s.call('PUT', `/directory/${L}/-/g/nope`, { token: t }), 403, 'NoPermission')
  })

  it('create_directory: directory create and move; not uploads', async () => {
    const t = await tok('create_directory')
    assert.equal((await s.call('PUT', `/directory/${L}/-/g/made/deep`, { token: t })).status, 201)
    assert.equal((await s.call('PUT', `/directory/${L}/-/g/made2`, { token: t, json: { from: 'g/made' } })).status, 204)
    assertSmhError(await s.call('PUT', `/file/${L}/-/g/x.txt`, { token: t }), 403, 'NoPermission')
  })

  it('delete_file / delete_file_permanent: files to the bin / permanently; neither reaches directories', async () => {
    const t = await tok('delete_file')
    assert.equal((await s.call('DELETE', `/file/${L}/-/${await seedFile()}`, { token: t })).status, 200)
    assertSmhError(await s.call('DELETE', `/file/${L}/-/${await seedFile()}`, { token: t, query: { permanent: '1' } }), 403, 'NoPermission')
    assertSmhError(await s.call('DELETE', `/directory/${L}/-/${await seedDir()}`, { token: t }), 403, 'NoPermission')
    const p = await tok('delete_file_permanent')
    assert.equal((await s.call('DELETE', `/file/${L}/-/${await seedFile()}`, { token: p, query: { permanent: '1' } })).status, 204)
    assertSmhError(await s.call('DELETE', `/file/${L}/-/${await seedFile()}`, { token: p }), 403, 'NoPermission')
    // batch delete checks the grant per item
    const r = await s.call('POST', `/batch/${L}/-?delete`, { token: t, json: [{ path: await seedFile() }, { path: await seedDir() }] })
    assert.equal(r.status, 207)
    assert.deepEqual(r.json.result.map((x: { status: number }) => x.status), [200, 403])
    assert.equal(r.json.result[1].code, 'NoPermission')
  })

  it('delete_directory / delete_directory_permanent: directories to the bin / permanently', async () => {
    const t = await tok('delete_directory')
    assert.equal((await s.call('DELETE', `/directory/${L}/-/${await seedDir()}`, { token: t })).status, 200)
    assertSmhError(await s.call('DELETE', `/directory/${L}/-/${await seedDir()}`, { token: t, query: { permanent: '1' } }), 403, 'NoPermission')
    assertSmhError(await s.call('DELETE', `/file/${L}/-/${await seedFile()}`, { token: t }), 403, 'NoPermission')
    const p = await tok('delete_directory_permanent')
    assert.equal((await s.call('DELETE', `/directory/${L}/-/${await seedDir()}`, { token: p, query: { permanent: '1' } })).status, 204)
  })

  it('with the bin off, the plain delete_file / delete_directory grants delete permanently (as SMH documents)', async () => {
    const admin = { ...s.t.h.admin, libraryId: L }
    const f = await seedFile()
    const d = await seedDir()
    const t = await tok('delete_file,delete_directory')
    await s.t.c.spaces.updateSettings(admin, s.single.spaceId!, { recycleBinEnabled: false })
    try {
      assert.equal((await s.call('DELETE', `/file/${L}/-/${f}`, { token: t })).status, 204)
      assert.equal((await s.call('DELETE', `/directory/${L}/-/${d}`, { token: t })).status, 204)
      assertSmhError(await s.call('DELETE', `/file/${L}/-/${await seedFile()}`, { token: await tok('upload_file', 'u2') }), 403, 'NoPermission')
    } finally {
      await s.t.c.spaces.updateSettings(admin, s.single.spaceId!, { recycleBinEnabled: true })
    }
  })

  it('restore_recycled: restore one and batch; not delete from the bin', async () => {
    const t = await tok('restore_recycled')
    assert.equal((await s.call('POST', `/recycled/${L}/-/${await seedEntry()}?restore`, { token: t })).status, 200)
    assert.equal((await s.call('POST', `/recycled/${L}/-?restore`, { token: t, json: [await seedEntry()] })).status, 200)
    assertSmhError(await s.call('DELETE', `/recycled/${L}/-/${await seedEntry()}`, { token: t }), 403, 'NoPermission')
    assertSmhError(await s.call('DELETE', `/recycled/${L}/-`, { token: t }), 403, 'NoPermission')
  })

  it('delete_recycled: delete one, delete batch, empty; not restore', async () => {
    const t = await tok('delete_recycled')
    assert.equal((await s.call('DELETE', `/recycled/${L}/-/${await seedEntry()}`, { token: t })).status, 204)
    assert.equal((await s.call('POST', `/recycled/${L}/-?delete`, { token: t, json: [await seedEntry()] })).status, 204)
    assertSmhError(await s.call('POST', `/recycled/${L}/-/${await seedEntry()}?restore`, { token: t }), 403, 'NoPermission')
    assertSmhError(await s.call('POST', `/recycled/${L}/-?restore`, { token: t, json: [await seedEntry()] }), 403, 'NoPermission')
    assert.equal((await s.call('DELETE', `/recycled/${L}/-`, { token: t })).status, 204)
  })

  it('space_admin: every space call including lifecycle, but not library administration (quota, usage, spaces)', async () => {
    const t = await tok('space_admin')
    assert.equal((await s.call('POST', `/recycled/${L}/-?lifecycle`, { token: t, json: { retentionDays: 40 } })).status, 204)
    assert.equal((await s.call('POST', `/recycled/${L}/-/${await seedEntry()}?restore`, { token: t })).status, 200)
    assert.equal((await s.call('DELETE', `/directory/${L}/-/${await seedDir()}`, { token: t, query: { permanent: '1' } })).status, 204)
    assertSmhError(await s.call('POST', `/quota/${L}`, { token: t, json: { capacity: '1' } }), 403, 'NoPermission')
    assertSmhError(await s.call('GET', `/usage/${L}`, { token: t }), 403, 'NoPermission')
  })

  it('admin: everything, including quota and library usage', async () => {
    const t = await tok('admin', 'boss')
    assert.equal((await s.call('GET', `/usage/${L}`, { token: t })).status, 200)
    assert.equal((await s.call('DELETE', `/recycled/${L}/-/${await seedEntry()}`, { token: t })).status, 204)
    assert.equal((await s.call('DELETE', `/file/${L}/-/${await seedFile()}`, { token: t, query: { permanent: '1' } })).status, 204)
  })
})
