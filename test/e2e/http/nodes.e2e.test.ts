import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { makeHttp, sha256, type HttpHarness, type Res } from '../../support/http.ts'

function assertError(r: Res, status: number, code: string): void {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status} ${r.text}`)
  assert.equal(r.json?.error?.code, code, r.text)
  assert.equal(typeof r.json.error.message, 'string')
}

const names = (r: Res) => r.json.items.map((n: { name: string }) => n.name)

describe('folders', () => {
  let t: HttpHarness
  before(async () => {
    t = await makeHttp()
  })
  after(async () => {
    await t?.close()
  })

  it('creates a folder (201) with its wire shape', async () => {
    const r = await t.mkdir('Projects')
    assert.equal(r.status, 201, r.text)
    assert.match(r.json.id, /^[1-9][0-9]*$/)
    assert.equal(r.json.spaceId, t.spaceId)
    assert.equal(r.json.name, 'Projects')
    assert.equal(r.json.kind, 'folder')
    assert.equal(r.json.sizeBytes, 0)
    assert.equal(r.json.itemCount, 0)
    assert.equal(r.json.sha256, null)
    assert.equal(r.json.createdBy, 'admin')
    assert.equal(r.json.createdAt, new Date(t.clock.now()).toISOString())
    const got = await t.req('GET', t.sp(`/nodes/${r.json.id}`))
    assert.equal(got.status, 200)
    assert.equal(got.json.path, '/Projects')
    const child = await t.mkdir('2026', r.json.id)
    assert.equal(child.status, 201, child.text)
    assert.equal(child.json.parentId, r.json.id)
    assert.equal((await t.req('GET', t.sp(`/nodes/${child.json.id}`))).json.path, '/Projects/2026')
  })

  it('409 node.name_conflict on a duplicate name; onConflict=rename numbers it', async () => {
    assert.equal((await t.mkdir('dup')).status, 201)
    assertError(await t.mkdir('dup'), 409, 'node.name_conflict')
    const renamed = await t.req('POST', t.sp('/folders'), { json: { parentId: 'root', name: 'dup', onConflict: 'rename' } })
    assert.equal(renamed.status, 201, renamed.text)
    assert.equal(renamed.json.name, 'dup (1)')
    // a file and a folder share the namespace
    assert.equal((await t.upload('clash', 'x')).status, 201)
    assertError(await t.mkdir('clash'), 409, 'node.name_conflict')
  })

  it('400 node.invalid_name for `..`, `.`, `a/b`, NUL, control characters and names over 255 bytes', async () => {
    const before = names(await t.req('GET', t.sp('/folders/root/children?limit=1000')))
    for (const bad of ['..', '.', 'a/b', '/', 'a\u0000b', '\u0000', 'line\nbreak', 'a'.repeat(300), 'é'.repeat(128), ' lead', 'trail ', '']) {
      assertError(await t.mkdir(bad), 400, 'node.invalid_name')
    }
    // 255 bytes is the limit, not over it
    assert.equal((await t.mkdir('é'.repeat(127) + 'x')).status, 201)
    // a percent-encoded NUL in a query string is decoded, then refused
    const r = await t.req('PUT', `${t.sp('/files')}?parentId=root&name=%00`, { body: 'nul', headers: { 'content-type': 'text/plain' } })
    assertError(r, 400, 'node.invalid_name')
    assertError(await t.req('PUT', `${t.sp('/files')}?parentId=root&name=a%2Fb`, { body: 'x' }), 400, 'node.invalid_name')
    assertError(await t.req('PUT', `${t.sp('/files')}?parentId=root&name=..`, { body: 'x' }), 400, 'node.invalid_name')
    assertError(await t.req('PUT', `${t.sp('/files')}?parentId=root&name=${'b'.repeat(300)}`, { body: 'x' }), 400, 'node.invalid_name')
    const after = names(await t.req('GET', t.sp('/folders/root/children?limit=1000')))
    assert.deepEqual(after, [...before, 'é'.repeat(127) + 'x'].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))
  })

  it('404 node.not_found for an unknown parent and 400 node.not_a_folder for a file parent', async () => {
    assertError(await t.mkdir('x', '999999'), 404, 'node.not_found')
    assertError(await t.mkdir('x', 'abc'), 404, 'node.not_found')
    const f = await t.upload('plain.txt', 'plain')
    assertError(await t.mkdir('x', f.json.id), 400, 'node.not_a_folder')
    assertError(await t.req('GET', t.sp('/folders/999999/children')), 404, 'node.not_found')
  })
})

describe('listing', () => {
  let t: HttpHarness
  let dir: string
  const files: [string, number][] = [
    ['delta.txt', 40],
    ['alpha.txt', 10],
    ['echo.txt', 5],
    ['charlie.txt', 30],
    ['bravo.txt', 20],
  ]
  before(async () => {
    t = await makeHttp()
    dir = (await t.mkdir('list')).json.id
    for (const [name, size] of files) {
      t.clock.advance(1000)
      assert.equal((await t.upload(name, Buffer.alloc(size, name[0]), { parentId: dir })).status, 201)
    }
  })
  after(async () => {
    await t?.close()
  })

  const pageAll = async (query: string) => {
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const r: Res = await t.req('GET', t.sp(`/folders/${dir}/children?limit=2&${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`))
      assert.equal(r.status, 200, r.text)
      assert.ok(r.json.items.length <= 2)
      seen.push(...names(r))
      cursor = r.json.nextCursor
      pages++
      assert.ok(pages < 10, 'cursor never ends')
    } while (cursor)
    return { seen, pages }
  }

  it('pages through a folder with cursors, by name asc by default', async () => {
    const { seen, pages } = await pageAll('')
    assert.deepEqual(seen, ['alpha.txt', 'bravo.txt', 'charlie.txt', 'delta.txt', 'echo.txt'])
    assert.equal(pages, 3)
    const all = await t.req('GET', t.sp(`/folders/${dir}/children`))
    assert.equal(all.json.nextCursor, null)
    assert.equal(all.json.folder.id, dir)
    assert.equal(all.json.folder.itemCount, 5)
    assert.equal(all.json.folder.sizeBytes, 105)
  })

  it('sorts by name desc, size and modified', async () => {
    assert.deepEqual((await pageAll('sort=name&order=desc')).seen, ['echo.txt', 'delta.txt', 'charlie.txt', 'bravo.txt', 'alpha.txt'])
    assert.deepEqual((await pageAll('sort=size&order=asc')).seen, ['echo.txt', 'alpha.txt', 'bravo.txt', 'charlie.txt', 'delta.txt'])
    assert.deepEqual((await pageAll('sort=size&order=desc')).seen, ['delta.txt', 'charlie.txt', 'bravo.txt', 'alpha.txt', 'echo.txt'])
    assert.deepEqual((await pageAll('sort=modified&order=asc')).seen, files.map(([n]) => n))
    assert.deepEqual((await pageAll('sort=created&order=desc')).seen, files.map(([n]) => n).reverse())
  })

  it('refuses a malformed cursor, a cursor of another sort, a bad limit and a bad sort', async () => {
    assertError(await t.req('GET', t.sp(`/folders/${dir}/children?cursor=not-a-cursor`)), 400, 'cursor.invalid')
    const first = await t.req('GET', t.sp(`/folders/${dir}/children?limit=2&sort=name`))
    assertError(await t.req('GET', t.sp(`/folders/${dir}/children?limit=2&sort=size&cursor=${first.json.nextCursor}`)), 400, 'cursor.invalid')
    const forged = Buffer.from(JSON.stringify({ s: 'name:asc', k: 'x', i: 'DROP' })).toString('base64url')
    assertError(await t.req('GET', t.sp(`/folders/${dir}/children?cursor=${forged}`)), 400, 'cursor.invalid')
    for (const q of ['limit=0', 'limit=-1', 'limit=abc', 'limit=1.5', 'limit=1001', 'sort=bogus', 'order=up']) {
      assertError(await t.req('GET', t.sp(`/folders/${dir}/children?${q}`)), 400, 'validation.failed')
    }
  })
})

describe('rename, move, copy, search', () => {
  let t: HttpHarness
  before(async () => {
    t = await makeHttp()
  })
  after(async () => {
    await t?.close()
  })

  it('renames with PATCH; 409 node.name_conflict on a taken name', async () => {
    const a = await t.upload('a.txt', 'aaa')
    await t.upload('b.txt', 'bbb')
    const r = await t.req('PATCH', t.sp(`/nodes/${a.json.id}`), { json: { name: 'a2.txt' } })
    assert.equal(r.status, 200, r.text)
    assert.equal(r.json.name, 'a2.txt')
    assert.equal(r.json.id, a.json.id)
    assertError(await t.req('PATCH', t.sp(`/nodes/${a.json.id}`), { json: { name: 'b.txt' } }), 409, 'node.name_conflict')
    assertError(await t.req('PATCH', t.sp(`/nodes/${a.json.id}`), { json: { name: 'x/y' } }), 400, 'node.invalid_name')
    assertError(await t.req('PATCH', t.sp('/nodes/root'), { json: { name: 'newroot' } }), 400, 'node.root_immutable')
    assert.deepEqual(names(await t.req('GET', t.sp('/folders/root/children'))), ['a2.txt', 'b.txt'])
  })

  it('moves with PATCH, keeping folder sizes right; 400 moving a folder into itself or below', async () => {
    const src = (await t.mkdir('src')).json.id
    const inner = (await t.mkdir('inner', src)).json.id
    const dst = (await t.mkdir('dst')).json.id
    const f = await t.upload('m.bin', Buffer.alloc(100, 1), { parentId: inner })
    const moved = await t.req('PATCH', t.sp(`/nodes/${f.json.id}`), { json: { parentId: dst } })
    assert.equal(moved.status, 200, moved.text)
    assert.equal(moved.json.parentId, dst)
    assert.equal((await t.req('GET', t.sp(`/nodes/${f.json.id}`))).json.path, '/dst/m.bin')
    assert.equal((await t.req('GET', t.sp(`/nodes/${src}`))).json.sizeBytes, 0)
    assert.equal((await t.req('GET', t.sp(`/nodes/${dst}`))).json.sizeBytes, 100)

    assertError(await t.req('PATCH', t.sp(`/nodes/${src}`), { json: { parentId: src } }), 400, 'node.move_into_itself')
    assertError(await t.req('PATCH', t.sp(`/nodes/${src}`), { json: { parentId: inner } }), 400, 'node.move_into_itself')
    assert.equal((await t.req('GET', t.sp(`/nodes/${src}`))).json.path, '/src')

    // conflict on move
    await t.upload('m.bin', 'other', { parentId: inner })
    assertError(await t.req('PATCH', t.sp(`/nodes/${f.json.id}`), { json: { parentId: inner } }), 409, 'node.name_conflict')
    const renamedMove = await t.req('PATCH', t.sp(`/nodes/${f.json.id}`), { json: { parentId: inner, onConflict: 'rename' } })
    assert.equal(renamedMove.status, 200, renamedMove.text)
    assert.equal(renamedMove.json.name, 'm (1).bin')

    // a folder moved with its content
    const mv = await t.req('PATCH', t.sp(`/nodes/${inner}`), { json: { parentId: dst, name: 'inner2' } })
    assert.equal(mv.status, 200, mv.text)
    assert.equal((await t.req('GET', t.sp(`/nodes/${f.json.id}`))).json.path, '/dst/inner2/m (1).bin')
  })

  it('copies a file (201, same content, charged to usage) and a folder', async () => {
    const usage0 = (await t.req('GET', t.sp('/usage'))).json
    const content = Buffer.from('copy me, please')
    const dir = (await t.mkdir('copies')).json.id
    const f = await t.upload('orig.txt', content, { parentId: dir })
    const c1 = await t.req('POST', t.sp(`/nodes/${f.json.id}/copy`), { json: { parentId: dir } })
    assert.equal(c1.status, 201, c1.text)
    assert.notEqual(c1.json.id, f.json.id)
    assert.equal(c1.json.name, 'orig (1).txt')
    assert.equal(c1.json.sha256, sha256(content))
    const dl = await t.req('GET', t.sp(`/nodes/${c1.json.id}/content`))
    assert.deepEqual(dl.body, content)
    assertError(await t.req('POST', t.sp(`/nodes/${f.json.id}/copy`), { json: { parentId: dir, onConflict: 'fail' } }), 409, 'node.name_conflict')

    const dcopy = await t.req('POST', t.sp(`/nodes/${dir}/copy`), { json: { parentId: 'root', name: 'copies-2' } })
    assert.equal(dcopy.status, 201, dcopy.text)
    assert.equal(dcopy.json.itemCount, 2)
    assert.equal(dcopy.json.sizeBytes, 2 * content.length)
    assert.deepEqual(names(await t.req('GET', t.sp(`/folders/${dcopy.json.id}/children`))), ['orig (1).txt', 'orig.txt'])
    assertError(await t.req('POST', t.sp(`/nodes/${dir}/copy`), { json: { parentId: dir } }), 400, 'node.move_into_itself')

    const usage1 = (await t.req('GET', t.sp('/usage'))).json
    assert.equal(usage1.liveBytes - usage0.liveBytes, 4 * content.length)
  })

  it('search finds visible items by case-insensitive substring and never shows trashed ones', async () => {
    const dir = (await t.mkdir('Reports')).json.id
    const keep = await t.upload('Quarterly-REPORT.txt', 'q', { parentId: dir })
    const gone = await t.upload('annual-report.txt', 'a')
    const hidden = (await t.mkdir('old-stuff')).json.id
    await t.upload('report-in-trashed-folder.txt', 'h', { parentId: hidden })
    assert.equal((await t.req('DELETE', t.sp(`/nodes/${gone.json.id}`))).status, 201)
    assert.equal((await t.req('DELETE', t.sp(`/nodes/${hidden}`))).status, 201)

    const r = await t.req('GET', t.sp('/search?q=RePoRt'))
    assert.equal(r.status, 200, r.text)
    assert.deepEqual(names(r).sort(), ['Quarterly-REPORT.txt', 'Reports'])
    const files = await t.req('GET', t.sp('/search?q=report&kind=file'))
    assert.deepEqual(files.json.items.map((n: { id: string }) => n.id), [keep.json.id])
    // paging through search
    const p1 = await t.req('GET', t.sp('/search?q=report&limit=1'))
    assert.equal(p1.json.items.length, 1)
    assert.ok(p1.json.nextCursor)
    const p2 = await t.req('GET', t.sp(`/search?q=report&limit=1&cursor=${p1.json.nextCursor}`))
    assert.equal(p2.json.items.length, 1)
    assert.equal(p2.json.nextCursor, null)
    assert.deepEqual([...names(p1), ...names(p2)].sort(), ['Quarterly-REPORT.txt', 'Reports'])
    // a like-wildcard is a literal character
    assert.deepEqual(names(await t.req('GET', t.sp('/search?q=%25'))), [])
    assertError(await t.req('GET', t.sp('/search?q=')), 400, 'validation.failed')
    assertError(await t.req('GET', t.sp('/search?q=report&cursor=@@@')), 400, 'cursor.invalid')
  })
})
