import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { cli, cliJson, configHome, PASSWORD, startServer, type TestServer } from './cli-client-support.ts'

describe('CLI client: login, logout, whoami', () => {
  let server: TestServer
  const homes: string[] = []
  const home = async () => {
    const h = await configHome()
    homes.push(h)
    return h
  }

  before(async () => {
    server = await startServer()
  })
  after(async () => {
    await server?.close()
    for (const h of homes) await fsp.rm(h, { recursive: true, force: true })
  })

  it('logs in with the password on stdin and stores the token readable by the user only (0600)', async () => {
    const h = await home()
    const r = await cli(['login', server.url, '--user', 'alice', '--password-stdin'], { XDG_CONFIG_HOME: h }, PASSWORD + '\n')
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /Logged in to .* as alice/)
    const file = path.join(h, 'trove', 'credentials.json')
    const st = await fsp.stat(file)
    assert.equal(st.mode & 0o777, 0o600, `credentials mode is ${(st.mode & 0o777).toString(8)}`)
    assert.equal((await fsp.stat(path.dirname(file))).mode & 0o077, 0, 'the config directory is private too')
    const saved = JSON.parse(await fsp.readFile(file, 'utf8'))
    assert.equal(saved.url, server.url)
    assert.equal(saved.userId, 'alice')
    assert.equal(saved.spaceId, server.spaceId, 'the only space is remembered')
    assert.match(saved.accessToken, /^[0-9a-f]{64}$/)
    // The saved token works against the API directly, and whoami reports it.
    const me = await cliJson<{ userId: string; libraryId: string; grants: string[]; url: string; spaces: { id: string }[] }>(['whoami'], { XDG_CONFIG_HOME: h })
    assert.equal(me.userId, 'alice')
    assert.equal(me.libraryId, server.libraryId)
    assert.equal(me.url, server.url)
    assert.deepEqual(me.grants, ['space_admin'])
    assert.deepEqual(
      me.spaces.map((s) => s.id),
      [server.spaceId],
    )
  })

  it('logs in with TROVE_PASSWORD; logout revokes the token on the server and deletes the file', async () => {
    const h = await home()
    const login = await cliJson<{ userId: string; credentialsFile: string; expiresIn: number }>(['login', server.url, '-u', 'alice'], { XDG_CONFIG_HOME: h, TROVE_PASSWORD: PASSWORD })
    assert.equal(login.userId, 'alice')
    assert.equal(login.credentialsFile, path.join(h, 'trove', 'credentials.json'))
    assert.equal(login.expiresIn, 30 * 86_400)
    const token = JSON.parse(await fsp.readFile(login.credentialsFile, 'utf8')).accessToken as string
    const before = await fetch(`${server.url}/trove/v1/me`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(before.status, 200)

    const out = await cliJson<{ loggedOut: boolean; revoked: boolean }>(['logout'], { XDG_CONFIG_HOME: h })
    assert.deepEqual(out, { loggedOut: true, revoked: true, credentialsFile: login.credentialsFile })
    await assert.rejects(fsp.stat(login.credentialsFile), { code: 'ENOENT' })
    const after = await fetch(`${server.url}/trove/v1/me`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(after.status, 401, 'the token no longer works')

    const again = await cli(['whoami'], { XDG_CONFIG_HOME: h })
    assert.equal(again.code, 2, 'not logged in is a usage error')
    assert.match(again.stderr, /Not logged in[\s\S]*trove login URL/)
  })

  it('refuses a wrong password (exit 1, nothing stored) and a missing password without a terminal (exit 2)', async () => {
    const h = await home()
    const wrong = await cli(['login', server.url, '--user', 'alice', '--password-stdin', '--json'], { XDG_CONFIG_HOME: h }, 'not the password\n')
    assert.equal(wrong.code, 1)
    assert.equal(wrong.stdout, '')
    const err = JSON.parse(wrong.stderr.trim()).error
    assert.equal(err.code, 'auth.unauthenticated')
    assert.equal(err.exitCode, 1)
    await assert.rejects(fsp.stat(path.join(h, 'trove', 'credentials.json')), { code: 'ENOENT' })

    const none = await cli(['login', server.url, '--user', 'alice'], { XDG_CONFIG_HOME: h })
    assert.equal(none.code, 2)
    assert.match(none.stderr, /No password/)

    const unreachable = await cli(['login', 'http://127.0.0.1:9', '--user', 'alice', '--password-stdin'], { XDG_CONFIG_HOME: h }, PASSWORD + '\n')
    assert.equal(unreachable.code, 1)
    assert.match(unreachable.stderr, /Cannot reach the server[\s\S]*Is it running/)
  })

  it('TROVE_URL and TROVE_TOKEN override the stored credentials', async () => {
    const h = await home()
    const r = await cliJson<{ userId: string; tokenFrom: string }>(['whoami'], { XDG_CONFIG_HOME: h, TROVE_URL: server.url, TROVE_TOKEN: server.adminToken })
    assert.equal(r.userId, 'admin')
    assert.equal(r.tokenFrom, 'TROVE_TOKEN')
    const bad = await cli(['ls'], { XDG_CONFIG_HOME: h, TROVE_URL: server.url, TROVE_TOKEN: 'f'.repeat(64) })
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /invalid or has expired[\s\S]*trove login/)
  })

  it('POST /trove/v1/tokens: the only library is the default; with several, libraryId is required; admin is never granted', async () => {
    const post = (body: unknown) => fetch(`${server.url}/trove/v1/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const forbidden = await post({ userId: 'alice', password: PASSWORD, grants: ['admin'] })
    assert.equal(forbidden.status, 403)
    assert.equal(((await forbidden.json()) as { error: { code: string } }).error.code, 'auth.forbidden')
    const narrow = await post({ userId: 'alice', password: PASSWORD, grants: ['upload_file'], expiresIn: 600 })
    assert.equal(narrow.status, 201)
    const t = (await narrow.json()) as { grants: string[]; expiresIn: number; libraryId: string; tokenType: string }
    assert.deepEqual(t.grants, ['upload_file'])
    assert.equal(t.expiresIn, 600)
    assert.equal(t.tokenType, 'Bearer')

    await server.c.libraries.create({ name: 'second' })
    const ambiguous = await post({ userId: 'alice', password: PASSWORD })
    assert.equal(ambiguous.status, 400)
    assert.match(((await ambiguous.json()) as { error: { message: string } }).error.message, /libraryId/)
    const explicit = await post({ userId: 'alice', password: PASSWORD, libraryId: server.libraryId })
    assert.equal(explicit.status, 201)
    const wrongLib = await post({ userId: 'alice', password: PASSWORD, libraryId: 'nosuchlibrary' })
    assert.equal(wrongLib.status, 401)
  })
})
