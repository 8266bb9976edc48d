/**
 * The fuzz suite's own guarantees: every route of the app belongs to a dialect descriptor (so no endpoint escapes the
 * fuzzer or the authorisation matrix), CI runs at least 20,000 cases, the state snapshot notices every kind of change
 * (and nothing else), each dialect's error-format check tells its format from others, and the engine does fail when a
 * route misbehaves.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { makeWorld, type Res, type World } from '../support/reliability/world.ts'
import { DIALECTS, INFRASTRUCTURE } from '../support/reliability/dialects/index.ts'
import { native } from '../support/reliability/dialects/native.ts'
import { diffSnapshots } from '../support/reliability/snapshot.ts'
import { fuzzDialect, plannedCases } from '../support/reliability/fuzz.ts'
import { routesOf, toWire, type Draft } from '../support/reliability/dialect.ts'
import type { RouteInfo } from '../support/reliability/route-registry.ts'

let w: World
before(async () => {
  w = await makeWorld()
})
after(async () => {
  await w?.close()
})

const FASTIFY_DEFAULT_ERROR: Res = {
  status: 400,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(''),
  text: '{"error":"Bad Request","code":"FST_ERR_BAD_URL","message":"bad","statusCode":400}',
  json: { error: 'Bad Request', code: 'FST_ERR_BAD_URL', message: 'bad', statusCode: 400 },
}

describe('route registry', () => {
  it('every route the app registers belongs to exactly one dialect descriptor, or is documentation/metrics/health/UI', () => {
    const problems: string[] = []
    for (const r of w.routes) {
      const owners = DIALECTS.filter((d) => d.owns(r)).map((d) => d.name)
      const infra = INFRASTRUCTURE.some((re) => re.test(r.url))
      if (owners.length + (infra ? 1 : 0) !== 1) problems.push(`${r.key}: owned by ${[...owners, ...(infra ? ['infrastructure'] : [])].join(', ') || 'nobody'}`)
    }
    assert.deepEqual(problems, [], 'a route outside every descriptor is neither fuzzed nor in the matrix: add a descriptor in test/support/reliability/dialects/')
    for (const d of DIALECTS) assert.ok(routesOf(d, w.routes).length > 0, `${d.name} owns no route`)
  })

  it('infrastructure routes take no input: anonymous GETs with hostile queries never fail', async () => {
    for (const r of w.routes.filter((x) => INFRASTRUCTURE.some((re) => re.test(x.url)) && x.method === 'GET' && !x.params.length)) {
      const res = await w.send({ method: 'GET', path: r.url, query: 'x=%FF&__proto__=1&limit=-1' })
      assert.ok(res.status < 500, `${r.key}: ${res.status}`)
    }
  })

  it('CI runs at least 20,000 fuzz cases', () => {
    const n = plannedCases(DIALECTS, w.routes, 1)
    console.log(`fuzz plan: ${n} cases over ${DIALECTS.map((d) => `${d.name} ${routesOf(d, w.routes).length} routes`).join(', ')}`)
    assert.ok(n >= 20_000, `only ${n} cases planned`)
  })
})

describe('state snapshot', () => {
  it('sees an upload, a rename, a row written by another connection and a stray file; ignores reads and rolled-back work', async () => {
    const fx = await w.fixtures('a')
    const auth = { authorization: `Bearer ${w.a.admin.token}` }
    const s0 = await w.snap.take()
    assert.deepEqual(diffSnapshots(s0, await w.snap.take()), [])

    // A read, a refused write and a dry run (a transaction rolled back) change nothing.
    await w.send({ method: 'GET', path: `/trove/v1/spaces/${fx.spaceId}/folders/root/children`, headers: auth })
    await w.send({ method: 'POST', path: `/trove/v1/spaces/${fx.spaceId}/folders`, headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'a/b' }) })
    const dry = await w.send({ method: 'POST', path: `/trove/v1/spaces/${fx.spaceId}/trash/restore`, headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify({ entryIds: [fx.entryFileId], dryRun: true }) })
    assert.equal(dry.status, 200, dry.text)
    assert.deepEqual(diffSnapshots(s0, await w.snap.take()), [])

    // An accepted upload: new rows and a new blob file.
    const up = await w.send({ method: 'PUT', path: `/trove/v1/spaces/${fx.spaceId}/files`, query: 'name=snapshot-self-test.bin', headers: { ...auth, 'content-type': 'application/octet-stream' }, payload: Buffer.from('bytes nobody uploaded before ' + Date.now()) })
    assert.equal(up.status, 201, up.text)
    const s1 = await w.snap.take()
    const d1 = diffSnapshots(s0, s1)
    assert.ok(d1.some((x) => x.startsWith('table nodes:')), d1.join('; '))
    assert.ok(d1.some((x) => x.startsWith('file new: blobs/')), d1.join('; '))

    // A rename: same row count, different content.
    const ren = await w.send({ method: 'PATCH', path: `/trove/v1/spaces/${fx.spaceId}/nodes/${up.json.id}`, headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'renamed.bin' }) })
    assert.equal(ren.status, 200, ren.text)
    const s2 = await w.snap.take()
    assert.ok(diffSnapshots(s1, s2).includes(`table nodes: rows changed (${s1.tables.nodes.count} rows)`), diffSnapshots(s1, s2).join('; '))

    // Another connection (a CLI, another process) writing a row.
    if (w.c.config.db.kind === 'sqlite') {
      const other = new Database(w.c.config.db.file)
      other.pragma('busy_timeout = 5000')
      other.prepare('update spaces set name = ? where id = ?').run('changed elsewhere', Number(fx.spaceId))
      other.close()
      const s3 = await w.snap.take()
      assert.ok(diffSnapshots(s2, s3).some((x) => x.startsWith('table spaces: rows changed')), diffSnapshots(s2, s3).join('; '))
    }

    // A stray file anywhere in the data directory (a staging file left behind, say), and its removal.
    const before = await w.snap.take()
    const stray = path.join(w.dataDir, 'blobs', 'staging-stray-self-test')
    fs.writeFileSync(stray, 'left behind')
    assert.deepEqual(diffSnapshots(before, await w.snap.take()), ['file new: blobs/staging-stray-self-test:11'])
    fs.rmSync(stray)
    assert.deepEqual(diffSnapshots(before, await w.snap.take()), [])
  })
})

describe('error formats', () => {
  for (const d of DIALECTS) {
    it(`${d.name}: its own refusal passes its check; Fastify's default error body and the other dialects' refusals do not`, async () => {
      const fx = await w.fixtures('a')
      const refusalOf = async (x: typeof d) => {
        const draft: Draft = { method: 'GET', path: `${x.prefix}/no-such-route-${Date.now()}`, query: [], headers: {} }
        x.authenticate(draft, w.a.admin, w)
        return w.send(toWire(draft))
      }
      const own = await refusalOf(d)
      assert.ok(own.status >= 400 && own.status < 500, `${d.name}: ${own.status} ${own.text}`)
      assert.equal(d.errorFormat(own), null, own.text)
      assert.notEqual(d.errorFormat(FASTIFY_DEFAULT_ERROR), null)
      for (const other of DIALECTS.filter((x) => x !== d)) {
        const theirs = await refusalOf(other)
        assert.notEqual(d.errorFormat(theirs), null, `${d.name} accepted ${other.name}'s error ${theirs.text}`)
      }
      assert.ok(fx)
    })
  }
})

describe('the engine can fail', () => {
  const fake = (behaviour: 'writes' | 'crashes' | 'wrong-format'): { world: World; route: RouteInfo } => {
    const route: RouteInfo = { method: 'POST', url: `/trove/v1/self-test/${behaviour}`, params: [], schema: {}, derivedHead: false, key: `POST /trove/v1/self-test/${behaviour}` }
    const world: World = {
      ...w,
      routes: [route],
      async send(x) {
        if (!x.path.startsWith('/trove/v1/self-test/')) return w.send(x)
        if (behaviour === 'writes') await w.c.nodes.createFolder(w.a.actor, w.a.spaceId, 'root', `written-by-a-refusal-${Math.random()}`)
        const status = behaviour === 'crashes' ? 500 : 400
        const json = behaviour === 'wrong-format' ? { message: 'nope' } : { error: { code: 'validation.failed', message: 'nope' } }
        return { status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(json)), text: JSON.stringify(json), json }
      },
    }
    return { world, route }
  }
  for (const [behaviour, message] of [
    ['writes', /a refused request changed state \(.*table nodes: \d+ → \d+ rows/],
    ['crashes', /^5xx/],
    ['wrong-format', /not a native error/],
  ] as const) {
    it(`reports a route that ${behaviour === 'writes' ? 'writes and then refuses' : behaviour === 'crashes' ? 'answers 500' : 'refuses in another format'}`, async () => {
      const { world, route } = fake(behaviour)
      const errors: unknown[] = []
      await fuzzDialect(
        async (_name, fn) => {
          try {
            await fn()
          } catch (e) {
            errors.push(e)
          }
        },
        { ...native, runsPerRoute: 5 },
        world,
        { routes: [route] },
      )
      assert.equal(errors.length, 1)
      assert.match((errors[0] as Error).message, message)
    })
  }
})
