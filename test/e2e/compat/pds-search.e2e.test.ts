/**
 * PDS conformance: file/search with the query language (name, type, parent_file_id, size, created_at/updated_at,
 * file_extension, category, mime_type, and/or/not, parentheses), order_by, marker paging, return_total_count; and
 * never anything in the recycle bin or under a trashed folder.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { assertPdsError, makePds, type Pds } from './pds-support.ts'

let p: Pds
let D: string
let docs: string
let photos: string
const T0 = Date.UTC(2026, 0, 1, 12)

async function search(query: string, extra: Record<string, unknown> = {}): Promise<string[]> {
  const r = await p.call('/file/search', { drive_id: D, query, limit: 100, ...extra })
  assert.equal(r.status, 200, `${query}: ${JSON.stringify(r.json)}`)
  return r.json.items.map((i: { name: string }) => i.name)
}
const sorted = async (query: string) => (await search(query)).sort()

before(async () => {
  p = await makePds()
  D = p.spaceId
  docs = await p.mkdir('root', 'docs')
  photos = await p.mkdir('root', 'photos')
  // One item per hour from T0, so times are predictable: hello.txt at T0+0h … vacation.jpg at T0+5h.
  const files: [string, string, string][] = [
    [docs, 'hello.txt', 'hello'],
    [docs, 'Hello World.md', 'hello world!'],
    [docs, 'report.pdf', 'x'.repeat(5000)],
    [photos, 'beach.JPG', 'j'.repeat(2000)],
    [photos, 'cat.png', 'p'.repeat(300)],
    [photos, 'vacation.jpg', 'v'.repeat(100)],
  ]
  p.h.clock.set(T0)
  for (const [parent, name, content] of files) {
    await p.upload(parent, name, content)
    p.h.clock.advance(3_600_000)
  }
  await p.mkdir(photos, 'hello-album')
})
after(() => p.close())

describe('the query language', () => {
  test('name: = exact, match (case-insensitive substring), prefix, in', async () => {
    assert.deepEqual(await sorted('name = "hello.txt"'), ['hello.txt'])
    assert.deepEqual(await sorted('name = "HELLO.TXT"'), [])
    assert.deepEqual(await sorted('name match "hello"'), ['Hello World.md', 'hello-album', 'hello.txt'])
    assert.deepEqual(await sorted('name prefix "hello"'), ['Hello World.md', 'hello-album', 'hello.txt'])
    assert.deepEqual(await sorted('name in ["cat.png", "report.pdf", "nope"]'), ['cat.png', 'report.pdf'])
    assert.deepEqual(await sorted('name match "100%"'), [], 'wildcards are literal')
  })

  test('the documented example: parent_file_id = "root" and name match …; type; parent_file_id in', async () => {
    assert.deepEqual(await sorted('parent_file_id = "root" and name match "o"'), ['docs', 'photos'])
    assert.deepEqual(await sorted('parent_file_id = "root" and name match "hello"'), [])
    assert.deepEqual(await sorted(`parent_file_id = "${photos}" and type = "folder"`), ['hello-album'])
    assert.deepEqual(await sorted(`type = "file" and parent_file_id = "${docs}"`), ['Hello World.md', 'hello.txt', 'report.pdf'])
    assert.deepEqual(await sorted(`parent_file_id in ["${docs}", "${photos}"] and type != "file"`), ['hello-album'])
  })

  test('size (files only) and times, with dates as PDS writes them (UTC, no zone)', async () => {
    assert.deepEqual(await sorted('size > 1000'), ['beach.JPG', 'report.pdf'])
    assert.deepEqual(await sorted('size >= 300 and size <= 2000'), ['beach.JPG', 'cat.png'])
    assert.deepEqual(await sorted('size = 5'), ['hello.txt'])
    assert.deepEqual(await sorted('size < 1 and type = "folder"'), [], 'a folder has no size')
    assert.deepEqual(await sorted('created_at >= "2026-01-01T15:00:00" and type = "file"'), ['beach.JPG', 'cat.png', 'vacation.jpg'])
    assert.deepEqual(await sorted('created_at < "2026-01-01T13:00:00" and type = "file"'), ['hello.txt'])
    assert.deepEqual(await sorted('updated_at > "2026-01-01T16:30:00Z" and type = "file"'), ['vacation.jpg'])
    assert.deepEqual(await sorted('created_at > "2026-01-02" and type = "file"'), [])
  })

  test('file_extension, category, mime_type; and/or/not with parentheses', async () => {
    assert.deepEqual(await sorted('file_extension = "jpg"'), ['beach.JPG', 'vacation.jpg'])
    assert.deepEqual(await sorted('file_extension in ["png", "pdf"]'), ['cat.png', 'report.pdf'])
    assert.deepEqual(await sorted('category = "image"'), ['beach.JPG', 'cat.png', 'vacation.jpg'])
    assert.deepEqual(await sorted('category = "doc"'), ['Hello World.md', 'hello.txt', 'report.pdf'])
    assert.deepEqual(await sorted('mime_type prefix "application/"'), ['Hello World.md', 'beach.JPG', 'cat.png', 'hello.txt', 'report.pdf', 'vacation.jpg'])
    assert.deepEqual(await sorted('(category = "image" or name match "report") and size > 1000'), ['beach.JPG', 'report.pdf'])
    assert.deepEqual(await sorted('category = "image" and not file_extension = "png"'), ['beach.JPG', 'vacation.jpg'])
    assert.deepEqual(await sorted('not (type = "file") and not name = "photos"'), ['docs', 'hello-album'])
    assert.deepEqual(await sorted('starred = true'), [])
    assert.deepEqual((await sorted('hidden = false and type = "folder"')).length, 3)
  })

  test('syntax and unsupported fields or operators are 400 with a useful message', async () => {
    for (const q of ['name = ', 'name "x"', '(name = "x"', 'name = "x" and', 'name = "unterminated', 'size > "big"', 'created_at > "yesterday"', 'type = "link"']) {
      const r = await p.call('/file/search', { drive_id: D, query: q })
      assertPdsError(r, 400, 'InvalidParameter.Query', q)
    }
    assertPdsError(await p.call('/file/search', { drive_id: D, query: 'owner = "me"' }), 400, 'InvalidParameterNotSupported', 'field')
    assertPdsError(await p.call('/file/search', { drive_id: D, query: 'size match "1"' }), 400, 'InvalidParameterNotSupported', 'operator')
    assertPdsError(await p.call('/file/search', { drive_id: D, query: 'x'.repeat(4097) }), 400, 'InvalidParameterOutOfRange', 'length')
    assertPdsError(await p.call('/file/search', { query: 'name = "x"' }), 400, 'InvalidParameterMissing', 'drive')
  })
})

describe('ordering and paging', () => {
  test('order_by on the first key, marker to the end, return_total_count', async () => {
    const bySize = await search('type = "file"', { order_by: 'size DESC' })
    assert.deepEqual(bySize, ['report.pdf', 'beach.JPG', 'cat.png', 'vacation.jpg', 'Hello World.md', 'hello.txt'])
    assert.deepEqual(await search('type = "file"', { order_by: 'created_at DESC,name ASC' }), ['vacation.jpg', 'cat.png', 'beach.JPG', 'report.pdf', 'Hello World.md', 'hello.txt'])
    assert.deepEqual(await search('type = "file"', { order_by: 'name' }), ['Hello World.md', 'beach.JPG', 'cat.png', 'hello.txt', 'report.pdf', 'vacation.jpg'])
    assertPdsError(await p.call('/file/search', { drive_id: D, query: '', order_by: 'owner ASC' }), 400, 'InvalidParameterNotSupported', 'order_by')
    const seen: string[] = []
    let marker = ''
    let total = -1
    for (let pages = 0; pages < 20; pages++) {
      const r = await p.call('/file/search', { drive_id: D, query: 'type = "file"', order_by: 'updated_at ASC', limit: 4, marker, return_total_count: true })
      total = r.json.total_count
      seen.push(...r.json.items.map((i: { name: string }) => i.name))
      marker = r.json.next_marker
      if (!marker) break
    }
    assert.equal(total, 6)
    assert.deepEqual(seen, ['hello.txt', 'Hello World.md', 'report.pdf', 'beach.JPG', 'cat.png', 'vacation.jpg'])
    assertPdsError(await p.call('/file/search', { drive_id: D, query: '', limit: 101 }), 400, 'InvalidParameterOutOfRange', 'limit')
  })
})

describe('the recycle bin is never searched', () => {
  test('a trashed file, and everything under a trashed folder, disappear at once and come back on restore', async () => {
    const all = await sorted('type = "file"')
    assert.equal(all.length, 6)
    const cat = (await p.call('/file/search', { drive_id: D, query: 'name = "cat.png"' })).json.items[0].file_id
    assert.equal((await p.call('/recyclebin/trash', { drive_id: D, file_id: cat })).status, 204)
    assert.deepEqual(await sorted('name = "cat.png"'), [])
    assert.equal((await p.call('/recyclebin/trash', { drive_id: D, file_id: docs })).status, 204)
    // No lag (PDS's FAQ 1): the folder's contents are gone from search in the same instant.
    assert.deepEqual(await sorted('type = "file"'), ['beach.JPG', 'vacation.jpg'])
    assert.deepEqual(await sorted('name match "hello"'), ['hello-album'])
    assert.deepEqual(await sorted(`parent_file_id = "${docs}"`), [])
    assert.equal((await p.call('/file/search', { drive_id: D, query: '', return_total_count: true })).json.total_count, 4)
    assert.equal((await p.call('/recyclebin/restore', { drive_id: D, file_id: docs })).status, 204)
    assert.deepEqual(await sorted('name match "hello"'), ['Hello World.md', 'hello-album', 'hello.txt'])
    assert.deepEqual(await sorted('name = "cat.png"'), [])
  })
})
