import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { makeHttp, NATIVE_PREFIX, type HttpHarness } from '../../support/http.ts'
import { buildApp } from '../../../src/http/build-app.ts'
import { buildContainer } from '../../../src/app/container.ts'
import { loadConfig } from '../../../src/config/load-config.ts'
import { userKey } from '../../../src/users/sign-in-throttle.ts'
import { SignInThrottleRepository } from '../../../src/users/sign-in-throttle.repository.ts'
import type { App } from '../../../src/http/routes/types.ts'

/**
 * Password sign-in limits (src/users/sign-in-throttle.ts): per user name 5 failures in a row, then a wait that doubles
 * from 1 s up to 15 min; per client address 50 failures per 15 minutes; counted in the database, shared by
 * `POST /session` (web UI) and `POST /tokens` (`trove login`) and by every API node.
 */
const V1 = NATIVE_PREFIX
const PASSWORD = 'correct horse battery'
const WRONG = 'not the password'

interface Out {
  status: number
  code: string | undefined
  retryAfter: string | undefined
  body: string
  cookie: boolean
}

describe('password sign-in limits', () => {
  let t: HttpHarness
  let checks = 0
  let ipSeq = 0
  /** A client address of its own for each test, so the per-address counter of one test does not meet another's. */
  const freshIp = () => `198.51.100.${++ipSeq}`

  const post = async (route: 'session' | 'tokens', body: Record<string, unknown>, ip: string, app: App = t.app): Promise<Out> => {
    const r = await app.inject({ method: 'POST', url: `${V1}/${route}`, payload: body, remoteAddress: ip })
    const json = r.headers['content-type']?.toString().includes('json') ? (JSON.parse(r.body) as { error?: { code: string } }) : undefined
    return { status: r.statusCode, code: json?.error?.code, retryAfter: r.headers['retry-after'] as string | undefined, body: r.body, cookie: !!r.headers['set-cookie'] }
  }
  const counter = (key: string) => new SignInThrottleRepository(t.c.database.db).find(key)
  const session = (userId: string, password: string, ip: string, app?: App) => post('session', { userId, password }, ip, app)

  const assert401 = (o: Out) => {
    assert.equal(o.status, 401, o.body)
    assert.equal(o.code, 'auth.unauthenticated', o.body)
  }
  const assert429 = (o: Out, retryAfterSeconds: number) => {
    assert.equal(o.status, 429, o.body)
    assert.equal(o.code, 'auth.too_many_attempts', o.body)
    assert.equal(o.retryAfter, String(retryAfterSeconds), `Retry-After of ${o.body}`)
    assert.equal(JSON.parse(o.body).error.details.retryAfterSeconds, retryAfterSeconds)
    assert.ok(!o.cookie, 'a refused sign-in set a cookie')
  }

  before(async () => {
    t = await makeHttp()
    for (const u of ['alice', 'bob', 'carol', 'heidi', 'dave', 'erin', 'frank', 'grace']) await t.c.auth.setPassword(t.libraryId, u, PASSWORD)
    // Count password checks (each one is an scrypt): a refused attempt must not spend one.
    const original = t.c.auth.checkPassword.bind(t.c.auth)
    t.c.auth.checkPassword = async (...a: Parameters<typeof original>) => {
      checks++
      return original(...a)
    }
  })
  after(async () => {
    await t?.close()
  })

  it('5 wrong passwords, then even the right one is refused with 429 and Retry-After until the window passes; a success starts the count again', async () => {
    const ip = freshIp()
    for (let i = 0; i < 5; i++) assert401(await session('alice', WRONG, ip))
    const before = checks
    assert429(await session('alice', PASSWORD, ip), 1)
    assert429(await session('alice', WRONG, ip), 1)
    assert.equal(checks, before, 'a refused attempt checked the password')
    t.clock.advance(999)
    assert429(await session('alice', PASSWORD, ip), 1)
    t.clock.advance(1)
    const ok = await session('alice', PASSWORD, ip)
    assert.equal(ok.status, 200, ok.body)
    assert.ok(ok.cookie)
    assert.equal(await counter(userKey(t.libraryId, 'alice')), undefined, 'the success left a count behind')

    // The count started again: 5 more free failures, then the first window (1 s) again.
    for (let i = 0; i < 5; i++) assert401(await session('alice', WRONG, ip))
    assert429(await session('alice', PASSWORD, ip), 1)
    // Each further failure doubles the wait, up to 15 minutes.
    let wait = 1
    for (let failures = 6; failures <= 17; failures++) {
      t.clock.advance(wait * 1000)
      assert401(await session('alice', WRONG, ip))
      wait = Math.min(900, 2 ** (failures - 5))
      assert429(await session('alice', PASSWORD, ip), wait)
    }
    assert.equal(wait, 900)
    t.clock.advance(900_000)
    assert.equal((await session('alice', PASSWORD, ip)).status, 200)
  })

  it('`POST /tokens` (trove login) shares the counters of the web sign-in', async () => {
    const ip = freshIp()
    for (let i = 0; i < 3; i++) assert401(await post('tokens', { userId: 'bob', password: WRONG }, ip))
    for (let i = 0; i < 2; i++) assert401(await post('session', { userId: 'bob', password: WRONG, libraryId: t.libraryId }, ip))
    assert429(await post('tokens', { userId: 'bob', password: PASSWORD }, ip), 1)
    assert429(await post('tokens', { userId: 'bob', password: PASSWORD, libraryId: t.libraryId }, ip), 1)
    t.clock.advance(1000)
    const ok = await post('tokens', { userId: 'bob', password: PASSWORD }, ip)
    assert.equal(ok.status, 201, ok.body)
    assert.equal(await counter(userKey(t.libraryId, 'bob')), undefined)
  })

  it('unknown user names are throttled exactly like known ones: same answers, same password checks', async () => {
    for (const [route, name, absent] of [
      ['session', 'carol', 'nobody-1'],
      ['tokens', 'heidi', 'nobody-2'],
    ] as const) {
      const transcript = async (userId: string) => {
        const ip = freshIp()
        const out: string[] = []
        const start = checks
        for (let i = 0; i < 7; i++) {
          const o = await post(route, { userId, password: WRONG }, ip)
          out.push(`${o.status} ${o.retryAfter ?? '-'} ${o.body}`)
        }
        return { out, checks: checks - start }
      }
      const known = await transcript(name)
      const unknown = await transcript(absent)
      assert.deepEqual(unknown.out, known.out, `${route}: an unknown name is answered differently`)
      assert.equal(unknown.checks, known.checks, `${route}: an unknown name costs a different number of password checks`)
      assert.deepEqual(known.out.map((l) => l.slice(0, 5)), ['401 -', '401 -', '401 -', '401 -', '401 -', '429 1', '429 1'])
      assert.equal(known.checks, 5)
    }
    // The counter an attempt lands on never depends on whether the name exists: after 5 failures on the web sign-in
    // (without a library id), `POST /tokens` is refused for a known and an unknown name alike.
    const ip = freshIp()
    for (const userId of ['bob', 'nobody-3']) {
      t.clock.advance(86_400_000)
      for (let i = 0; i < 5; i++) assert401(await post('session', { userId, password: WRONG }, ip))
      assert429(await post('tokens', { userId, password: WRONG }, ip), 1)
      assert429(await post('session', { userId, password: WRONG, libraryId: t.libraryId }, ip), 1)
    }
  })

  it('per client address: 50 failures in 15 minutes, whatever the names, then every attempt from it waits; successes do not count', async () => {
    const ip = freshIp()
    const other = freshIp()
    // 49 failures over names that never reach their own limit of 5.
    for (let i = 0; i < 49; i++) assert401(await session(`spray-${Math.floor(i / 4)}`, WRONG, ip))
    // A success in between is not a failure: it does not use up the address's budget.
    assert.equal((await session('dave', PASSWORD, ip)).status, 200)
    assert401(await session('spray-99', WRONG, ip)) // the 50th failure
    const before = checks
    const refused = await session('erin', PASSWORD, ip)
    assert.equal(refused.status, 429, refused.body)
    assert.equal(refused.code, 'auth.too_many_attempts')
    assert.ok(Number(refused.retryAfter) > 0 && Number(refused.retryAfter) <= 900, refused.retryAfter)
    assert.equal((await post('tokens', { userId: 'erin', password: PASSWORD }, ip)).status, 429)
    assert.equal(checks, before, 'a refused attempt checked the password')
    // Another address is not affected, nor is the name.
    assert.equal((await session('erin', PASSWORD, other)).status, 200)
    t.clock.advance(Number(refused.retryAfter) * 1000)
    assert.equal((await session('erin', PASSWORD, ip)).status, 200)
    assert401(await session('spray-100', WRONG, ip))
  })

  it('concurrent attempts never get past the limits and lose no count', async () => {
    const ip = freshIp()
    const burst = await Promise.all(Array.from({ length: 20 }, () => session('frank', WRONG, ip)))
    assert.equal(burst.filter((o) => o.status === 401).length, 5, burst.map((o) => o.status).join(' '))
    assert.equal(burst.filter((o) => o.status === 429).length, 15)
    assert.equal((await counter(userKey(t.libraryId, 'frank')))?.failures, 5)

    const ip2 = freshIp()
    const spray = await Promise.all(Array.from({ length: 60 }, (_, i) => session(`burst-${i}`, WRONG, ip2)))
    assert.equal(spray.filter((o) => o.status === 401).length, 50, spray.map((o) => o.status).join(' '))
    assert.equal(spray.filter((o) => o.status === 429).length, 10)
    assert.equal((await counter(`ip:${ip2}`))?.failures, 50)
  })

  it('X-Forwarded-For names the client only behind a trusted proxy (TROVE_TRUST_PROXY); otherwise it cannot dodge the per-address count', async () => {
    const balancer = freshIp()
    const client = freshIp()
    const spoofed = freshIp()
    const failWith = (app: App, forwardedFor: string) =>
      app.inject({ method: 'POST', url: `${V1}/session`, payload: { userId: 'heidi', password: WRONG }, remoteAddress: balancer, headers: { 'x-forwarded-for': forwardedFor } })
    assert.equal((await failWith(t.app, spoofed)).statusCode, 401)
    assert.equal((await counter(`ip:${balancer}`))?.failures, 1, 'untrusted: counted against the peer')
    assert.equal(await counter(`ip:${spoofed}`), undefined)

    const db = t.c.config.db
    const env: Record<string, string> = { TROVE_DATA_DIR: t.dataDir, TROVE_WORKER: '0', TROVE_LOG_LEVEL: 'silent', TROVE_TRUST_PROXY: '1' }
    if (db.kind === 'postgres') Object.assign(env, { TROVE_DATABASE_URL: db.url, ...(db.schema ? { TROVE_DATABASE_SCHEMA: db.schema } : {}) })
    const c2 = await buildContainer(loadConfig(env), { clock: t.clock })
    const behindProxy = await buildApp(c2)
    await behindProxy.ready()
    try {
      assert.equal((await failWith(behindProxy, `${spoofed}, ${client}`)).statusCode, 401)
      // One trusted hop: the address the balancer appended is the client; what the client wrote before it is not.
      assert.equal((await counter(`ip:${client}`))?.failures, 1)
      assert.equal(await counter(`ip:${spoofed}`), undefined)
      assert.equal((await counter(`ip:${balancer}`))?.failures, 1)
    } finally {
      await behindProxy.close()
      await c2.close()
    }
  })

  it('two API nodes over one database see the same counters', async () => {
    const db = t.c.config.db
    const env: Record<string, string> = { TROVE_DATA_DIR: t.dataDir, TROVE_WORKER: '0', TROVE_LOG_LEVEL: 'silent' }
    if (db.kind === 'postgres') Object.assign(env, { TROVE_DATABASE_URL: db.url, ...(db.schema ? { TROVE_DATABASE_SCHEMA: db.schema } : {}) })
    const c2 = await buildContainer(loadConfig(env), { clock: t.clock })
    const app2 = await buildApp(c2)
    await app2.ready()
    try {
      const ip = freshIp()
      for (let i = 0; i < 3; i++) assert401(await session('grace', WRONG, ip, t.app))
      for (let i = 0; i < 2; i++) assert401(await session('grace', WRONG, ip, app2))
      assert429(await session('grace', PASSWORD, ip, t.app), 1)
      assert429(await session('grace', PASSWORD, ip, app2), 1)
      t.clock.advance(1000)
      assert.equal((await session('grace', PASSWORD, ip, app2)).status, 200)
      // The success on node 2 reset the count node 1 sees.
      for (let i = 0; i < 5; i++) assert401(await session('grace', WRONG, ip, t.app))
      assert429(await session('grace', PASSWORD, ip, app2), 1)
    } finally {
      await app2.close()
      await c2.close()
    }
  })

  it('keeps the table bounded and never stores the user name as typed', async () => {
    const ip = freshIp()
    assert401(await session('my secret password typed as a name'.replace(/ /g, '-'), WRONG, ip))
    const table = () => t.c.database.db.selectFrom('sign_in_throttle' as never).selectAll().execute() as Promise<{ key: string }[]>
    const rows = await table()
    assert.ok(rows.length > 1)
    assert.ok(!JSON.stringify(rows).includes('typed-as-a-name'), 'a user name is stored as typed')
    // A day later, the next attempt prunes every idle counter.
    t.clock.advance(86_400_000 + 60_000)
    assert.equal((await session('alice', PASSWORD, freshIp())).status, 200)
    const left = await table()
    assert.deepEqual(left.map((r) => r.key.split(':')[0]), ['ip'], `left: ${JSON.stringify(left)}`)
  })
})
