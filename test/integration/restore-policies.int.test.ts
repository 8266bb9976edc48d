import { test } from 'node:test'
import assert from 'node:assert/strict'
import { makeHarness, upload, mkdir, readAll, type Harness } from '../support/harness.ts'
import { usage, namesIn, listAll, binAll, auditCount, rejectsWith } from '../support/factories.ts'
import type { RestoreOptions, RestoreOutcome } from '../../src/trash/trash.service.ts'

type Conflict = NonNullable<RestoreOptions['onConflict']>
type Missing = NonNullable<RestoreOptions['onMissingParent']>
type Variant = 'present' | 'trashed' | 'purged'

const ORIGINAL = 'original' // 8 bytes: the trashed a.txt
const CONFLICT = 'conflict!!' // 10 bytes: docs/a.txt uploaded after it (variant present)
const AT_ROOT = 'root file' // 9 bytes: /a.txt (variants trashed/purged)

/**
 * /docs/a.txt is trashed (entry E). Then either (present) a new docs/a.txt takes its name, or the folder docs goes:
 * trashed (its entry stays in the bin) or purged. In the gone variants /a.txt exists, so `root` meets a conflict.
 */
async function scenario(h: Harness, variant: Variant) {
  const rootId = (await h.c.spaces.get(h.admin, h.spaceId)).rootNodeId
  const docs = await mkdir(h, 'root', 'docs')
  const a = await upload(h, String(docs.id), 'a.txt', ORIGINAL)
  const { entry } = await h.c.trash.moveToTrash(h.admin, h.spaceId, String(a.id))
  const rival = variant === 'present' ? await upload(h, String(docs.id), 'a.txt', CONFLICT) : await upload(h, 'root', 'a.txt', AT_ROOT)
  let docsEntryId: number | null = null
  if (variant !== 'present') {
    docsEntryId = (await h.c.trash.moveToTrash(h.admin, h.spaceId, String(docs.id))).entry.id
    if (variant === 'purged') {
      await h.c.trash.deleteEntries(h.admin, h.spaceId, [String(docsEntryId)])
      await h.c.runner.drain()
      docsEntryId = null
    }
  }
  return { rootId, docs, a, entry, rival, docsEntryId }
}

interface Expected {
  outcome: Omit<RestoreOutcome, 'entryId' | 'nodeId' | 'parentId' | 'error'> & { error?: string; parent?: 'docs' | 'root' | 'new-docs' }
  /** Visible tree afterwards: folder path → child names (a path mapped to null must not resolve). */
  tree: Record<string, string[] | null>
  /** How many bytes move from bin to live (restored minus overwritten). */
  liveDelta: number
  /** The rival file is replaced (and goes to the bin). */
  overwrites?: boolean
}

function expected(variant: Variant, onConflict: Conflict, onMissing: Missing): Expected {
  const ok = { status: 'restored' as const, parentRecreated: false, restoredToRoot: false, renamed: false }
  const failed = (code: string): Expected => ({
    outcome: { status: 'failed', error: code },
    tree: variant === 'present' ? { '/': ['docs'], '/docs': ['a.txt'] } : { '/': ['a.txt'], '/docs': null },
    liveDelta: 0,
  })
  if (variant === 'present') {
    if (onConflict === 'rename') return { outcome: { ...ok, parent: 'docs', name: 'a (1).txt', path: '/docs/a (1).txt', renamed: true }, tree: { '/': ['docs'], '/docs': ['a (1).txt', 'a.txt'] }, liveDelta: 8 }
    if (onConflict === 'overwrite') return { outcome: { ...ok, parent: 'docs', name: 'a.txt', path: '/docs/a.txt' }, tree: { '/': ['docs'], '/docs': ['a.txt'] }, liveDelta: 8 - 10, overwrites: true }
    return failed('node.name_conflict')
  }
  if (onMissing === 'fail') return failed('trash.parent_missing')
  // A recreated docs is new and empty: the conflict policy never comes into play.
  if (onMissing === 'recreate') {
    return { outcome: { ...ok, parent: 'new-docs', name: 'a.txt', path: '/docs/a.txt', parentRecreated: true }, tree: { '/': ['a.txt', 'docs'], '/docs': ['a.txt'] }, liveDelta: 8 }
  }
  const atRoot = { ...ok, parent: 'root' as const, restoredToRoot: true }
  if (onConflict === 'rename') return { outcome: { ...atRoot, name: 'a (1).txt', path: '/a (1).txt', renamed: true }, tree: { '/': ['a (1).txt', 'a.txt'], '/docs': null }, liveDelta: 8 }
  if (onConflict === 'overwrite') return { outcome: { ...atRoot, name: 'a.txt', path: '/a.txt' }, tree: { '/': ['a.txt'], '/docs': null }, liveDelta: 8 - 9, overwrites: true }
  return failed('node.name_conflict')
}

async function assertTree(h: Harness, tree: Record<string, string[] | null>) {
  for (const [p, names] of Object.entries(tree)) {
    const folder = await h.c.nodes.resolvePath(h.admin, h.spaceId, p)
    if (names === null) assert.equal(folder, null, `${p} should not exist`)
    else assert.deepEqual(await namesIn(h, String(folder!.id)), names, `children of ${p}`)
  }
}

for (const variant of ['present', 'trashed', 'purged'] as const) {
  for (const onConflict of ['rename', 'overwrite', 'fail'] as const) {
    for (const onMissingParent of ['recreate', 'root', 'fail'] as const) {
      test(`restore a file, parent ${variant}: onConflict=${onConflict} onMissingParent=${onMissingParent}`, async () => {
        const h = await makeHarness()
        try {
          const sc = await scenario(h, variant)
          const exp = expected(variant, onConflict, onMissingParent)
          const u0 = await usage(h)
          const bin0 = (await binAll(h)).items.map((e) => e.id)
          const [out] = await h.c.trash.restore(h.admin, h.spaceId, [String(sc.entry.id)], { onConflict, onMissingParent })
          const { parent, error, ...fields } = exp.outcome
          if (error) {
            assert.equal(out.status, 'failed', JSON.stringify(out))
            assert.deepEqual(Object.keys(out).sort(), ['entryId', 'error', 'status'])
            assert.equal(out.entryId, String(sc.entry.id))
            assert.equal(out.error!.code, error)
            assert.ok(out.error!.message.length > 0)
            // Nothing moved: the entry is still in the bin and the counters are untouched.
            assert.deepEqual((await binAll(h)).items.map((e) => e.id), bin0)
            assert.deepEqual(await usage(h), u0)
            assert.equal((await h.c.store.repos.nodes.find(Number(h.spaceId), sc.a.id))!.state, 'trashed')
          } else {
            const newDocs = await h.c.nodes.resolvePath(h.admin, h.spaceId, '/docs')
            const parentId = parent === 'docs' ? sc.docs.id : parent === 'root' ? sc.rootId : newDocs!.id
            if (parent === 'new-docs') assert.notEqual(newDocs!.id, sc.docs.id)
            const overwritten = !!exp.overwrites
            assert.deepEqual(out, {
              entryId: String(sc.entry.id),
              nodeId: String(sc.a.id),
              parentId: String(parentId),
              ...fields,
              ...(overwritten ? { overwrittenNodeId: String(sc.rival.id) } : {}),
            })
            const dl = await h.c.nodes.download(h.admin, h.spaceId, String(sc.a.id))
            assert.equal((await readAll(dl.body)).toString(), ORIGINAL)
            assert.equal((await h.c.nodes.get(h.admin, h.spaceId, String(sc.a.id))).path, fields.path)
            // The bin lost E; an overwritten file went to the bin (nothing is lost by accident).
            const bin = (await binAll(h)).items
            assert.ok(!bin.some((e) => e.id === sc.entry.id))
            const rivalEntry = bin.find((e) => e.rootNodeId === sc.rival.id)
            assert.equal(!!rivalEntry, overwritten)
            assert.equal(bin.length, bin0.length - 1 + (overwritten ? 1 : 0))
            const u1 = await usage(h)
            assert.equal(u1.liveBytes, u0.liveBytes + exp.liveDelta)
            assert.equal(u1.trashBytes, u0.trashBytes - exp.liveDelta)
            assert.equal(u1.trashEntries, bin.length)
          }
          await assertTree(h, exp.tree)
        } finally {
          await h.close()
        }
      })
    }
  }
}

test('a file whose trashed folder still holds a live namesake can be restored elsewhere', async () => {
  // Restoring must not make the node live under its old (trashed) parent first, where the name is taken.
  const h = await makeHarness()
  try {
    const docs = await mkdir(h, 'root', 'docs')
    const a = await upload(h, String(docs.id), 'a.txt', ORIGINAL)
    const { entry } = await h.c.trash.moveToTrash(h.admin, h.spaceId, String(a.id))
    await upload(h, String(docs.id), 'a.txt', CONFLICT)
    await h.c.trash.moveToTrash(h.admin, h.spaceId, String(docs.id))
    const [out] = await h.c.trash.restore(h.admin, h.spaceId, [String(entry.id)], { onMissingParent: 'root' })
    assert.equal(out.status, 'restored', JSON.stringify(out))
    assert.equal(out.path, '/a.txt')
    assert.deepEqual(await namesIn(h, 'root'), ['a.txt'])
  } finally {
    await h.close()
  }
})

test('folder entries: overwrite never replaces a folder; rename numbers it `dir (1)` and brings its content', async () => {
  const h = await makeHarness()
  try {
    const dir = await mkdir(h, 'root', 'dir')
    await upload(h, String(dir.id), 'x.txt', 'xx')
    const { entry } = await h.c.trash.moveToTrash(h.admin, h.spaceId, String(dir.id))
    const fresh = await mkdir(h, 'root', 'dir')
    const [over] = await h.c.trash.restore(h.admin, h.spaceId, [String(entry.id)], { onConflict: 'overwrite' })
    assert.equal(over.status, 'failed')
    assert.equal(over.error!.code, 'node.name_conflict')
    assert.equal((await h.c.trash.list(h.admin, h.spaceId)).total, 1)
    const [ren] = await h.c.trash.restore(h.admin, h.spaceId, [String(entry.id)], { onConflict: 'rename' })
    assert.deepEqual(ren, {
      entryId: String(entry.id), status: 'restored', nodeId: String(dir.id), parentId: String((await h.c.spaces.get(h.admin, h.spaceId)).rootNodeId),
      name: 'dir (1)', path: '/dir (1)', renamed: true, parentRecreated: false, restoredToRoot: false,
    })
    assert.deepEqual(await namesIn(h, 'root'), ['dir', 'dir (1)'])
    assert.deepEqual(await namesIn(h, String(dir.id)), ['x.txt'])
    assert.deepEqual(await namesIn(h, String(fresh.id)), [])
    const root = await h.c.nodes.get(h.admin, h.spaceId, 'root')
    assert.deepEqual([root.sizeBytes, root.itemCount], [2, 3])

    // A file entry meeting a folder of its name: overwrite refuses too, rename numbers the file.
    const f = await upload(h, 'root', 'notes', 'n')
    const { entry: fe } = await h.c.trash.moveToTrash(h.admin, h.spaceId, String(f.id))
    await mkdir(h, 'root', 'notes')
    const [fo] = await h.c.trash.restore(h.admin, h.spaceId, [String(fe.id)], { onConflict: 'overwrite' })
    assert.equal(fo.error?.code, 'node.name_conflict')
    const [fr] = await h.c.trash.restore(h.admin, h.spaceId, [String(fe.id)], { onConflict: 'rename' })
    assert.equal(fr.name, 'notes (1)')
  } finally {
    await h.close()
  }
})

test('restore goes to the original parent by id, even after it was renamed and moved', async () => {
  const h = await makeHarness()
  try {
    const docs = await mkdir(h, 'root', 'docs')
    const a = await upload(h, String(docs.id), 'a.txt', ORIGINAL)
    const { entry } = await h.c.trash.moveToTrash(h.admin, h.spaceId, String(a.id))
    const archive = await mkdir(h, 'root', 'archive')
    await h.c.nodes.update(h.admin, h.spaceId, String(docs.id), { name: 'papers', parentId: String(archive.id) })
    const decoy = await mkdir(h, 'root', 'docs') // same path as the snapshot: must not be chosen
    const [out] = await h.c.trash.restore(h.admin, h.spaceId, [String(entry.id)])
    assert.deepEqual(out, {
      entryId: String(entry.id), status: 'restored', nodeId: String(a.id), parentId: String(docs.id),
      name: 'a.txt', path: '/archive/papers/a.txt', renamed: false, parentRecreated: false, restoredToRoot: false,
    })
    assert.equal((await h.c.nodes.get(h.admin, h.spaceId, String(a.id))).path, '/archive/papers/a.txt')
    assert.deepEqual(await namesIn(h, String(decoy.id)), [])
    const arch = await h.c.nodes.get(h.admin, h.spaceId, String(archive.id))
    assert.deepEqual([arch.sizeBytes, arch.itemCount], [8, 2])
  } finally {
    await h.close()
  }
})

test('recreate reuses folders still on the path and numbers a folder whose name a file took', async () => {
  const h = await makeHarness()
  try {
    const docs = await mkdir(h, 'root', 'docs')
    const sub = await mkdir(h, String(docs.id), 'sub')
    const a = await upload(h, String(sub.id), 'a.txt', ORIGINAL)
    const { entry } = await h.c.trash.moveToTrash(h.admin, h.spaceId, String(a.id))
    const del = await h.c.trash.deleteEntries(h.admin, h.spaceId, [String((await h.c.trash.moveToTrash(h.admin, h.spaceId, String(docs.id))).entry.id)])
    assert.equal(del.accepted.length, 1)
    await h.c.runner.drain()
    const newDocs = await mkdir(h, 'root', 'docs')
    await upload(h, String(newDocs.id), 'sub', 'a file called sub')
    const [out] = await h.c.trash.restore(h.admin, h.spaceId, [String(entry.id)], { onMissingParent: 'recreate' })
    const subOne = await h.c.nodes.resolvePath(h.admin, h.spaceId, '/docs/sub (1)')
    assert.ok(subOne && subOne.kind === 'folder')
    assert.equal(out.status, 'restored', JSON.stringify(out))
    assert.equal(out.path, '/docs/sub (1)/a.txt')
    assert.equal(out.parentId, String(subOne.id))
    assert.deepEqual(await namesIn(h, 'root'), ['docs'])
    assert.deepEqual(await namesIn(h, String(newDocs.id)), ['sub', 'sub (1)'])
    const d = await h.c.nodes.get(h.admin, h.spaceId, String(newDocs.id))
    assert.deepEqual([d.sizeBytes, d.itemCount], [17 + 8, 3])
  } finally {
    await h.close()
  }
})

test('repeated restores of the same name are numbered (1), (2); dotfiles and extensionless names too', async () => {
  const h = await makeHarness()
  try {
    const entries: string[] = []
    for (const name of ['a.txt', 'a.txt', '.env', 'README']) {
      const f = await upload(h, 'root', name, `v${entries.length}`)
      entries.push(String((await h.c.trash.moveToTrash(h.admin, h.spaceId, String(f.id))).entry.id))
    }
    for (const name of ['a.txt', '.env', 'README']) await upload(h, 'root', name, 'live')
    const outs = await h.c.trash.restore(h.admin, h.spaceId, entries, { onConflict: 'rename' })
    assert.deepEqual(outs.map((o) => [o.status, o.name, o.renamed]), [
      ['restored', 'a (1).txt', true],
      ['restored', 'a (2).txt', true],
      ['restored', '.env (1)', true],
      ['restored', 'README (1)', true],
    ])
    assert.deepEqual(await namesIn(h, 'root'), ['.env', '.env (1)', 'README', 'README (1)', 'a (1).txt', 'a (2).txt', 'a.txt'])
  } finally {
    await h.close()
  }
})

/** Everything a dry run must leave untouched. */
async function snapshot(h: Harness) {
  const walk = async (id: string, prefix: string): Promise<string[]> => {
    const out: string[] = []
    for (const n of (await listAll(h, id, { limit: 1000 })).items) {
      out.push(`${prefix}/${n.name}:${n.kind}:${n.sizeBytes}:${n.itemCount}:${n.id}`)
      if (n.kind === 'folder') out.push(...(await walk(String(n.id), `${prefix}/${n.name}`)))
    }
    return out
  }
  const bin = await binAll(h)
  return { tree: await walk('root', ''), bin: bin.items.map((e) => e.id), total: bin.totals[0], usage: await usage(h), audit: await auditCount(h) }
}

const DRY_COMBOS: [Variant, Conflict, Missing][] = [
  ['present', 'overwrite', 'recreate'],
  ['present', 'fail', 'recreate'],
  ['trashed', 'rename', 'root'],
  ['purged', 'rename', 'recreate'],
  ['purged', 'overwrite', 'root'],
  ['trashed', 'rename', 'fail'],
]
for (const [variant, onConflict, onMissingParent] of DRY_COMBOS) {
  test(`dry run (parent ${variant}, ${onConflict}/${onMissingParent}) reports what the real run then does, changing nothing`, async () => {
    const h = await makeHarness()
    try {
      const sc = await scenario(h, variant)
      const ids = [String(sc.entry.id), ...(sc.docsEntryId ? [String(sc.docsEntryId)] : [])]
      const before = await snapshot(h)
      const dry = await h.c.trash.restore(h.admin, h.spaceId, ids, { onConflict, onMissingParent, dryRun: true })
      assert.deepEqual(await snapshot(h), before)
      const real = await h.c.trash.restore(h.admin, h.spaceId, ids, { onConflict, onMissingParent })
      // Identical, except that a dry run never promises the id of a folder it would have to create.
      const unborn = (o: (typeof real)[number]) => (o.parentRecreated ? (({ parentId: _, ...rest }) => rest)(o) : o)
      assert.deepEqual(dry, real.map(unborn))
      assert.equal(real.length, ids.length)
      // And the real run did act, unless every entry failed.
      if (real.some((o) => o.status === 'restored')) assert.notDeepEqual(await snapshot(h), before)
      else assert.deepEqual(await snapshot(h), before)
    } finally {
      await h.close()
    }
  })
}

test('a batch restore gives one outcome per entry; failures do not stop the others', async () => {
  const h = await makeHarness()
  try {
    const files = []
    for (let i = 1; i <= 4; i++) files.push(await upload(h, 'root', `f${i}.txt`, `file ${i}`))
    const e = []
    for (const f of files) e.push(String((await h.c.trash.moveToTrash(h.admin, h.spaceId, String(f.id))).entry.id))
    await upload(h, 'root', 'f2.txt', 'newer') // conflict for e[1]
    await h.c.trash.deleteEntries(h.admin, h.spaceId, [e[3]]) // purging, not yet drained
    const outs = await h.c.trash.restore(h.admin, h.spaceId, [e[0], e[1], 'nope', '999999', e[2], e[3], e[0]], { onConflict: 'fail' })
    assert.deepEqual(outs.map((o) => [o.entryId, o.status, o.name ?? o.error?.code]), [
      [e[0], 'restored', 'f1.txt'],
      [e[1], 'failed', 'node.name_conflict'],
      ['nope', 'failed', 'trash.entry_not_found'],
      ['999999', 'failed', 'trash.entry_not_found'],
      [e[2], 'restored', 'f3.txt'],
      [e[3], 'failed', 'trash.entry_purging'],
      [e[0], 'failed', 'trash.entry_not_found'],
    ])
    assert.deepEqual(await namesIn(h, 'root'), ['f1.txt', 'f2.txt', 'f3.txt'])
    assert.deepEqual((await binAll(h)).items.map((x) => String(x.id)), [e[1]])
    const u = await usage(h)
    assert.deepEqual([u.liveBytes, u.trashBytes, u.trashEntries], [6 + 5 + 6, 6 + 6, 1])
  } finally {
    await h.close()
  }
})

test('restore is refused with quota.exceeded while the space is over its quota', async () => {
  const h = await makeHarness()
  try {
    const a = await upload(h, 'root', 'a.txt', ORIGINAL) // 8
    await upload(h, 'root', 'b.txt', CONFLICT) // 10
    const { entry } = await h.c.trash.moveToTrash(h.admin, h.spaceId, String(a.id))
    await h.c.spaces.updateSettings(h.admin, h.spaceId, { quotaBytes: 17 })
    const [out] = await h.c.trash.restore(h.admin, h.spaceId, [String(entry.id)])
    assert.equal(out.status, 'failed')
    assert.equal(out.error!.code, 'quota.exceeded')
    assert.equal((await h.c.trash.list(h.admin, h.spaceId)).total, 1)
    assert.deepEqual(await namesIn(h, 'root'), ['b.txt'])
    assert.deepEqual(await usage(h), { quotaBytes: 17, usedBytes: 18, liveBytes: 10, trashBytes: 8, trashEntries: 1, availableBytes: 0 })
    await rejectsWith(upload(h, 'root', 'c.txt', 'c'), 'quota.exceeded', 'upload over quota')
    // Exactly at the quota is not over it: restoring does not change what is used.
    await h.c.spaces.updateSettings(h.admin, h.spaceId, { quotaBytes: 18 })
    const [ok] = await h.c.trash.restore(h.admin, h.spaceId, [String(entry.id)])
    assert.equal(ok.status, 'restored', JSON.stringify(ok))
    assert.deepEqual(await usage(h), { quotaBytes: 18, usedBytes: 18, liveBytes: 18, trashBytes: 0, trashEntries: 0, availableBytes: 0 })
  } finally {
    await h.close()
  }
})
