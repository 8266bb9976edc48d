import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs/promises'
import path from 'node:path'
import { createHash } from 'node:crypto'
import sharp from 'sharp'
import { makeHttp, NATIVE_PREFIX, tempDir, removeDir, type HttpHarness, type Res } from '../../support/http.ts'
import { makeHarness } from '../../support/harness.ts'
import { buildApp } from '../../../src/http/build-app.ts'
import { buildContainer } from '../../../src/app/container.ts'
import { loadConfig } from '../../../src/config/load-config.ts'
import { SESSION_IDLE_MS } from '../../../src/sessions/sessions.service.ts'

const V1 = NATIVE_PREFIX
const PASSWORD = 'correct horse battery'

function assertError(r: Res, status: number, code: string): void {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status} ${r.text}`)
  assert.equal(r.json?.error?.code, code, r.text)
}

/** The `name=value` of the session cookie a response sets, and its attributes. */
function sessionCookie(r: Res): { pair: string; value: string; attrs: string[] } {
  const line = r.headers['set-cookie']
  assert.ok(line, `no Set-Cookie in ${r.status} ${r.text}`)
  const [pair, ...attrs] = line.split(';').map((s) => s.trim())
  return { pair, value: pair.slice(pair.indexOf('=') + 1), attrs }
}

describe('web UI sessions', () => {
  let t: HttpHarness
  const cookieReq = (method: string, url: string, cookie: string, opts: { csrf?: string; json?: unknown } = {}) =>
    t.req(method, url, { token: null, json: opts.json, headers: { cookie, ...(opts.csrf ? { 'x-trove-csrf': opts.csrf } : {}) } })
  const signIn = async (userId = 'admin', password = PASSWORD) => {
    const r = await t.req('POST', `${V1}/session`, { token: null, json: { userId, password } })
    assert.equal(r.status, 200, r.text)
    return { r, cookie: sessionCookie(r).pair, csrf: r.json.csrfToken as string }
  }

  before(async () => {
    t = await makeHttp()
    await t.c.auth.setPassword(t.libraryId, 'admin', PASSWORD)
  })
  after(async () => {
    await t?.close()
  })

  it('signs in with the password: an HttpOnly SameSite=Lax cookie whose value is stored only as a hash', async () => {
    assertError(await t.req('POST', `${V1}/session`, { token: null, json: { userId: 'admin', password: 'wrong password' } }), 401, 'auth.unauthenticated')
    assertError(await t.req('POST', `${V1}/session`, { token: null, json: { userId: 'nobody', password: PASSWORD } }), 401, 'auth.unauthenticated')
    const { r } = await signIn()
    const c = sessionCookie(r)
    assert.match(c.pair, /^trove_session=[A-Za-z0-9_-]{43}$/)
    assert.ok(c.attrs.includes('HttpOnly'), c.attrs.join('; '))
    assert.ok(c.attrs.includes('SameSite=Lax'), c.attrs.join('; '))
    assert.ok(c.attrs.includes('Path=/'), c.attrs.join('; '))
    assert.ok(c.attrs.some((a) => /^Max-Age=\d+$/.test(a) && Number(a.slice(8)) > 86_400), c.attrs.join('; '))
    assert.equal(r.json.userId, 'admin')
    assert.equal(r.json.libraryId, t.libraryId)
    assert.deepEqual(r.json.grants, ['admin'], 'the first-run style admin (holding an admin token) signs in as admin')
    assert.deepEqual(r.json.spaces.map((s: { id: string }) => s.id), [t.spaceId])
    assert.match(r.json.csrfToken, /^[A-Za-z0-9_-]{20,}$/)
    const rows = await t.c.database.db.selectFrom('sessions' as never).selectAll().execute()
    const dump = JSON.stringify(rows)
    assert.ok(!dump.includes(c.value), 'the cookie value itself is stored')
    assert.ok(dump.includes(createHash('sha256').update(c.value).digest('hex')), 'the hash of the cookie value is not stored')
  })

  it('the cookie authenticates the native API; writes need the X-Trove-CSRF header of the session', async () => {
    const { cookie, csrf } = await signIn()
    const me = await cookieReq('GET', `${V1}/session`, cookie)
    assert.equal(me.status, 200, me.text)
    assert.equal(me.json.csrfToken, csrf)
    assert.equal((await cookieReq('GET', t.sp('/folders/root/children'), cookie)).status, 200)
    assertError(await cookieReq('POST', t.sp('/folders'), cookie, { json: { name: 'no-csrf' } }), 403, 'auth.forbidden')
    assertError(await cookieReq('POST', t.sp('/folders'), cookie, { json: { name: 'bad-csrf' }, csrf: csrf.slice(0, -2) + 'xx' }), 403, 'auth.forbidden')
    const ok = await cookieReq('POST', t.sp('/folders'), cookie, { json: { name: 'with-csrf' }, csrf })
    assert.equal(ok.status, 201, ok.text)
    const names = (await t.req('GET', t.sp('/folders/root/children'))).json.items.map((n: { name: string }) => n.name)
    assert.deepEqual(names, ['with-csrf'], 'a refused write changed something')
    // A bearer token still wins over a cookie, and a garbage cookie is a 401, not a fallback to anonymous.
    assert.equal((await t.req('GET', t.sp(), { headers: { cookie: 'trove_session=garbage' } })).status, 200)
    assertError(await cookieReq('GET', t.sp(), 'trove_session=garbage'), 401, 'auth.unauthenticated')
    await t.req('DELETE', t.sp(`/nodes/${ok.json.id}`))
  })

  it('sign-out ends the session everywhere and clears the cookie', async () => {
    const { cookie, csrf } = await signIn()
    assertError(await cookieReq('DELETE', `${V1}/session`, cookie), 403, 'auth.forbidden')
    const out = await cookieReq('DELETE', `${V1}/session`, cookie, { csrf })
    assert.equal(out.status, 204, out.text)
    assert.ok(sessionCookie(out).attrs.includes('Max-Age=0'))
    assertError(await cookieReq('GET', `${V1}/session`, cookie), 401, 'auth.unauthenticated')
    assertError(await cookieReq('GET', t.sp(), cookie), 401, 'auth.unauthenticated')
  })

  it('expires after the idle period unless used; use slides it', async () => {
    const { cookie } = await signIn()
    t.clock.advance(SESSION_IDLE_MS - 3_600_000 * 2)
    const used = await cookieReq('GET', t.sp(), cookie)
    assert.equal(used.status, 200, 'used within the idle period')
    assert.ok(used.headers['set-cookie']?.startsWith('trove_session='), 'a renewed session sends its cookie again')
    t.clock.advance(SESSION_IDLE_MS - 3_600_000)
    assert.equal((await cookieReq('GET', t.sp(), cookie)).status, 200, 'the use above pushed the expiry forward')
    t.clock.advance(SESSION_IDLE_MS + 1_000)
    assertError(await cookieReq('GET', t.sp(), cookie), 401, 'auth.unauthenticated')
  })

  it('a user without an admin token signs in as space_admin, never admin', async () => {
    await t.c.auth.setPassword(t.libraryId, 'carol', 'carols password')
    const { r, cookie, csrf } = await signIn('carol', 'carols password')
    assert.deepEqual(r.json.grants, ['space_admin'])
    assert.equal((await cookieReq('POST', t.sp('/folders'), cookie, { json: { name: 'carol' }, csrf })).status, 201)
    assertError(await cookieReq('POST', `${V1}/spaces`, cookie, { json: { name: 'x' }, csrf }), 403, 'auth.forbidden')
  })

  it('another API node over the same database accepts the cookie (sessions are not node-local)', async (ctx) => {
    if (process.env.TROVE_TEST_DB === 'postgres') return ctx.skip('the second node reuses the SQLite file of the harness')
    const { cookie } = await signIn()
    const other = await buildContainer(loadConfig({ TROVE_DATA_DIR: t.dataDir }), { clock: t.clock })
    const app = await buildApp(other)
    try {
      const r = await app.inject({ method: 'GET', url: `${V1}/session`, headers: { cookie } })
      assert.equal(r.statusCode, 200, r.body)
      assert.equal(r.json().userId, 'admin')
    } finally {
      await app.close()
      await other.close()
    }
  })
})

describe('thumbnails', () => {
  let t: HttpHarness
  before(async () => {
    t = await makeHttp()
  })
  after(async () => {
    await t?.close()
  })

  it('makes a 256×256 WebP of an image, caches it by content hash, and refuses non-images', async () => {
    const png = await sharp({ create: { width: 640, height: 400, channels: 3, background: { r: 200, g: 40, b: 90 } } }).png().toBuffer()
    const up = await t.upload('red.png', png, { contentType: 'image/png' })
    assert.equal(up.status, 201, up.text)
    const r = await t.req('GET', t.sp(`/nodes/${up.json.id}/thumbnail`))
    assert.equal(r.status, 200, r.text)
    assert.equal(r.headers['content-type'], 'image/webp')
    const meta = await sharp(r.body).metadata()
    assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 256, 256])
    const sha = up.json.sha256 as string
    const cached = path.join(t.dataDir, 'thumbnails', sha.slice(0, 2), `${sha}-256.webp`)
    assert.deepEqual(await fs.readFile(cached), r.body)
    const again = await t.req('GET', t.sp(`/nodes/${up.json.id}/thumbnail`), { headers: { 'if-none-match': r.headers.etag! } })
    assert.equal(again.status, 304)

    const txt = await t.upload('notes.txt', 'hello', { contentType: 'text/plain' })
    assertError(await t.req('GET', t.sp(`/nodes/${txt.json.id}/thumbnail`)), 400, 'validation.failed')
    const fake = await t.upload('fake.jpg', 'not really a jpeg')
    assertError(await t.req('GET', t.sp(`/nodes/${fake.json.id}/thumbnail`)), 400, 'validation.failed')
    assertError(await t.req('GET', t.sp('/nodes/root/thumbnail')), 400, 'node.is_folder')
    assertError(await t.req('GET', t.sp(`/nodes/${up.json.id}/thumbnail`), { token: null }), 401, 'auth.unauthenticated')
    await t.req('DELETE', t.sp(`/nodes/${up.json.id}`))
    assertError(await t.req('GET', t.sp(`/nodes/${up.json.id}/thumbnail`)), 404, 'node.not_found')
  })
})

describe('bin sorted by original location and by remover', () => {
  let t: HttpHarness
  before(async () => {
    t = await makeHttp()
  })
  after(async () => {
    await t?.close()
  })

  it('pages by cursor in the order of the column, both ways', async () => {
    const removers = ['zoe', 'bob', 'amy']
    for (const dir of ['b', 'a', 'c']) {
      const folder = await t.mkdir(dir)
      for (let i = 0; i < 3; i++) {
        const f = await t.upload(`f${i}.txt`, `${dir}${i}`, { parentId: folder.json.id })
        const token = await t.token({ userId: removers[i], grants: ['delete_file'] })
        assert.equal((await t.req('DELETE', t.sp(`/nodes/${f.json.id}`), { token })).status, 201)
      }
    }
    const all = (await t.req('GET', t.sp('/trash?limit=100'))).json.items as { id: string; originalPath: string; removedBy: string }[]
    for (const [sort, key] of [
      ['path', 'originalPath'],
      ['removedBy', 'removedBy'],
    ] as const) {
      for (const order of ['asc', 'desc'] as const) {
        const want = [...all].sort((x, y) => (x[key] < y[key] ? -1 : x[key] > y[key] ? 1 : Number(x.id) - Number(y.id)) * (order === 'asc' ? 1 : -1)).map((e) => e.id)
        const got: string[] = []
        let cursor: string | null = null
        do {
          const r: Res = await t.req('GET', t.sp(`/trash?sort=${sort}&order=${order}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`))
          assert.equal(r.status, 200, r.text)
          got.push(...r.json.items.map((e: { id: string }) => e.id))
          cursor = r.json.nextCursor
        } while (cursor)
        assert.deepEqual(got, want, `${sort} ${order}`)
      }
    }
  })
})

describe('serving the web UI', () => {
  it('serves index.html at / and for page URLs, assets by path, and never shadows the API or service paths', async () => {
    const h = await makeHarness()
    const root = await tempDir('trove-webroot-')
    try {
      await fs.mkdir(path.join(root, 'assets'))
      await fs.writeFile(path.join(root, 'index.html'), '<!doctype html><title>Trove</title><div id="app"></div>')
      await fs.writeFile(path.join(root, 'assets', 'app-abc123.js'), 'console.log(1)')
      const app = await buildApp(h.c, { webRoot: root })
      const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers })
      try {
        for (const url of ['/', '/files/12', '/bin?sort=name', '/albums/3']) {
          const r = await get(url)
          assert.equal(r.statusCode, 200, url)
          assert.match(String(r.headers['content-type']), /^text\/html/, url)
          assert.match(r.body, /<div id="app">/, url)
        }
        const js = await get('/assets/app-abc123.js')
        assert.equal(js.statusCode, 200)
        assert.match(String(js.headers['cache-control']), /immutable/)
        assert.equal((await get('/assets/missing.js')).statusCode, 404)
        assert.equal((await get('/favicon.ico')).statusCode, 404)
        for (const url of [`${V1}/no-such-thing`, '/trove/x', '/api/v1/zzz', '/v2/zzz', '/koodrive/zzz', '/docs/zzz', '/metrics/x', '/healthz/x']) {
          const r = await get(url)
          assert.notEqual(r.statusCode, 200, url)
          assert.doesNotMatch(r.body, /<div id="app">/, `${url} answered with the web UI`)
        }
        assert.equal((await get('/healthz')).json().status, 'ok')
        assert.equal((await get('/openapi.json')).statusCode, 200)
        const post = await app.inject({ method: 'POST', url: '/files/12' })
        assert.equal(post.statusCode, 404)
      } finally {
        await app.close()
      }
      const bare = await buildApp(h.c, { webRoot: path.join(root, 'nothing-here') })
      try {
        const r = await bare.inject({ method: 'GET', url: '/' })
        assert.equal(r.statusCode, 503)
        assert.match(r.body, /npm run build:web/)
      } finally {
        await bare.close()
      }
    } finally {
      await removeDir(root)
      await h.close()
    }
  })
})
