import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { makeHttp, NATIVE_PREFIX, type HttpHarness, type Res } from '../../support/http.ts'

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

function assertError(r: Res, status: number, code: string): void {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status} ${r.text}`)
  assert.match(r.headers['content-type'] ?? '', /^application\/json/)
  assert.equal(r.json?.error?.code, code, r.text)
  assert.equal(typeof r.json.error.message, 'string')
}

/** Every route the app really serves, from Fastify's route tree: [METHOD, '/path/{param}'], HEAD left out. */
function servedRoutes(tree: string): [string, string][] {
  const out: [string, string][] = []
  const stack: string[] = []
  for (const line of tree.split('\n')) {
    const at = line.search(/[├└]── /)
    if (at < 0) continue
    const depth = at / 4
    const m = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line.slice(at + 4))!
    const full = (depth > 0 ? stack[depth - 1] : '') + m[1]
    stack[depth] = full
    stack.length = depth + 1
    for (const method of (m[2] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      if (method !== 'HEAD') out.push([method, full.replace(/:([A-Za-z0-9_]+)/g, '{$1}')])
    }
  }
  return out
}

describe('service endpoints', () => {
  let t: HttpHarness
  before(async () => {
    t = await makeHttp()
  })
  after(async () => {
    await t?.close()
  })

  it('/healthz answers 200 without a token', async () => {
    const r = await t.req('GET', '/healthz', { token: null })
    assert.equal(r.status, 200)
    assert.deepEqual(r.json, { status: 'ok' })
  })

  it('/docs answers 200 with the API reference page', async () => {
    const r = await t.req('GET', '/docs', { token: null })
    assert.equal(r.status, 200)
    assert.match(r.headers['content-type'] ?? '', /^text\/html/)
    assert.match(r.text, /swagger/i)
  })

  it('/openapi.json is an OpenAPI 3 document that lists every native route', async () => {
    const r = await t.req('GET', '/openapi.json', { token: null })
    assert.equal(r.status, 200)
    const doc = r.json
    assert.match(doc.openapi, /^3\.\d+\.\d+$/)
    assert.equal(typeof doc.info?.title, 'string')
    assert.equal(typeof doc.info?.version, 'string')
    assert.equal(typeof doc.paths, 'object')
    assert.deepEqual(doc.components?.securitySchemes?.bearer, { type: 'http', scheme: 'bearer' })

    // structure: operations, responses, path parameters, resolvable $refs, unique operationIds
    const operationIds = new Set<string>()
    for (const [p, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      assert.ok(p.startsWith('/'), p)
      const templated = [...p.matchAll(/\{([^}]+)\}/g)].map((x) => x[1])
      for (const [method, op] of Object.entries(item)) {
        if (!HTTP_METHODS.includes(method)) {
          assert.ok(['parameters', 'summary', 'description', 'servers'].includes(method), `${p}: unexpected key ${method}`)
          continue
        }
        const o = op as { responses?: Record<string, unknown>; parameters?: { in: string; name: string; required?: boolean }[]; operationId?: string; security?: unknown }
        assert.equal(typeof o.responses, 'object', `${method} ${p} has no responses`)
        assert.ok(Object.keys(o.responses!).length > 0, `${method} ${p} has no responses`)
        for (const code of Object.keys(o.responses!)) assert.match(code, /^([1-5]\d\d|[1-5]XX|default)$/, `${method} ${p}: response key ${code}`)
        for (const name of templated) {
          const param = (o.parameters ?? []).find((x) => x.in === 'path' && x.name === name)
          assert.ok(param, `${method} ${p}: path parameter ${name} is not declared`)
          assert.equal(param!.required, true, `${method} ${p}: path parameter ${name} must be required`)
        }
        for (const param of o.parameters ?? []) assert.ok(['query', 'header', 'path', 'cookie'].includes(param.in), `${method} ${p}: parameter in ${param.in}`)
        if (o.operationId) {
          assert.ok(!operationIds.has(o.operationId), `duplicate operationId ${o.operationId}`)
          operationIds.add(o.operationId)
        }
        if (p.startsWith(NATIVE_PREFIX)) assert.deepEqual(o.security, [{ bearer: [] }], `${method} ${p} does not declare bearer security`)
      }
    }
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((x) => x[1])
    for (const ref of refs) {
      assert.ok(ref.startsWith('#/'), `external $ref ${ref}`)
      let node: unknown = doc
      for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')]
      assert.ok(node !== undefined, `unresolvable $ref ${ref}`)
    }

    // every native route the app serves is documented, with its method
    const served = servedRoutes(t.app.printRoutes({ commonPrefix: false })).filter(([, p]) => p.startsWith(NATIVE_PREFIX))
    const expectedCore: [string, string][] = [
      ['GET', '/spaces'],
      ['POST', '/spaces'],
      ['GET', '/spaces/{spaceId}'],
      ['PATCH', '/spaces/{spaceId}'],
      ['GET', '/spaces/{spaceId}/usage'],
      ['POST', '/spaces/{spaceId}/folders'],
      ['GET', '/spaces/{spaceId}/folders/{nodeId}/children'],
      ['PUT', '/spaces/{spaceId}/files'],
      ['GET', '/spaces/{spaceId}/nodes/{nodeId}'],
      ['PATCH', '/spaces/{spaceId}/nodes/{nodeId}'],
      ['DELETE', '/spaces/{spaceId}/nodes/{nodeId}'],
      ['GET', '/spaces/{spaceId}/nodes/{nodeId}/content'],
      ['POST', '/spaces/{spaceId}/nodes/{nodeId}/copy'],
      ['POST', '/spaces/{spaceId}/nodes/{nodeId}/trash'],
      ['GET', '/spaces/{spaceId}/search'],
      ['GET', '/spaces/{spaceId}/trash'],
      ['GET', '/spaces/{spaceId}/trash/{entryId}'],
      ['DELETE', '/spaces/{spaceId}/trash/{entryId}'],
      ['POST', '/spaces/{spaceId}/trash/{entryId}/restore'],
      ['POST', '/spaces/{spaceId}/trash/{entryId}/hold'],
      ['POST', '/spaces/{spaceId}/trash/{entryId}/release'],
      ['POST', '/spaces/{spaceId}/trash/restore'],
      ['POST', '/spaces/{spaceId}/trash/delete'],
      ['POST', '/spaces/{spaceId}/trash/empty'],
      ['GET', '/spaces/{spaceId}/audit'],
      ['GET', '/tasks'],
      ['GET', '/tasks/{taskId}'],
      ['POST', '/tasks/{taskId}/cancel'],
    ]
    const servedKeys = new Set(served.map(([m, p]) => `${m} ${p}`))
    for (const [m, p] of expectedCore) assert.ok(servedKeys.has(`${m} ${NATIVE_PREFIX}${p}`), `the app does not serve ${m} ${p} (route tree parse or route missing)`)
    const missing = served.filter(([m, p]) => !doc.paths[p]?.[m.toLowerCase()]).map(([m, p]) => `${m} ${p}`)
    assert.deepEqual(missing, [], 'native routes missing from /openapi.json')
    // and nothing documented that is not served
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, item]) =>
      Object.keys(item)
        .filter((k) => HTTP_METHODS.includes(k))
        .map((k) => `${k.toUpperCase()} ${p}`),
    )
    assert.deepEqual(documented.filter((k) => k.includes(NATIVE_PREFIX) && !servedKeys.has(k)), [])
  })
})

describe('errors use the JSON error shape', () => {
  let t: HttpHarness
  before(async () => {
    t = await makeHttp()
  })
  after(async () => {
    await t?.close()
  })

  it('bad limits, bad cursors, unknown ids, malformed bodies', async () => {
    assertError(await t.req('GET', t.sp('/folders/root/children?limit=0')), 400, 'validation.failed')
    assertError(await t.req('GET', t.sp('/trash?limit=100000')), 400, 'validation.failed')
    assertError(await t.req('GET', t.sp('/search?q=a&limit=-5')), 400, 'validation.failed')
    assertError(await t.req('GET', t.sp('/folders/root/children?cursor=AAAA')), 400, 'cursor.invalid')
    assertError(await t.req('GET', t.sp('/trash?cursor=bm90LWpzb24')), 400, 'cursor.invalid')
    assertError(await t.req('GET', t.sp('/trash/424242')), 404, 'trash.entry_not_found')
    assertError(await t.req('GET', t.sp('/nodes/424242')), 404, 'node.not_found')
    assertError(await t.req('GET', `${NATIVE_PREFIX}/spaces/424242`), 404, 'space.not_found')
    assertError(await t.req('GET', `${NATIVE_PREFIX}/spaces/not-a-number`), 404, 'space.not_found')
    assertError(await t.req('GET', `${NATIVE_PREFIX}/tasks/424242`), 404, 'task.not_found')
    assertError(await t.req('POST', t.sp('/folders'), { json: {} }), 400, 'validation.failed')
    assertError(await t.req('POST', t.sp('/folders'), { json: { name: { x: 1 } } }), 400, 'validation.failed')
    assertError(await t.req('PATCH', t.sp(), { json: { retentionDays: 0 } }), 400, 'validation.failed')
    assertError(await t.req('PATCH', t.sp(), { json: { quotaBytes: -1 } }), 400, 'validation.failed')
    const malformed = await t.req('POST', t.sp('/folders'), { body: '{"name": ', headers: { 'content-type': 'application/json' } })
    assert.equal(malformed.status, 400, malformed.text)
    assert.equal(typeof malformed.json?.error?.code, 'string', malformed.text)
    assert.equal(typeof malformed.json.error.message, 'string')
    // nothing was created by any of these
    assert.deepEqual((await t.req('GET', t.sp('/folders/root/children'))).json.items, [])
  })

  it('an unknown route under the native prefix answers 404 in the same shape', async () => {
    const r = await t.req('GET', `${NATIVE_PREFIX}/no-such-thing`)
    assert.equal(r.status, 404, r.text)
    assert.equal(typeof r.json?.error?.code, 'string', r.text)
    assert.equal(typeof r.json.error.message, 'string')
  })
})
