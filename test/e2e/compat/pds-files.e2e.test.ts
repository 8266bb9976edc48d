/**
 * PDS conformance: file/create (folders; check_name_mode each way, for folders and files), file/get, file/list
 * (marker, order_by, order_direction, type/category filters), file/update, file/move, file/copy, and file operations
 * on items in the recycle bin.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { assertPdsError, makePds, type Pds } from './pds-support.ts'

let p: Pds
let D: string
const list = async (parent: string, extra: Record<string, unknown> = {}) => {
  const r = await p.call('/file/list', { drive_id: D, parent_file_id: parent, ...extra })
  assert.equal(r.status, 200, JSON.stringify(r.json))
  return r.json as { items: Record<string, unknown>[]; next_marker: string }
}
/** PDS's auto_rename suffix for the harness clock's current second (UTC). */
const stamp = () => new Date(p.h.clock.now()).toISOString().replace(/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2}).*$/, '$1$2$3_$4$5$6')
const names = async (parent: string, extra: Record<string, unknown> = {}) => (await list(parent, { limit: 200, ...extra })).items.map((i) => i.name)

before(async () => {
  p = await makePds()
  D = p.spaceId
})
after(() => p.close())

describe('file/create for folders and check_name_mode', () => {
  test('201 with the folder; vendor-content §2.5 step 4 (refuse, new name) gives exist:false', async () => {
    const r = await p.call('/file/create', { drive_id: D, parent_file_id: 'root', name: 'docs', type: 'folder', check_name_mode: 'refuse' })
    assert.equal(r.status, 201)
    assert.equal(r.json.type, 'folder')
    assert.equal(r.json.exist, false)
    assert.equal(r.json.file_name, 'docs')
    assert.equal(r.json.parent_file_id, 'root')
    assert.equal(r.json.domain_id, p.libraryId)
    assert.equal(r.json.drive_id, D)
    assert.equal(r.json.upload_id, undefined)
    assert.match(r.json.file_id, /^[0-9]+$/)
  })

  test('refuse with a taken name creates nothing and answers the existing item with exist:true', async () => {
    const first = await p.mkdir('root', 'same')
    const again = await p.call('/file/create', { drive_id: D, parent_file_id: 'root', name: 'same', type: 'folder', check_name_mode: 'refuse' })
    assert.equal(again.status, 201)
    assert.equal(again.json.exist, true)
    assert.equal(again.json.file_id, first)
    assert.equal((await names('root')).filter((n) => n === 'same').length, 1)
    // The same for a file: no upload is started, the existing file is named.
    const file = await p.upload('root', 'a.txt', 'A')
    const f2 = await p.call('/file/create', { drive_id: D, parent_file_id: 'root', name: 'a.txt', type: 'file', size: 1, check_name_mode: 'refuse' })
    assert.equal(f2.status, 201)
    assert.equal(f2.json.exist, true)
    assert.equal(f2.json.file_id, file.file_id)
    assert.equal(f2.json.upload_id, undefined)
    assert.equal(f2.json.part_info_list, undefined)
  })

  test('auto_rename gives PDS timestamp names (name_YYYYMMDD_HHMMSS[.ext], UTC); ignore does the same', async () => {
    await p.mkdir('root', 'photos')
    const renamed = await p.call('/file/create', { drive_id: D, parent_file_id: 'root', name: 'photos', type: 'folder', check_name_mode: 'auto_rename' })
    assert.equal(renamed.status, 201)
    assert.equal(renamed.json.file_name, 'photos_20260101_120000')
    assert.equal(renamed.json.exist, false)
    const third = await p.call('/file/create', { drive_id: D, parent_file_id: 'root', name: 'photos', type: 'folder', check_name_mode: 'auto_rename' })
    assert.equal(third.json.file_name, 'photos_20260101_120000_1')
    const ignored = await p.call('/file/create', { drive_id: D, parent_file_id: 'root', name: 'photos', type: 'folder' })
    assert.equal(ignored.status, 201)
    assert.equal(ignored.json.file_name, 'photos_20260101_120000_2', 'ignore is the default and creates a new item')
    // Files: the suffix goes before the extension.
    await p.upload('root', 'report.pdf', 'v1')
    const f = await p.upload('root', 'report.pdf', 'v2', { mode: 'auto_rename' })
    assert.equal(f.name, 'report_20260101_120000.pdf')
    const g = await p.upload('root', 'report.pdf', 'v3', { mode: 'ignore' })
    assert.equal(g.name, 'report_20260101_120000_1.pdf')
    assert.deepEqual((await names('root')).filter((n) => String(n).startsWith('report')).sort(), ['report.pdf', 'report_20260101_120000.pdf', 'report_20260101_120000_1.pdf'])
  })

  test('bad names and parents: InvalidParameter.Name, NotFound.FileId, a file as parent', async () => {
    assertPdsError(await p.call('/file/create', { drive_id: D, parent_file_id: 'root', name: 'a/b', type: 'folder' }), 400, 'InvalidParameter.Name', 'slash')
    assertPdsError(await p.call('/file/create', { drive_id: D, parent_file_id: 'root', name: '..', type: 'folder' }), 400, 'InvalidParameter.Name', 'dotdot')
    assertPdsError(await p.call('/file/create', { drive_id: D, parent_file_id: '987654', name: 'x', type: 'folder' }), 404, 'NotFound.FileId', 'no parent')
    const file = await p.upload('root', 'plain.txt', 'x')
    assertPdsError(await p.call('/file/create', { drive_id: D, parent_file_id: file.file_id, name: 'x', type: 'folder' }), 400, 'InvalidParameter.ParentFileId', 'file parent')
    assertPdsError(await p.call('/file/create', { drive_id: D, parent_file_id: 'root', name: 'x', type: 'link' }), 400, 'InvalidParameterNotSupported', 'type')
    assertPdsError(await p.call('/file/create', { drive_id: '424242', parent_file_id: 'root', name: 'x', type: 'folder' }), 404, 'NotFound.Drive', 'drive')
  })
})

describe('file/get and file/list', () => {
  test('file/get answers the File; root is `root`; ids are the native node ids', async () => {
    const dir = await p.mkdir('root', 'getme')
    const f = await p.upload(dir, 'x.jpg', 'jpeg bytes')
    const r = await p.call('/file/get', { drive_id: D, file_id: f.file_id })
    assert.equal(r.status, 200)
    assert.equal(r.json.file_id, f.file_id)
    assert.equal(r.json.parent_file_id, dir)
    assert.equal(r.json.type, 'file')
    assert.equal(r.json.size, 10)
    assert.equal(r.json.file_extension, 'jpg')
    assert.equal(r.json.category, 'image')
    assert.equal(r.json.status, 'available')
    assert.equal(r.json.trashed_at, undefined)
    const native = await p.req('GET', `/trove/v1/spaces/${D}/nodes/${f.file_id}`)
    assert.equal(native.json.name, 'x.jpg')
    const root = await p.call('/file/get', { drive_id: D, file_id: 'root' })
    assert.equal(root.json.file_id, 'root')
    assert.equal(root.json.type, 'folder')
    assertPdsError(await p.call('/file/get', { drive_id: D, file_id: '31337' }), 404, 'NotFound.FileId', 'unknown')
  })

  test('marker + limit to the end; order_by × order_direction; next_marker "" on the last page', async () => {
    const dir = await p.mkdir('root', 'sorted')
    const specs = [
      ['c.bin', 'ccc'],
      ['a.bin', 'aaaaa'],
      ['b.bin', 'b'],
      ['d.bin', 'dddd'],
    ] as const
    const ids: string[] = []
    for (const [name, content] of specs) {
      ids.push((await p.upload(dir, name, content)).file_id as string)
      p.h.clock.advance(1000)
    }
    // updated_at differs from created_at for b.bin after a rename round trip.
    await p.call('/file/update', { drive_id: D, file_id: ids[2], name: 'b2.bin' })
    await p.call('/file/update', { drive_id: D, file_id: ids[2], name: 'b.bin' })
    assert.deepEqual(await names(dir), ['c.bin', 'a.bin', 'b.bin', 'd.bin'], 'default created_at ASC')
    assert.deepEqual(await names(dir, { order_by: 'name' }), ['a.bin', 'b.bin', 'c.bin', 'd.bin'])
    assert.deepEqual(await names(dir, { order_by: 'name', order_direction: 'DESC' }), ['d.bin', 'c.bin', 'b.bin', 'a.bin'])
    assert.deepEqual(await names(dir, { order_by: 'size', order_direction: 'ASC' }), ['b.bin', 'c.bin', 'd.bin', 'a.bin'])
    assert.deepEqual(await names(dir, { order_by: 'created_at', order_direction: 'DESC' }), ['d.bin', 'b.bin', 'a.bin', 'c.bin'])
    assert.deepEqual(await names(dir, { order_by: 'updated_at', order_direction: 'DESC' }), ['b.bin', 'd.bin', 'a.bin', 'c.bin'])
    assertPdsError(await p.call('/file/list', { drive_id: D, parent_file_id: dir, order_by: 'owner' }), 400, 'InvalidParameterNotSupported', 'order_by')
    assertPdsError(await p.call('/file/list', { drive_id: D, parent_file_id: dir, order_direction: 'UP' }), 400, 'InvalidParameterNotSupported', 'direction')
    const seen: unknown[] = []
    let marker = ''
    let pages = 0
    do {
      const page = await list(dir, { limit: 3, marker, order_by: 'name' })
      assert.ok(page.items.length <= 3)
      seen.push(...page.items.map((i) => i.name))
      marker = page.next_marker
      pages++
    } while (marker)
    assert.equal(pages, 2)
    assert.deepEqual(seen, ['a.bin', 'b.bin', 'c.bin', 'd.bin'])
    assertPdsError(await p.call('/file/list', { drive_id: D, parent_file_id: dir, marker: 'garbage!' }), 400, 'InvalidParameter.Marker', 'marker')
  })

  test('type and category filters; status uploading lists nothing', async () => {
    const dir = await p.mkdir('root', 'mixed')
    await p.mkdir(dir, 'sub')
    await p.upload(dir, 'song.mp3', 'x')
    await p.upload(dir, 'pic.PNG', 'x')
    await p.upload(dir, 'notes.weird', 'x')
    assert.deepEqual(await names(dir, { type: 'folder' }), ['sub'])
    assert.deepEqual((await names(dir, { type: 'file', order_by: 'name' })), ['notes.weird', 'pic.PNG', 'song.mp3'])
    assert.deepEqual(await names(dir, { category: 'image' }), ['pic.PNG'])
    assert.deepEqual(await names(dir, { category: 'audio' }), ['song.mp3'])
    assert.deepEqual(await names(dir, { category: 'others' }), ['notes.weird'])
    assert.deepEqual(await names(dir, { status: 'uploading' }), [])
  })
})

describe('file/update, file/move, file/copy', () => {
  test('update renames (refuse → AlreadyExist.File, ignore → timestamp name) and sets the description', async () => {
    const dir = await p.mkdir('root', 'upd')
    const a = (await p.upload(dir, 'a.txt', 'a')).file_id
    await p.upload(dir, 'taken.txt', 't')
    const r = await p.call('/file/update', { drive_id: D, file_id: a, name: 'b.txt', description: 'the letter b' })
    assert.equal(r.status, 200)
    assert.equal(r.json.name, 'b.txt')
    assert.equal(r.json.file_id, a, 'a rename keeps the file_id')
    assert.equal(r.json.description, 'the letter b')
    assert.equal((await p.call('/file/get', { drive_id: D, file_id: a })).json.description, 'the letter b')
    assertPdsError(await p.call('/file/update', { drive_id: D, file_id: a, name: 'taken.txt', check_name_mode: 'refuse' }), 409, 'AlreadyExist.File', 'refuse')
    const ign = await p.call('/file/update', { drive_id: D, file_id: a, name: 'taken.txt' })
    assert.equal(ign.json.name, `taken_${stamp()}.txt`)
    const reader = await p.token([])
    assertPdsError(await p.call('/file/update', { drive_id: D, file_id: a, name: 'z.txt' }, { token: reader }), 403, 'ForbiddenNoPermission', 'read-only')
    assertPdsError(await p.call('/file/update', { drive_id: D, file_id: a, description: 'x'.repeat(1025) }), 400, 'InvalidParameterOutOfRange', 'long description')
  })

  test('move: 200 {file_id, async_task_id:"", exist}; refuse on a clash moves nothing; into itself refused', async () => {
    const src = await p.mkdir('root', 'mv-src')
    const dst = await p.mkdir('root', 'mv-dst')
    const f = (await p.upload(src, 'm.txt', 'm')).file_id as string
    await p.upload(dst, 'clash.txt', 'c')
    const r = await p.call('/file/move', { drive_id: D, file_id: f, to_parent_file_id: dst })
    assert.equal(r.status, 200)
    assert.deepEqual(r.json, { domain_id: p.libraryId, drive_id: D, file_id: f, async_task_id: '', exist: false })
    assert.equal((await p.call('/file/get', { drive_id: D, file_id: f })).json.parent_file_id, dst)
    const refused = await p.call('/file/move', { drive_id: D, file_id: f, to_parent_file_id: dst, new_name: 'clash.txt', check_name_mode: 'refuse' })
    assert.equal(refused.status, 200)
    assert.equal(refused.json.exist, true)
    assert.equal((await p.call('/file/get', { drive_id: D, file_id: f })).json.name, 'm.txt')
    const renamed = await p.call('/file/move', { drive_id: D, file_id: f, to_parent_file_id: 'root', new_name: 'moved.txt' })
    assert.equal(renamed.json.exist, false)
    assert.equal((await p.call('/file/get', { drive_id: D, file_id: f })).json.parent_file_id, 'root')
    const inner = await p.mkdir(src, 'inner')
    assertPdsError(await p.call('/file/move', { drive_id: D, file_id: src, to_parent_file_id: inner }), 400, 'InvalidParameter.ToParentFileId', 'into itself')
    assertPdsError(await p.call('/file/move', { drive_id: D, file_id: f, to_parent_file_id: 'root', to_drive_id: '999' }), 400, 'InvalidParameterNotSupported', 'other drive')
  })

  test('copy: 201 with the new file_id; a folder copies its contents; the copy is charged', async () => {
    const dir = await p.mkdir('root', 'cp')
    await p.upload(dir, 'one.txt', '12345')
    const before = (await p.call('/drive/get', { drive_id: D })).json.used_size as number
    const r = await p.call('/file/copy', { drive_id: D, file_id: dir, to_parent_file_id: 'root', new_name: 'cp-copy' })
    assert.equal(r.status, 201)
    assert.equal(r.json.async_task_id, '')
    assert.notEqual(r.json.file_id, dir)
    assert.deepEqual(await names(r.json.file_id), ['one.txt'])
    assert.equal((await p.call('/drive/get', { drive_id: D })).json.used_size, before + 5)
    const again = await p.call('/file/copy', { drive_id: D, file_id: dir, to_parent_file_id: 'root', new_name: 'cp-copy', check_name_mode: 'refuse' })
    assert.equal(again.json.exist, true)
  })
})

describe('file operations on items in the recycle bin are refused', () => {
  test('ForbiddenFileInTheRecycleBin for the trashed item and for anything inside a trashed folder', async () => {
    const dir = await p.mkdir('root', 'doomed')
    const inside = (await p.upload(dir, 'inside.txt', 'in')).file_id as string
    const alone = (await p.upload('root', 'alone.txt', 'al')).file_id as string
    assert.equal((await p.call('/recyclebin/trash', { drive_id: D, file_id: dir })).status, 204)
    assert.equal((await p.call('/recyclebin/trash', { drive_id: D, file_id: alone })).status, 204)
    for (const id of [dir, inside, alone]) {
      const calls: [string, Record<string, unknown>][] = [
        ['/file/get', { drive_id: D, file_id: id }],
        ['/file/update', { drive_id: D, file_id: id, name: 'renamed' }],
        ['/file/move', { drive_id: D, file_id: id, to_parent_file_id: 'root' }],
        ['/file/copy', { drive_id: D, file_id: id, to_parent_file_id: 'root' }],
        ['/file/get_download_url', { drive_id: D, file_id: id }],
        ['/recyclebin/trash', { drive_id: D, file_id: id }],
      ]
      for (const [path, body] of calls) assertPdsError(await p.call(path, body), 403, 'ForbiddenFileInTheRecycleBin', `${path} ${id}`)
    }
    assertPdsError(await p.call('/file/list', { drive_id: D, parent_file_id: dir }), 403, 'ForbiddenFileInTheRecycleBin', 'list a trashed folder')
    assertPdsError(await p.call('/file/create', { drive_id: D, parent_file_id: dir, name: 'x', type: 'folder' }), 403, 'ForbiddenFileInTheRecycleBin', 'create inside')
    assertPdsError(await p.call('/file/create', { drive_id: D, parent_file_id: dir, name: 'x', type: 'file', size: 1 }), 403, 'ForbiddenFileInTheRecycleBin', 'upload inside')
    assertPdsError(await p.call('/file/move', { drive_id: D, file_id: (await p.upload('root', 'mover.txt', 'm')).file_id, to_parent_file_id: dir }), 403, 'ForbiddenFileInTheRecycleBin', 'move into')
    // Never listed where they were.
    const rootNames = await names('root')
    assert.ok(!rootNames.includes('doomed') && !rootNames.includes('alone.txt'))
  })
})
