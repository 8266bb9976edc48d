import { test } from 'node:test'
import assert from 'node:assert/strict'
import { sql, type CompiledQuery, type KyselyPlugin } from 'kysely'
import { makeHarness, upload, mkdir } from '../support/harness.ts'
import { node } from '../support/factories.ts'
import { TrashRepository, TRASH_SORT_COLUMNS } from '../../src/trash/trash.repository.ts'
import { changeRootState } from '../../src/nodes/nodes.repository.ts'
import type { BinSortKey } from '../../src/trash/recycle-entry.ts'

test('every bin page query is served by its partial sort index (the state written as the index predicate)', async () => {
  const h = await makeHarness()
  try {
    for (let i = 0; i < 3; i++) await h.c.trash.moveToTrash(h.admin, h.spaceId, String((await upload(h, 'root', `f${i}`, `x${i}`)).id))
    const db = h.c.database.db
    const isPg = h.c.database.kit.name === 'postgres'
    const captured: CompiledQuery[] = []
    // Records the SQL the repository really sends, so the plan checked is the plan of that exact text.
    const capture: KyselyPlugin = {
      transformQuery: ({ node: n }) => (captured.push(db.getExecutor().compileQuery(n, { queryId: '' } as never)), n),
      transformResult: async ({ result }) => result,
    }
    const repo = new TrashRepository(db.withPlugin(capture))
    for (const sort of Object.keys(TRASH_SORT_COLUMNS) as BinSortKey[]) {
      for (const q of [{ after: undefined }, { after: { key: sort === 'name' || sort === 'path' || sort === 'removedBy' ? 'm' : 5, id: 7 } }]) {
        captured.length = 0
        await repo.page(Number(h.spaceId), { sort, order: 'desc', limit: 10, filter: {}, ...q })
        assert.equal(captured.length, 1)
        const index = `recycle_entries_by_${TRASH_SORT_COLUMNS[sort]}`
        const plan = await db.transaction().execute(async (trx) => {
          // A tiny table would make PostgreSQL scan it whatever the indexes; with scans priced out, the partial index
          // shows up only if its predicate is provable from the query.
          if (isPg) await sql`set local enable_seqscan = off`.execute(trx)
          const explain = isPg ? 'explain ' : 'explain query plan '
          const rows = await trx.executeQuery<Record<string, unknown>>({ ...captured[0], sql: explain + captured[0].sql })
          return rows.rows.map((r) => String(r['QUERY PLAN'] ?? r.detail)).join('\n')
        })
        assert.match(plan, new RegExp(index), `sort=${sort} ${q.after ? 'keyset' : 'first'} page:\n${captured[0].sql}\n${plan}`)
        assert.doesNotMatch(plan, /TEMP B-TREE|Sort\b/i, `sort=${sort}: rows come in index order, no sort step:\n${plan}`)
      }
    }
  } finally {
    await h.close()
  }
})

test('a root state change is all or nothing: the wrong starting state leaves every ancestor counter untouched', async () => {
  const h = await makeHarness()
  try {
    const a = await mkdir(h, 'root', 'a')
    const b = await mkdir(h, String(a.id), 'b')
    const f = await upload(h, String(b.id), 'f.txt', 'twelve bytes')
    const before = await Promise.all([a.id, b.id, f.id].map((id) => node(h, id)))
    const nodes = h.c.store.repos.nodes
    const db = h.c.database.db
    const written = async (c: Parameters<typeof changeRootState>[1]) => (await changeRootState(db, c).execute()).map((r) => Number(r.id)).sort((x, y) => x - y)
    // The file is live: a change that expects it trashed must not happen, not even in part.
    assert.deepEqual(await written({ id: f.id, parentId: b.id, from: 'trashed', to: 'live', entryId: null, bytes: 12, items: 1, now: Date.now() + 60_000 }), [])
    assert.deepEqual(await Promise.all([a.id, b.id, f.id].map((id) => node(h, id))), before)

    const now = Date.now() + 120_000
    const root = (await nodes.find(Number(h.spaceId), Number((await h.c.nodes.get(h.admin, h.spaceId, 'root')).id)))!
    assert.deepEqual(await written({ id: f.id, parentId: b.id, from: 'live', to: 'trashed', entryId: null, bytes: -12, items: -1, now }), [root.id, a.id, b.id, f.id].sort((x, y) => x - y))
    const [a2, b2, f2] = await Promise.all([a.id, b.id].map((id) => nodes.find(Number(h.spaceId), id)).concat(nodes.find(Number(h.spaceId), f.id)))
    assert.deepEqual([a2!.sizeBytes, a2!.itemCount], [before[0].sizeBytes - 12, before[0].itemCount - 1])
    assert.deepEqual([b2!.sizeBytes, b2!.itemCount, b2!.modifiedAt], [before[1].sizeBytes - 12, before[1].itemCount - 1, now])
    // Only the parent is touched; the root keeps its own counters and time.
    assert.equal(a2!.modifiedAt, before[0].modifiedAt)
    assert.deepEqual([f2!.state, f2!.sizeBytes, f2!.modifiedAt], ['trashed', 12, before[2].modifiedAt])
  } finally {
    await h.close()
  }
})

test('the closing writes of a trash report a root that is no longer live, and a restore one that is no longer trashed', async () => {
  const h = await makeHarness()
  try {
    const f = await upload(h, 'root', 'gone.txt', 'bytes')
    const { entry } = await h.c.trash.moveToTrash(h.admin, h.spaceId, String(f.id))
    const spaceId = Number(h.spaceId)
    const audit = { libraryId: h.admin.libraryId, spaceId, actor: 'admin', action: 'trash' as const, nodeId: f.id, name: 'gone.txt', details: {}, at: Date.now() }
    const aborted = new Error('abort')
    const outcome = await h.c.store
      .transaction(async (r) => {
        const { id: _id, ...fields } = entry
        const trashed = await r.binWrites.trash({ entry: fields, root: { id: f.id, parentId: f.parentId!, from: 'live', to: 'trashed', bytes: -5, items: -1, now: Date.now() }, space: { trashEntries: 1 }, audit })
        // The file is already trashed: nothing is restored by a change that expects it live either.
        const restored = await r.binWrites.restore({ root: { id: f.id, parentId: f.parentId!, from: 'live', to: 'live', entryId: null, bytes: 5, items: 1, now: Date.now() }, spaceId, space: {}, audit: { ...audit, action: 'restore', entryId: entry.id } })
        throw Object.assign(aborted, { outcome: { trashed, restored } })
      })
      .catch((e) => (e === aborted ? (e as { outcome: unknown }).outcome : Promise.reject(e)))
    assert.deepEqual(outcome, { trashed: null, restored: false })
    // The caller aborted, so the bin and the counters are as they were.
    assert.equal((await h.c.trash.list(h.admin, h.spaceId)).total, 1)
    assert.deepEqual((await h.c.spaces.usage(h.admin, h.spaceId)).trashEntries, 1)
  } finally {
    await h.close()
  }
})
