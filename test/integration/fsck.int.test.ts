import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { sql } from 'kysely'
import { makeHarness, upload, mkdir, body, readAll, type Harness } from '../support/harness.ts'
import { assertConsistent, sha256, trash } from '../support/purge-helpers.ts'
import type { FsckReport } from '../../src/fsck/fsck.service.ts'

const HOUR = 3_600_000

/** A drive after a realistic mix: nested folders, shared content, trash, restore, a purge, entries left in the bin. */
async function build(h: Harness) {
  const docs = await mkdir(h, 'root', 'docs')
  const sub = await mkdir(h, String(docs.id), 'sub')
  const photos = await mkdir(h, 'root', 'photos')
  const a = await upload(h, 'root', 'a.txt', 'shared content')
  const b = await upload(h, String(docs.id), 'b.txt', 'shared content')
  const c = await upload(h, String(sub.id), 'c.txt', 'only in sub, which goes to the bin')
  // Large enough to be read in several chunks when hashed.
  const big = await upload(h, 'root', 'big.bin', randomBytes(300_000))
  const p1 = await upload(h, String(photos.id), 'p1.jpg', 'photo one')
  const p2 = await upload(h, String(photos.id), 'p2.jpg', 'photo two')
  await upload(h, 'root', 'p1-copy.jpg', 'photo one')

  const eb = await trash(h, b.id)
  const subEntry = await trash(h, sub.id)
  const restored = await h.c.trash.restore(h.admin, h.spaceId, [eb])
  assert.equal(restored[0].status, 'restored')
  const e1 = await trash(h, p1.id)
  await h.c.trash.deleteEntries(h.admin, h.spaceId, [e1])
  await h.c.runner.drain()
  const p2Entry = await trash(h, p2.id)
  return { docs, sub, photos, a, b, c, big, p1, p2, subEntry, p2Entry, shared: a.blobSha256!, bigSha: big.blobSha256! }
}
type Drive = Awaited<ReturnType<typeof build>>

const kinds = (r: FsckReport) => [...new Set(r.problems.map((p) => p.kind))].sort()
const actionKinds = (r: FsckReport) => [...new Set(r.actions.map((a) => a.kind))].sort()
const blobPath = (h: Harness, sha: string) => path.join(h.dataDir, 'blobs', 'blobs', sha.slice(0, 2), sha.slice(2, 4), sha)
const db = (h: Harness) => h.c.database.db

async function counts(h: Harness) {
  const n = await db(h).selectFrom('nodes').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  const e = await db(h).selectFrom('recycle_entries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return { nodes: Number(n.n), entries: Number(e.n) }
}

/** Sets a file's modification time relative to the test clock (which is not the wall clock). */
async function age(h: Harness, file: string, ms: number) {
  const t = new Date(h.clock.now() - ms)
  await fs.utimes(file, t, t)
}

test('a drive after uploads, shared content, trash, restore and purge is clean', async () => {
  const h = await makeHarness()
  try {
    await build(h)
    await assertConsistent(h)
    for (const quick of [false, true]) {
      const r = await h.c.fsck.check({ quick })
      assert.deepEqual(r.problems, [], `quick=${quick}: ${r.summary}`)
      assert.equal(r.ok, true)
      assert.equal(r.quick, quick)
      // shared content, c.txt, big.bin, 'photo one' (kept by its copy), 'photo two' (in the bin)
      assert.equal(r.stats.blobRows, 5, r.summary)
      assert.equal(r.stats.storedBlobs, 5, r.summary)
      assert.equal(r.stats.bytesHashed > 300_000, !quick, 'a full check hashes every referenced blob, a quick one none')
    }
    const repaired = await h.c.fsck.repair({ orphanGraceMs: HOUR })
    assert.deepEqual(repaired.actions, [], 'nothing to repair on a clean drive')
    assert.equal(repaired.ok, true)
  } finally {
    await h.close()
  }
})

test('blob references held by uploads in flight count: nothing flagged, repair keeps their bytes', async () => {
  const h = await makeHarness()
  try {
    await build(h)
    const session = await h.c.uploads.begin(h.admin, h.spaceId, { parentId: 'root', name: 'session.txt', ttlMs: HOUR })
    await h.c.uploads.putBytes(session.key, body('bytes of a session'))
    const mp = await h.c.multipartUploads.start(h.admin, h.spaceId, { parentId: 'root', name: 'parts.txt', ttlMs: HOUR })
    await h.c.multipartUploads.putPart(mp.uploadId, 1, body('part one, '))
    await h.c.multipartUploads.putPart(mp.uploadId, 2, body('part two'))
    // A KooDrive part upload (its parts are rows of part_upload_parts).
    const pu = await h.c.partUploads.begin(h.admin, h.spaceId, { parentId: 'root', name: 'koo.txt', sizeBytes: 18, partSize: 9 })
    const [l1, l2] = await h.c.partUploads.partLinks(h.admin, pu.id)
    await h.c.partUploads.putPart(l1.token, body('koo part,'))
    await h.c.partUploads.putPart(l2.token, body('koo two..'))
    assert.deepEqual((await h.c.fsck.check()).problems, [], 'session and part references are references')

    const part = sha256('part one, ')
    const kooPart = sha256('koo part,')
    await sql`update blobs set ref_count = 3 where sha256 = ${part}`.execute(db(h))
    await sql`update blobs set ref_count = 0 where sha256 = ${kooPart}`.execute(db(h))
    const drift = (await h.c.fsck.check()).problems.filter((p) => p.kind === 'ref_count_mismatch')
    assert.deepEqual(drift.map((p) => [p.ids.sha256, p.details?.references]).sort(), [[kooPart, 1], [part, 1]].sort(), 'part rows are counted as references')
    const repaired = await h.c.fsck.repair({ orphanGraceMs: 0 })
    assert.deepEqual(actionKinds(repaired), ['recompute_ref_count'])
    assert.equal(repaired.ok, true, repaired.summary)
    assert.equal(await h.c.store.repos.blobs.refCount(part), 1, 'the part still holds its reference')
    assert.equal(await h.c.store.repos.blobs.refCount(kooPart), 1, 'so does the part of the part upload (and its bytes stay)')

    const committed = await h.c.uploads.commit(h.admin, h.spaceId, session.key)
    const file = await h.c.multipartUploads.complete(h.admin, h.spaceId, mp.uploadId)
    const koo = await h.c.partUploads.complete(h.admin, pu.id)
    for (const [id, content] of [[committed.node.id, 'bytes of a session'], [file.id, 'part one, part two'], [koo.node.id, 'koo part,koo two..']] as const) {
      const dl = await h.c.nodes.download(h.admin, h.spaceId, String(id))
      assert.equal((await readAll(dl.body)).toString(), content)
    }
    await assertConsistent(h)
    assert.deepEqual((await h.c.fsck.check()).problems, [])
  } finally {
    await h.close()
  }
})

interface Scenario {
  name: string
  corrupt(h: Harness, d: Drive): Promise<void>
  /** Kinds a full check reports. */
  found: string[]
  /** Kinds a quick check reports, when different. */
  quickFound?: string[]
  /** Repair actions expected. */
  actions: string[]
  /** Kinds still reported after repair (the unrepairable). */
  remaining: string[]
  grace?: number
  after?(h: Harness, d: Drive, repaired: FsckReport): Promise<void>
}

const scenarios: Scenario[] = [
  {
    name: 'a referenced blob file is deleted',
    corrupt: async (h, d) => fs.rm(blobPath(h, d.bigSha)),
    found: ['missing_blob'],
    actions: [],
    remaining: ['missing_blob'],
    after: async (h, d, r) => {
      const p = r.problems.find((x) => x.kind === 'missing_blob')!
      assert.equal(p.ids.sha256, d.bigSha)
      assert.deepEqual(p.ids.nodeIds, [d.big.id])
      assert.equal(await h.c.store.repos.blobs.refCount(d.bigSha), 1, 'the row of lost bytes is kept')
    },
  },
  {
    name: 'a blob file is truncated',
    corrupt: async (h, d) => fs.truncate(blobPath(h, d.bigSha), 1000),
    found: ['blob_size_mismatch'],
    actions: [],
    remaining: ['blob_size_mismatch'],
  },
  {
    name: 'a byte of a blob is flipped (only the full check hashes)',
    corrupt: async (h, d) => {
      const file = blobPath(h, d.bigSha)
      const bytes = await fs.readFile(file)
      bytes[150_000] ^= 0xff
      await fs.writeFile(file, bytes)
    },
    found: ['blob_hash_mismatch'],
    quickFound: [],
    actions: [],
    remaining: ['blob_hash_mismatch'],
  },
  {
    name: 'an orphan blob file older than the grace period',
    corrupt: async (h) => {
      const file = blobPath(h, sha256('orphan'))
      await fs.mkdir(path.dirname(file), { recursive: true })
      await fs.writeFile(file, 'orphan')
      await age(h, file, 2 * HOUR)
    },
    found: ['orphan_blob'],
    actions: ['delete_orphan_blob'],
    remaining: [],
    after: async (h) => assert.equal(await fs.stat(blobPath(h, sha256('orphan'))).catch(() => null), null),
  },
  {
    name: 'an orphan blob file younger than the grace period is kept',
    corrupt: async (h) => {
      const file = blobPath(h, sha256('young orphan'))
      await fs.mkdir(path.dirname(file), { recursive: true })
      await fs.writeFile(file, 'young orphan')
      await age(h, file, 2 * HOUR)
    },
    grace: 3 * HOUR,
    found: ['orphan_blob'],
    actions: [],
    remaining: ['orphan_blob'],
    after: async (h, _d, r) => {
      assert.ok(await fs.stat(blobPath(h, sha256('young orphan'))))
      const ageMs = Number(r.problems[0].details?.ageMs)
      assert.ok(Math.abs(ageMs - 2 * HOUR) < 5000, `age reported ${ageMs}`)
    },
  },
  {
    name: 'a ref_count is bumped',
    corrupt: async (h, d) => void (await sql`update blobs set ref_count = ref_count + 1 where sha256 = ${d.shared}`.execute(db(h))),
    found: ['ref_count_mismatch'],
    actions: ['recompute_ref_count'],
    remaining: [],
    after: async (h, d) => assert.equal(await h.c.store.repos.blobs.refCount(d.shared), 2),
  },
  {
    name: 'a ref_count is negative',
    corrupt: async (h, d) => void (await sql`update blobs set ref_count = -1 where sha256 = ${d.bigSha}`.execute(db(h))),
    found: ['negative_ref_count'],
    actions: ['recompute_ref_count'],
    remaining: [],
  },
  {
    name: 'an unreferenced blob row is not queued for the GC',
    corrupt: async (h) => {
      const sha = sha256('forgotten')
      await h.c.store.repos.blobs.addRef(sha, 9, h.clock.now(), 0)
      const file = blobPath(h, sha)
      await fs.mkdir(path.dirname(file), { recursive: true })
      await fs.writeFile(file, 'forgotten')
    },
    found: ['blob_not_queued'],
    actions: ['collect_blobs', 'queue_blob_gc'],
    remaining: [],
  },
  {
    name: "a space's live_bytes drifts",
    corrupt: async (h) => void (await sql`update spaces set live_bytes = live_bytes + 7 where id = ${Number(h.spaceId)}`.execute(db(h))),
    found: ['live_bytes_mismatch'],
    actions: ['recompute_space_counters'],
    remaining: [],
  },
  {
    name: "a folder's aggregate drifts",
    corrupt: async (h, d) => void (await sql`update nodes set size_bytes = size_bytes + 5, item_count = item_count + 1 where id = ${d.docs.id}`.execute(db(h))),
    found: ['folder_aggregate_mismatch'],
    actions: ['recompute_folder_aggregate'],
    remaining: [],
  },
  {
    name: 'an entry is purging without a task',
    corrupt: async (h, d) => void (await sql`update recycle_entries set state = 'purging', purge_task_id = null where id = ${Number(d.p2Entry)}`.execute(db(h))),
    // The bin's entry counter counts `trashed` entries only, so it drifts too.
    found: ['stuck_purge', 'trash_entries_mismatch'],
    actions: ['recompute_space_counters', 'requeue_purge'],
    remaining: [],
    after: async (h, d, r) => {
      const requeue = r.actions.find((a) => a.kind === 'requeue_purge')!
      assert.deepEqual(requeue.ids.entryIds, [Number(d.p2Entry)])
      assert.equal((await h.c.store.repos.tasks.find(Number(requeue.ids.taskId)))?.kind, 'trash.purge')
      await h.c.runner.drain()
      assert.equal(await h.c.store.repos.nodes.find(Number(h.spaceId), d.p2.id), undefined, 'the re-queued purge freed the entry')
      assert.equal(await h.c.store.repos.blobs.refCount(sha256('photo two')), null)
    },
  },
  {
    name: 'the parent folder row of a live file is deleted',
    corrupt: async (h, d) => void (await sql`delete from nodes where id = ${d.docs.id}`.execute(db(h))),
    // The root still counts the lost folder as an item; that part is safe to recompute, the orphan is not.
    found: ['folder_aggregate_mismatch', 'orphaned_live_node'],
    actions: ['recompute_folder_aggregate'],
    remaining: ['orphaned_live_node'],
    after: async (h, d, r) => {
      assert.deepEqual(r.problems.map((p) => p.ids.nodeId), [d.b.id])
      assert.ok(await h.c.store.repos.nodes.find(Number(h.spaceId), d.b.id), 'repair never deletes a node row')
    },
  },
  {
    name: 'an unfinished task has an unknown kind',
    corrupt: async (h) => void (await h.c.store.repos.tasks.insert({ libraryId: h.libraryId, spaceId: Number(h.spaceId), kind: 'bogus.kind', createdBy: 'x', now: h.clock.now() })),
    found: ['unresumable_task'],
    actions: [],
    remaining: ['unresumable_task'],
  },
  {
    name: 'a staging file is older than a day',
    corrupt: async (h) => {
      const file = path.join(h.dataDir, 'blobs', 'staging', 'ab'.repeat(16))
      await fs.mkdir(path.dirname(file), { recursive: true })
      await fs.writeFile(file, 'half an upload')
      await age(h, file, 25 * HOUR)
    },
    found: ['stale_staging'],
    actions: ['sweep_staging'],
    remaining: [],
  },
]

for (const s of scenarios) {
  test(`fsck: ${s.name}`, async () => {
    const h = await makeHarness()
    try {
      const d = await build(h)
      assert.deepEqual((await h.c.fsck.check()).problems, [], 'clean before the corruption')
      await s.corrupt(h, d)

      const full = await h.c.fsck.check()
      assert.deepEqual(kinds(full), s.found, full.summary)
      assert.equal(full.ok, false)
      for (const p of full.problems) {
        assert.ok(p.message.length > 0 && Object.keys(p.ids).length > 0, `${p.kind} says what and which`)
      }
      const quick = await h.c.fsck.check({ quick: true })
      assert.deepEqual(kinds(quick), s.quickFound ?? s.found, `quick: ${quick.summary}`)

      const before = await counts(h)
      const repaired = await h.c.fsck.repair({ orphanGraceMs: s.grace ?? HOUR })
      assert.deepEqual(await counts(h), before, 'repair never deletes a node row or an entry')
      assert.deepEqual(actionKinds(repaired), s.actions, JSON.stringify(repaired.actions))
      assert.deepEqual(kinds(repaired), s.remaining, repaired.summary)
      assert.equal(repaired.ok, s.remaining.length === 0)
      assert.ok(repaired.problems.every((p) => !p.repairable || p.kind === 'orphan_blob'), 'nothing repairable is left behind')
      // What the report says after repair is what a fresh check sees.
      assert.deepEqual(kinds(await h.c.fsck.check()), s.remaining)
      await s.after?.(h, d, repaired)
      if (!s.remaining.length) await assertConsistent(h, [h.spaceId], 'after repair')
    } finally {
      await h.close()
    }
  })
}
