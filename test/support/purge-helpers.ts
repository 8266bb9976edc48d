import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { sql } from 'kysely'
import { isDomainError } from '../../src/shared/errors.ts'
import { visible } from '../../src/nodes/nodes.repository.ts'
import { usageOf } from '../../src/spaces/spaces.service.ts'
import type { Container } from '../../src/app/container.ts'
import type { TaskHandler } from '../../src/tasks/task-runner.ts'
import { blobFiles, upload, type Harness } from './harness.ts'

export const sha256 = (content: string | Buffer) => createHash('sha256').update(content).digest('hex')

/** Asserts that `p` rejects with a DomainError of exactly `code` (and returns it for further checks). */
export async function rejectsWith(p: Promise<unknown>, code: string, label = code) {
  let caught: unknown
  try {
    await p
  } catch (e) {
    caught = e
  }
  assert.ok(caught !== undefined, `${label}: expected ${code}, but the call succeeded`)
  assert.ok(isDomainError(caught), `${label}: expected DomainError ${code}, got ${String(caught)}`)
  assert.equal(caught.code, code, `${label}: ${caught.message}`)
  return caught
}

/** Files left in the upload staging area (an aborted upload must leave none). */
export async function stagingFiles(dataDir: string): Promise<string[]> {
  return (await fs.readdir(path.join(dataDir, 'blobs', 'staging')).catch(() => [])).sort()
}

export async function usage(h: Harness, spaceId = h.spaceId) {
  return h.c.spaces.usage(h.admin, spaceId)
}

/** Uploads `count` files named `${prefix}${i}` with distinct contents of `size` bytes; returns them with their bytes. */
export async function uploadMany(h: Harness, parentId: string, count: number, prefix: string, size = 10) {
  const out: { id: string; name: string; content: string }[] = []
  for (let i = 0; i < count; i++) {
    const name = `${prefix}${i}`
    const content = name.padEnd(size, '.').slice(0, size)
    const n = await upload(h, parentId, name, content)
    out.push({ id: String(n.id), name, content })
  }
  return out
}

/** Trashes a node and returns the entry id as a string. */
export async function trash(h: Harness, nodeId: string | number, spaceId = h.spaceId) {
  const { entry } = await h.c.trash.moveToTrash(h.admin, spaceId, String(nodeId))
  return String(entry.id)
}

/**
 * The ground truth read straight from the tables, to compare with the maintained counters:
 * bytes of visible files, bytes and count of bin entries, blob rows versus node references versus files on disk.
 */
export async function snapshot(c: Container, spaceId: string) {
  const db = c.database.db
  const sid = Number(spaceId)
  const live = await db
    .selectFrom('nodes as n')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('n.size_bytes'), sql<number>`0`).as('b'))
    .where('n.space_id', '=', sid)
    .where('n.kind', '=', 'file')
    .where(visible('n'))
    .executeTakeFirstOrThrow()
  const entries = await db.selectFrom('recycle_entries').select(['state', 'size_bytes']).where('space_id', '=', sid).execute()
  const blobs = await db.selectFrom('blobs').select(['sha256', 'ref_count']).execute()
  const refs = await db
    .selectFrom('nodes')
    .select(['blob_sha256', (eb) => eb.fn.countAll<number>().as('n')])
    .where('blob_sha256', 'is not', null)
    .groupBy('blob_sha256')
    .execute()
  // Maintained folder aggregates versus what is really visible below each visible folder.
  const folders = await sql<{ id: number; size_bytes: number; item_count: number; real_bytes: number; real_items: number }>`
    select f.id, f.size_bytes, f.item_count,
      (select coalesce(sum(case when n.kind = 'file' then n.size_bytes else 0 end), 0) from node_ancestors c join nodes n on n.id = c.node_id
        where c.ancestor_id = f.id and c.depth > 0 and ${visible('n')}) as real_bytes,
      (select count(*) from node_ancestors c join nodes n on n.id = c.node_id
        where c.ancestor_id = f.id and c.depth > 0 and ${visible('n')}) as real_items
    from nodes f where f.space_id = ${sid} and f.kind = 'folder' and ${visible('f')}`.execute(db)
  return {
    folderDrift: folders.rows
      .filter((f) => Number(f.size_bytes) !== Number(f.real_bytes) || Number(f.item_count) !== Number(f.real_items))
      .map((f) => ({ id: Number(f.id), sizeBytes: Number(f.size_bytes), realBytes: Number(f.real_bytes), itemCount: Number(f.item_count), realItems: Number(f.real_items) })),
    liveBytes: Number(live.b),
    trashBytes: entries.reduce((s, e) => s + Number(e.size_bytes), 0),
    trashEntries: entries.filter((e) => e.state === 'trashed').length,
    blobRows: new Map(blobs.map((b) => [b.sha256, Number(b.ref_count)])),
    nodeRefs: new Map(refs.map((r) => [r.blob_sha256!, Number(r.n)])),
    gcQueued: (await db.selectFrom('blob_gc').select('sha256').execute()).length,
    nodeRows: Number((await db.selectFrom('nodes').select((eb) => eb.fn.countAll<number>().as('n')).where('space_id', '=', sid).executeTakeFirstOrThrow()).n),
  }
}

/**
 * Everything that must hold once the tasks have drained: counters equal the ground truth, every blob row's count
 * equals the node rows naming it (so nothing was released twice or not at all), bytes on disk are exactly the rows.
 */
export async function assertConsistent(h: Harness, spaceIds: string[] = [h.spaceId], label = '') {
  const at = label ? ` (${label})` : ''
  for (const spaceId of spaceIds) {
    const s = await snapshot(h.c, spaceId)
    // Read through the repository so spaces of other libraries can be checked too.
    const u = usageOf((await h.c.store.repos.spaces.find(Number(spaceId)))!)
    assert.equal(u.liveBytes, s.liveBytes, `liveBytes counter vs visible files${at}`)
    assert.equal(u.trashBytes, s.trashBytes, `trashBytes counter vs bin entries${at}`)
    assert.equal(u.trashEntries, s.trashEntries, `trashEntries counter vs trashed entries${at}`)
    assert.equal(u.usedBytes, s.liveBytes + s.trashBytes, `usedBytes${at}`)
    assert.deepEqual(s.folderDrift, [], `folder size/item aggregates vs visible content${at}`)
  }
  const s = await snapshot(h.c, spaceIds[0])
  for (const [sha, n] of s.blobRows) {
    assert.ok(n >= 0, `blob ${sha.slice(0, 8)} has a negative ref_count ${n}${at}`)
    assert.equal(n, s.nodeRefs.get(sha) ?? 0, `ref_count of ${sha.slice(0, 8)} vs node rows${at}`)
  }
  for (const sha of s.nodeRefs.keys()) assert.ok(s.blobRows.has(sha), `node references blob ${sha.slice(0, 8)} without a row${at}`)
  assert.deepEqual(await blobFiles(h.dataDir), [...s.blobRows.keys()].sort(), `blob files on disk vs blob rows${at}`)
  assert.equal(s.gcQueued, 0, `blob GC queue drained${at}`)
  assert.deepEqual(await stagingFiles(h.dataDir), [], `staging area empty${at}`)
}

/**
 * The purge handler the container registered (its real purger, settings and hooks), so tests can drive it with an
 * interrupted context. Reaches into the runner's private map: there is no public accessor.
 */
export function registeredHandler(c: Container, kind: string): TaskHandler {
  const handler = (c.runner as unknown as { handlers: Map<string, TaskHandler> }).handlers.get(kind)
  assert.ok(handler, `no handler registered for ${kind}`)
  return handler
}
