import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { runTrove, tempDir, removeDir, TroveServer, sha256, type Res } from '../support/http.ts'

function assertError(r: Res, status: number, code: string): void {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status} ${r.text}`)
  assert.equal(r.json?.error?.code, code, r.text)
}

/** Runs the CLI, expects exit 0 and exactly one JSON line on stdout. */
async function cliJson(dataDir: string, args: string[]): Promise<Record<string, unknown>> {
  const r = await runTrove([...args, '--json'], { TROVE_DATA_DIR: dataDir, TROVE_LOG_LEVEL: 'warn' })
  assert.equal(r.code, 0, `trove ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
  const lines = r.stdout.trim().split('\n')
  assert.equal(lines.length, 1, `expected one JSON line, got:\n${r.stdout}`)
  return JSON.parse(lines[0]) as Record<string, unknown>
}

describe('admin CLI', () => {
  let dataDir: string
  let server: TroveServer | undefined
  let libraryId: string
  let spaceA: string
  let spaceB: string
  let limitedToken: string
  let adminToken: string

  before(async () => {
    dataDir = await tempDir('trove-cli-')
  })
  after(async () => {
    await server?.stop()
    await removeDir(dataDir)
  })

  it('library, space and token create print the documented JSON', async () => {
    // The first command creates and migrates the data dir; later independent commands run side by side (each is a
    // Node start-up), SQLite's busy timeout serialising their writes.
    const lib = await cliJson(dataDir, ['library', 'create', '--name', 'Acme', '--multi-space'])
    assert.deepEqual(Object.keys(lib).sort(), ['libraryId', 'librarySecret'])
    assert.match(String(lib.libraryId), /^[a-z][a-z0-9]{11}$/)
    assert.ok(String(lib.librarySecret).length >= 16)
    libraryId = String(lib.libraryId)

    const [solo, a, b] = await Promise.all([
      cliJson(dataDir, ['library', 'create', '--name', 'Solo']),
      cliJson(dataDir, ['space', 'create', '--library', libraryId, '--quota', '1000000']),
      cliJson(dataDir, ['space', 'create', '--library', libraryId]),
    ])
    assert.deepEqual(Object.keys(solo).sort(), ['libraryId', 'librarySecret', 'spaceId'])
    assert.match(String(solo.spaceId), /^[1-9][0-9]*$/)
    assert.notEqual(solo.libraryId, libraryId)

    assert.deepEqual(Object.keys(a), ['spaceId'])
    assert.deepEqual(Object.keys(b), ['spaceId'])
    spaceA = String(a.spaceId)
    spaceB = String(b.spaceId)
    assert.match(spaceA, /^[1-9][0-9]*$/)
    assert.notEqual(spaceA, spaceB)

    const [tok, adm] = await Promise.all([
      cliJson(dataDir, ['token', 'create', '--library', libraryId, '--user', 'carol', '--space', spaceA, '--grant', 'upload_file,create_directory', '--ttl', '3600']),
      cliJson(dataDir, ['token', 'create', '--library', libraryId, '--user', 'boss', '--grant', 'admin']),
    ])
    assert.deepEqual(Object.keys(tok).sort(), ['accessToken', 'expiresIn'])
    assert.match(String(tok.accessToken), /^[0-9a-f]{64}$/)
    assert.equal(tok.expiresIn, 3600)
    limitedToken = String(tok.accessToken)

    assert.equal(adm.expiresIn, 86_400)
    adminToken = String(adm.accessToken)
  })

  it('bad input exits non-zero with a clear message and prints no JSON', async () => {
    const env = { TROVE_DATA_DIR: dataDir, TROVE_LOG_LEVEL: 'warn' }
    const cases: [string[], RegExp][] = [
      [['token', 'create', '--library', libraryId, '--user', 'x', '--grant', 'bogus', '--json'], /Unknown grant\(s\): bogus/],
      [['token', 'create', '--library', libraryId, '--user', 'x', '--grant', 'upload_file,bogus', '--json'], /Unknown grant\(s\): bogus/],
      [['token', 'create', '--library', 'nosuchlib', '--user', 'x', '--json'], /nosuchlib/],
      [['token', 'create', '--library', libraryId, '--user', 'bad user!', '--json'], /user id/i],
      [['token', 'create', '--library', libraryId, '--user', 'x', '--ttl', 'soon', '--json'], /--ttl must be a non-negative integer/],
      [['space', 'create', '--library', libraryId, '--quota', 'lots', '--json'], /--quota must be a non-negative integer/],
      [['space', 'create', '--library', 'nosuchlib', '--json'], /nosuchlib/],
      [['library', 'create', '--json'], /--name/],
    ]
    const results = await Promise.all(cases.map(([args]) => runTrove(args, env)))
    results.forEach((r, i) => {
      const [args, message] = cases[i]
      assert.notEqual(r.code, 0, `trove ${args.join(' ')} should fail\nstdout: ${r.stdout}`)
      assert.match(r.stderr, message, `trove ${args.join(' ')}: stderr was ${JSON.stringify(r.stderr)}`)
      assert.equal(r.stdout.trim(), '', `trove ${args.join(' ')} printed to stdout: ${r.stdout}`)
    })
  })

  it('the server on that data dir honours the CLI token: its space works, another space is 404', async () => {
    server = new TroveServer(dataDir)
    await server.start()
    assert.equal(server.credentials, null, 'no first-run credentials on a data dir that already has libraries')
    const as = (token: string) => ({ token })

    const space = await server.req('GET', `/trove/v1/spaces/${spaceA}`, as(limitedToken))
    assert.equal(space.status, 200, space.text)
    assert.equal(space.json.libraryId, libraryId)
    assert.equal(space.json.quotaBytes, 1_000_000)

    const content = Buffer.from('uploaded with a CLI token')
    const up = await server.req('PUT', `/trove/v1/spaces/${spaceA}/files?name=cli.txt`, { ...as(limitedToken), body: content })
    assert.equal(up.status, 201, up.text)
    assert.equal(up.json.createdBy, 'carol')
    assert.equal(up.json.sha256, sha256(content))
    const dl = await server.req('GET', `/trove/v1/spaces/${spaceA}/nodes/${up.json.id}/content`, as(limitedToken))
    assert.equal(dl.status, 200)
    assert.ok(dl.body.equals(content))
    assert.equal((await server.req('POST', `/trove/v1/spaces/${spaceA}/folders`, { ...as(limitedToken), json: { name: 'made-by-carol' } })).status, 201)
    // no delete grant
    assertError(await server.req('DELETE', `/trove/v1/spaces/${spaceA}/nodes/${up.json.id}`, as(limitedToken)), 403, 'auth.forbidden')

    assertError(await server.req('GET', `/trove/v1/spaces/${spaceB}`, as(limitedToken)), 404, 'space.not_found')
    assertError(await server.req('GET', `/trove/v1/spaces/${spaceB}/folders/root/children`, as(limitedToken)), 404, 'space.not_found')
    assertError(await server.req('PUT', `/trove/v1/spaces/${spaceB}/files?name=nope.txt`, { ...as(limitedToken), body: 'nope' }), 404, 'space.not_found')
    const listed = await server.req('GET', '/trove/v1/spaces', as(limitedToken))
    assert.deepEqual(listed.json.items.map((s: { id: string }) => s.id), [spaceA])

    // the library admin token sees both; space B stayed empty
    const all = await server.req('GET', '/trove/v1/spaces', as(adminToken))
    assert.deepEqual(all.json.items.map((s: { id: string }) => s.id).sort(), [spaceA, spaceB].sort())
    assert.deepEqual((await server.req('GET', `/trove/v1/spaces/${spaceB}/folders/root/children`, as(adminToken))).json.items, [])
    assertError(await server.req('GET', '/trove/v1/spaces', { token: 'ab'.repeat(32) }), 401, 'auth.unauthenticated')
  })
})

describe('CLI processes sharing one SQLite data dir', () => {
  it('several commands started at once on a fresh data dir take turns: each migrates or waits, none fails busy', async () => {
    // Every transaction takes SQLite's write lock when it begins and migrations run in one transaction, so concurrent
    // processes wait on the busy timeout instead of failing (a deferred transaction upgrading to a writer fails at once).
    for (let round = 0; round < 3; round++) {
      const dataDir = await tempDir('trove-cli-race-')
      try {
        const made = await Promise.all(['A', 'B', 'C', 'D'].map((name) => cliJson(dataDir, ['library', 'create', '--name', `${name}${round}`])))
        assert.equal(new Set(made.map((m) => m.libraryId)).size, 4)
        assert.equal(new Set(made.map((m) => m.spaceId)).size, 4, 'each single-space library got its own space')
      } finally {
        await removeDir(dataDir)
      }
    }
  })
})
