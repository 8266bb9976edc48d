import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fsp from 'node:fs/promises'
import path from 'node:path'
// Through the package's own "exports": what a program depending on Trove imports.
import { createClient, signIn, TroveApiError, type Node, type Task, type TroveClient } from 'trove/client'
import { PASSWORD, readTree, startServer, tempDir, writeTree, type TestServer } from './cli-client-support.ts'

describe('typed client (trove/client)', () => {
  let server: TestServer
  let trove: TroveClient
  let spaceId: string
  let work: string

  before(async () => {
    server = await startServer()
    work = await tempDir('trove-client-')
    const token = await signIn(server.url, { userId: 'alice', password: PASSWORD })
    assert.deepEqual(token.grants, ['space_admin'])
    trove = createClient({ baseUrl: server.url, token: token.accessToken })
    spaceId = server.spaceId
  })
  after(async () => {
    await server?.close()
    await fsp.rm(work, { recursive: true, force: true })
  })

  it('is typed from the OpenAPI document, and refusals carry the server code', async () => {
    const me = await trove.unwrap(trove.api.GET('/trove/v1/me'))
    assert.equal(me.userId, 'alice')
    // @ts-expect-error: not a path of the API (proves the client is checked against the generated types)
    await trove.api.GET('/trove/v1/no-such-route').catch(() => undefined)
    const err = await trove.unwrap(trove.api.GET('/trove/v1/spaces/{spaceId}/nodes/{nodeId}', { params: { path: { spaceId, nodeId: '987654' } } })).catch((e: unknown) => e)
    assert.ok(err instanceof TroveApiError)
    assert.equal(err.status, 404)
    assert.equal(err.code, 'node.not_found')
  })

  it('streams uploads with progress, paginates any cursor list, skips identical files on a second tree upload', async () => {
    await writeTree(work, { 'one.bin': 300_000, 'set/1.txt': 10, 'set/2.txt': 20, 'set/3.txt': 30, 'set/4.txt': 40, 'set/5.txt': 50 })
    const seen: number[] = []
    const node = await trove.uploadFile({ spaceId, localPath: path.join(work, 'one.bin'), onProgress: (sent, total) => (assert.equal(total, 300_000), seen.push(sent)) })
    assert.equal(node.sizeBytes, 300_000)
    assert.equal(seen.at(-1), 300_000)
    assert.ok(seen.every((n, i) => i === 0 || n >= seen[i - 1]), 'progress never goes back')

    const first = await trove.uploadTree({ spaceId, sources: [path.join(work, 'set')], concurrency: 3 })
    assert.deepEqual([first.uploaded, first.skipped, first.failed.length], [5, 0, 0])
    const set = await trove.paths(spaceId).resolve('/set')
    const mark = server.requests.length
    const names: string[] = []
    for await (const n of trove.paginate('/trove/v1/spaces/{spaceId}/folders/{nodeId}/children', { path: { spaceId, nodeId: set.id }, query: { limit: 2, sort: 'name' } })) names.push(n.name)
    assert.deepEqual(names, ['1.txt', '2.txt', '3.txt', '4.txt', '5.txt'])
    assert.equal(server.requests.slice(mark).filter((r) => r.url.includes('/children')).length, 3, 'three pages of two')

    const second = await trove.uploadTree({ spaceId, sources: [path.join(work, 'set')] })
    assert.deepEqual([second.uploaded, second.skipped], [0, 5])
  })

  it('downloads with Range resume and waits for a task with progress callbacks', async () => {
    const one = (await trove.paths(spaceId).resolve('/one.bin')) as Node
    const out = await tempDir('trove-client-out-')
    const target = path.join(out, 'one.bin')
    const original = await fsp.readFile(path.join(work, 'one.bin'))
    await fsp.writeFile(target + '.trove-part', original.subarray(0, 123_456))
    const r = await trove.downloadFile({ spaceId, nodeId: one.id, localPath: target })
    assert.equal(r.status, 'resumed')
    assert.equal(r.bytes, 300_000 - 123_456)
    assert.ok((await fsp.readFile(target)).equals(original))
    const tree = await trove.downloadTree({ spaceId, nodes: [await trove.paths(spaceId).resolve('/set')], localDir: out })
    assert.equal(tree.downloaded, 5)
    assert.equal((await readTree(path.join(out, 'set'))).get('3.txt')?.length, 30)
    await fsp.rm(out, { recursive: true, force: true })

    await trove.unwrap(trove.api.DELETE('/trove/v1/spaces/{spaceId}/nodes/{nodeId}', { params: { path: { spaceId, nodeId: one.id }, query: {} } }))
    const { taskId } = await trove.unwrap(trove.api.POST('/trove/v1/spaces/{spaceId}/trash/empty', { params: { path: { spaceId } } }))
    const states: Task['state'][] = []
    const done = await trove.waitForTask(taskId, { intervalMs: 20, onProgress: (t) => states.push(t.state) })
    assert.equal(done.state, 'Succeed')
    assert.equal(states.at(-1), 'Succeed')
    const usage = await trove.unwrap(trove.api.GET('/trove/v1/spaces/{spaceId}/usage', { params: { path: { spaceId } } }))
    assert.equal(usage.trashBytes, 0)
  })
})
