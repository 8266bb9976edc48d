import { createHash } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import path from 'node:path'
import type { Repos, Store } from '../db/store.ts'
import type { Clock } from '../shared/clock.ts'
import { DAY_MS } from '../shared/clock.ts'
import type { Config } from '../config/load-config.ts'
import { BlobNotFoundError, type BlobStore } from '../blobs/blob-store.ts'
import { BlobGarbageCollector } from '../blobs/blob-gc.ts'
import { PURGE_TASK_KIND } from '../trash/trash-ops.ts'
import { FsckRepository } from './fsck.repository.ts'

export const DEFAULT_ORPHAN_GRACE_MS = 3_600_000
/** Staging older than this belongs to no upload still running (recovery at start-up uses one hour; fsck is more patient). */
export const STALE_STAGING_MS = DAY_MS

export type FsckKind =
  | 'missing_blob'
  | 'blob_size_mismatch'
  | 'blob_hash_mismatch'
  | 'orphan_blob'
  | 'ref_count_mismatch'
  | 'negative_ref_count'
  | 'blob_not_queued'
  | 'dangling_blob_reference'
  | 'live_bytes_mismatch'
  | 'trash_bytes_mismatch'
  | 'trash_entries_mismatch'
  | 'folder_aggregate_mismatch'
  | 'entry_root_missing'
  | 'entry_root_mismatch'
  | 'orphaned_live_node'
  | 'closure_inconsistent'
  | 'stuck_purge'
  | 'unresumable_task'
  | 'stale_staging'

/** What repair may fix. Everything else (lost or damaged bytes, broken tree, unknown tasks) needs a human. */
const REPAIRABLE: ReadonlySet<FsckKind> = new Set<FsckKind>([
  'orphan_blob',
  'ref_count_mismatch',
  'negative_ref_count',
  'blob_not_queued',
  'live_bytes_mismatch',
  'trash_bytes_mismatch',
  'trash_entries_mismatch',
  'folder_aggregate_mismatch',
  'stuck_purge',
  'stale_staging',
])

export type FsckIds = Record<string, string | number | null | (string | number)[]>

export interface FsckProblem {
  kind: FsckKind
  message: string
  /** The rows and blobs involved (sha256, spaceId, nodeId, entryId, taskId, …). */
  ids: FsckIds
  /** Figures behind the message (expected/actual, age in ms, …). */
  details?: Record<string, number | string | boolean | null>
  repairable: boolean
}

export interface FsckAction {
  kind: string
  message: string
  ids: FsckIds
}

export interface FsckReport {
  /** No problem left (after repair: nothing left unrepaired). */
  ok: boolean
  quick: boolean
  repaired: boolean
  checkedAt: number
  stats: { blobRows: number; storedBlobs: number; bytesHashed: number; nodes: number; spaces: number; entries: number; unfinishedTasks: number }
  problems: FsckProblem[]
  actions: FsckAction[]
  summary: string
}

export interface FsckDeps {
  store: Store
  blobs: BlobStore
  clock: Clock
  /** Task kinds a worker has a handler for; an unfinished task of any other kind can never finish. */
  kinds: string[]
  /** Local staging directory of the blob store, to report stale staging without removing it (the port only sweeps). */
  stagingDir?: string
}

const STAGING_ID_RE = /^[0-9a-f]{32}$/
const short = (sha: string) => sha.slice(0, 12)

/** Where the configured blob store stages uploads (both stores stage on local disk). */
export function stagingDirOf(blobs: Config['blobs']): string {
  return blobs.kind === 'disk' ? path.join(blobs.rootDir, 'staging') : blobs.stagingDir
}

/**
 * `trove fsck`: checks every invariant of a data directory, and repairs what is safe. Read-only unless `repair` is
 * called; never deletes a node row or a recycle entry. Safe with the server running: checks may see work in flight
 * (re-run to confirm), and every repair re-reads its truth under a row lock before writing.
 */
export class FsckService {
  private readonly gc: BlobGarbageCollector

  constructor(private readonly deps: FsckDeps) {
    this.gc = new BlobGarbageCollector({ store: deps.store, blobs: deps.blobs, clock: deps.clock })
  }

  private get repo(): FsckRepository {
    return new FsckRepository(this.deps.store.database.db)
  }

  async check(opts: { quick?: boolean } = {}): Promise<FsckReport> {
    const quick = !!opts.quick
    const problems: FsckProblem[] = []
    const add = (kind: FsckKind, message: string, ids: FsckIds, details?: FsckProblem['details']) =>
      problems.push({ kind, message, ids, ...(details ? { details } : {}), repairable: REPAIRABLE.has(kind) })
    const base = await this.repo.stats()
    const bytes = await this.checkBlobBytes(quick, add)
    const storedBlobs = await this.checkOrphans(add)
    await this.checkReferences(add)
    await this.checkCounters(add)
    await this.checkTree(add)
    await this.checkTasks(add)
    await this.checkStaging(add)
    const stats = { ...base, storedBlobs, bytesHashed: bytes }
    return this.report(quick, false, stats, problems, [])
  }

  /**
   * Repairs what is safe, then checks again and reports what is left. Order matters: reference counts first (they
   * decide what the GC may free), then the GC, orphans, counters, stuck purges and staging.
   */
  async repair(opts: { orphanGraceMs?: number; quick?: boolean } = {}): Promise<FsckReport> {
    const grace = opts.orphanGraceMs ?? DEFAULT_ORPHAN_GRACE_MS
    const before = await this.check({ quick: opts.quick })
    const actions: FsckAction[] = []
    const act = (kind: string, message: string, ids: FsckIds) => actions.push({ kind, message, ids })
    const of = (...kinds: FsckKind[]) => before.problems.filter((p) => kinds.includes(p.kind))
    const { store, clock } = this.deps
    const tx = <T>(fn: (f: FsckRepository, r: Repos) => Promise<T>) => FsckRepository.transaction(store.database, fn)

    for (const p of of('negative_ref_count', 'ref_count_mismatch')) {
      const sha = String(p.ids.sha256)
      const done = await tx(async (f) => {
        const current = await f.lockBlob(sha)
        if (current === null) return null
        const refs = await f.referenceCount(sha)
        if (refs !== current) await f.setRefCount(sha, refs)
        if (refs === 0) await f.queueIfUnreferenced(sha, clock.now())
        return refs === current ? null : { from: current, to: refs }
      })
      if (done) act('recompute_ref_count', `blob ${short(sha)}: ref_count ${done.from} → ${done.to}${done.to === 0 ? ' (queued for deletion)' : ''}`, { sha256: sha })
    }
    for (const p of of('blob_not_queued')) {
      const sha = String(p.ids.sha256)
      if (await tx((f) => f.queueIfUnreferenced(sha, clock.now()))) act('queue_blob_gc', `blob ${short(sha)}: unreferenced, queued for deletion`, { sha256: sha })
    }
    const freed = await this.gc.collect()
    if (freed) act('collect_blobs', `blob GC deleted ${freed} unreferenced blob(s)`, {})

    for (const p of of('orphan_blob')) {
      const sha = String(p.ids.sha256)
      if (Number(p.details?.ageMs) < grace) continue
      // The same re-check as the orphan sweep, widened to every referencing row: an upload committing meanwhile wins.
      const removed = await tx(async (f, r) => {
        if ((await r.blobs.exists(sha)) || (await f.isReferenced(sha))) return false
        await this.deps.blobs.delete(sha)
        return true
      })
      if (removed) act('delete_orphan_blob', `deleted orphan blob ${short(sha)} (${p.details?.sizeBytes} bytes, ${Math.round(Number(p.details?.ageMs) / 1000)} s old)`, { sha256: sha })
    }

    const spaces = new Set(of('live_bytes_mismatch', 'trash_bytes_mismatch', 'trash_entries_mismatch').map((p) => Number(p.ids.spaceId)))
    for (const spaceId of spaces) {
      const done = await tx(async (f) => {
        await f.lockSpace(spaceId)
        const [c] = await f.spaceCounters(spaceId)
        if (!c) return null
        await f.setSpaceCounters(spaceId, { liveBytes: c.realLiveBytes, trashBytes: c.realTrashBytes, trashEntries: c.realTrashEntries })
        return c
      })
      if (done) {
        const changes = `live_bytes ${done.liveBytes} → ${done.realLiveBytes}, trash_bytes ${done.trashBytes} → ${done.realTrashBytes}, trash_entries ${done.trashEntries} → ${done.realTrashEntries}`
        act('recompute_space_counters', `space ${spaceId}: ${changes}`, { spaceId })
      }
    }
    for (const p of of('folder_aggregate_mismatch')) {
      const id = Number(p.ids.nodeId)
      const done = await tx(async (f) => {
        await f.lockNode(id)
        const truth = await f.folderTruth(id)
        if (truth) await f.setFolderAggregate(id, truth.sizeBytes, truth.itemCount)
        return truth
      })
      if (done) act('recompute_folder_aggregate', `folder ${id}: size_bytes ${done.sizeBytes}, item_count ${done.itemCount}`, { nodeId: id, spaceId: Number(p.ids.spaceId) })
    }

    const stuckSpaces = new Set(of('stuck_purge').map((p) => Number(p.ids.spaceId)))
    for (const spaceId of stuckSpaces) {
      const done = await tx(async (f, r) => {
        const stuck = await f.stuckPurges(spaceId)
        if (!stuck.length) return null
        const task = { libraryId: stuck[0].libraryId, spaceId, kind: PURGE_TASK_KIND, payload: { reason: 'fsck' }, total: stuck.length, createdBy: 'fsck', now: clock.now() }
        const taskId = (await r.tasks.insert(task))!
        const ids = stuck.map((e) => e.entryId)
        await f.repointPurging(ids, taskId)
        return { taskId, ids }
      })
      if (done) act('requeue_purge', `space ${spaceId}: ${done.ids.length} stuck entr${done.ids.length === 1 ? 'y' : 'ies'} handed to purge task ${done.taskId}`, { spaceId, taskId: done.taskId, entryIds: done.ids })
    }

    if (of('stale_staging').length) {
      const removed = await this.deps.blobs.sweepStaging(STALE_STAGING_MS)
      if (removed) act('sweep_staging', `removed ${removed} stale staging file(s)`, {})
    }

    // Repair never changes bytes, so the hashes need not be read twice: carry over the mismatches still referenced.
    const after = await this.check({ quick: true })
    if (!opts.quick) {
      for (const p of of('blob_hash_mismatch')) {
        if (((await store.repos.blobs.refCount(String(p.ids.sha256))) ?? 0) > 0) after.problems.push(p)
      }
    }
    return this.report(!!opts.quick, true, { ...after.stats, bytesHashed: before.stats.bytesHashed }, after.problems, actions)
  }

  // ---- checks ------------------------------------------------------------------------------------------------------

  /** Referenced blobs exist with their size and (unless quick) their hash. Streams each blob; never loads it whole. */
  private async checkBlobBytes(quick: boolean, add: Add): Promise<number> {
    const { blobs, store } = this.deps
    let hashed = 0
    // The GC may free a blob between our page and our read: damage counts only if the blob is still referenced.
    const damaged = async (kind: FsckKind, sha: string, message: string, details: FsckProblem['details']) => {
      if (((await store.repos.blobs.refCount(sha)) ?? 0) > 0) add(kind, message, { sha256: sha, nodeIds: await this.repo.nodesNaming(sha) }, details)
    }
    for (let after = ''; ; ) {
      const page = await this.repo.referencedBlobs(after, 500)
      for (const { sha256: sha, sizeBytes } of page) {
        const st = await blobs.stat(sha)
        if (!st) {
          await damaged('missing_blob', sha, `blob ${short(sha)} (${sizeBytes} bytes) is referenced but missing from the blob store`, { sizeBytes })
        } else if (st.sizeBytes !== sizeBytes) {
          await damaged('blob_size_mismatch', sha, `blob ${short(sha)} has ${st.sizeBytes} bytes in the store, ${sizeBytes} expected`, { expected: sizeBytes, actual: st.sizeBytes })
        } else if (!quick) {
          const actual = await this.hashOf(sha)
          if (actual === null) continue
          hashed += sizeBytes
          if (actual !== sha) await damaged('blob_hash_mismatch', sha, `blob ${short(sha)} content hashes to ${short(actual)}: its bytes are damaged`, { actual })
        }
      }
      if (page.length < 500) return hashed
      after = page.at(-1)!.sha256
    }
  }

  private async hashOf(sha: string): Promise<string | null> {
    const hash = createHash('sha256')
    try {
      for await (const chunk of await this.deps.blobs.get(sha)) hash.update(chunk as Buffer)
    } catch (e) {
      if (e instanceof BlobNotFoundError) return null
      throw e
    }
    return hash.digest('hex')
  }

  /** Every stored blob has a row or a referencing row; returns how many blobs the store holds. */
  private async checkOrphans(add: Add): Promise<number> {
    const now = this.deps.clock.now()
    let count = 0
    let chunk: { key: string; sizeBytes: number; modifiedAtMs: number }[] = []
    const flush = async () => {
      const known = await this.repo.knownKeys(chunk.map((b) => b.key))
      for (const b of chunk) {
        if (known.has(b.key)) continue
        const ageMs = Math.max(0, Math.round(now - b.modifiedAtMs))
        add('orphan_blob', `blob ${short(b.key)} (${b.sizeBytes} bytes, ${Math.round(ageMs / 1000)} s old) is stored but nothing references it`, { sha256: b.key }, { sizeBytes: b.sizeBytes, ageMs })
      }
      chunk = []
    }
    for await (const b of this.deps.blobs.list()) {
      count++
      chunk.push(b)
      if (chunk.length >= 500) await flush()
    }
    await flush()
    return count
  }

  private async checkReferences(add: Add): Promise<void> {
    for (const d of await this.repo.refCountDrift()) {
      const figures = { refCount: d.refCount, references: d.references }
      if (d.refCount < 0) add('negative_ref_count', `blob ${short(d.sha256)} has a negative ref_count ${d.refCount} (${d.references} referencing rows)`, { sha256: d.sha256 }, figures)
      else add('ref_count_mismatch', `blob ${short(d.sha256)} has ref_count ${d.refCount} but ${d.references} referencing rows`, { sha256: d.sha256 }, figures)
    }
    for (const sha of await this.repo.unqueuedUnreferenced()) add('blob_not_queued', `blob ${short(sha)} is unreferenced but not queued for deletion`, { sha256: sha })
    for (const d of await this.repo.danglingReferences()) {
      const present = (await this.deps.blobs.stat(d.sha256)) !== null
      const message = `${d.references} row(s) reference blob ${short(d.sha256)} which has no blob row${present ? '' : ' (and no bytes)'}`
      add('dangling_blob_reference', message, { sha256: d.sha256, nodeIds: await this.repo.nodesNaming(d.sha256) }, { references: d.references, bytesPresent: present })
    }
  }

  private async checkCounters(add: Add): Promise<void> {
    for (const c of await this.repo.spaceCounters()) {
      const ids = { spaceId: c.spaceId }
      const drift = (kind: FsckKind, counter: string, actual: number, expected: number, truth: string) => {
        if (actual !== expected) add(kind, `space ${c.spaceId}: ${counter} is ${actual}, ${truth} ${expected}`, ids, { expected, actual })
      }
      drift('live_bytes_mismatch', 'live_bytes', c.liveBytes, c.realLiveBytes, 'visible files hold')
      drift('trash_bytes_mismatch', 'trash_bytes', c.trashBytes, c.realTrashBytes, 'bin entries hold')
      drift('trash_entries_mismatch', 'trash_entries', c.trashEntries, c.realTrashEntries, 'trashed entries number')
    }
    for (const f of await this.repo.folderDrift()) {
      add('folder_aggregate_mismatch', `folder ${f.id}: size_bytes/item_count ${f.sizeBytes}/${f.itemCount}, visible content below is ${f.realBytes}/${f.realItems}`, { nodeId: f.id, spaceId: f.spaceId }, {
        sizeBytes: f.sizeBytes,
        realBytes: f.realBytes,
        itemCount: f.itemCount,
        realItems: f.realItems,
      })
    }
  }

  private async checkTree(add: Add): Promise<void> {
    for (const e of await this.repo.entryRootProblems()) {
      const ids = { entryId: e.entryId, spaceId: e.spaceId, nodeId: e.rootNodeId }
      if (e.rootState === null) add('entry_root_missing', `bin entry ${e.entryId}: its root node ${e.rootNodeId} does not exist`, ids)
      else add('entry_root_mismatch', `bin entry ${e.entryId}: root node ${e.rootNodeId} is ${e.rootState} with recycle_entry_id ${e.rootEntryId}`, ids, { rootState: e.rootState, rootEntryId: e.rootEntryId })
    }
    for (const n of await this.repo.orphanedLiveNodes()) {
      const why = n.parentId === null ? 'has no parent and is not a space root' : `has a missing parent ${n.parentId}`
      add('orphaned_live_node', `live node ${n.id} ${why}`, { nodeId: n.id, spaceId: n.spaceId, parentId: n.parentId })
    }
    for (const c of await this.repo.closureProblems()) {
      add('closure_inconsistent', `node ${c.id}: closure rows inconsistent (${c.reason})`, { nodeId: c.id, spaceId: c.spaceId }, { reason: c.reason })
    }
  }

  private async checkTasks(add: Add): Promise<void> {
    for (const e of await this.repo.stuckPurges()) {
      add('stuck_purge', `bin entry ${e.entryId} is purging but no unfinished task will free it (task ${e.purgeTaskId ?? 'none'})`, { entryId: e.entryId, spaceId: e.spaceId, taskId: e.purgeTaskId })
    }
    for (const t of await this.repo.unresumableTasks(this.deps.kinds)) {
      add('unresumable_task', `task ${t.id} of unknown kind ${JSON.stringify(t.kind)} is unfinished and no worker can run it`, { taskId: t.id, spaceId: t.spaceId }, { taskKind: t.kind })
    }
  }

  private async checkStaging(add: Add): Promise<void> {
    if (!this.deps.stagingDir) return
    const cutoff = this.deps.clock.now() - STALE_STAGING_MS
    const stale: string[] = []
    for (const name of await fsp.readdir(this.deps.stagingDir).catch(() => [] as string[])) {
      if (!STAGING_ID_RE.test(name)) continue
      const st = await fsp.stat(path.join(this.deps.stagingDir, name)).catch(() => null)
      if (st?.isFile() && st.mtimeMs < cutoff) stale.push(name)
    }
    if (stale.length) add('stale_staging', `${stale.length} staging file(s) older than a day (uploads that never finished)`, { stagingIds: stale.sort().slice(0, 100) }, { count: stale.length })
  }

  private report(quick: boolean, repaired: boolean, stats: FsckReport['stats'], problems: FsckProblem[], actions: FsckAction[]): FsckReport {
    const fixable = problems.filter((p) => p.repairable).length
    const what = problems.length ? `${problems.length} problem(s)${repaired ? ' remain' : ''}${!repaired && fixable ? `, ${fixable} repairable with --repair` : ''}` : 'clean'
    const did = repaired ? `; ${actions.length} repair action(s)` : ''
    const counts = `${stats.blobRows} blob rows, ${stats.storedBlobs} stored blobs, ${stats.nodes} nodes, ${stats.spaces} spaces, ${stats.entries} bin entries`
    const summary = `fsck: ${what}${did} (${counts}, ${stats.unfinishedTasks} unfinished tasks${quick ? '; hashes not checked' : ''})`
    return { ok: problems.length === 0, quick, repaired, checkedAt: this.deps.clock.now(), stats, problems, actions, summary }
  }
}

type Add = (kind: FsckKind, message: string, ids: FsckIds, details?: FsckProblem['details']) => void

/** The human form of a report: one line per action and problem, then the summary. */
export function formatReport(r: FsckReport): string {
  const lines = [
    ...r.actions.map((a) => `repaired  ${a.kind}: ${a.message}`),
    ...r.problems.map((p) => `problem   ${p.kind}: ${p.message}${idsText(p.ids)}${p.repairable && !r.repaired ? ' (repairable)' : ''}`),
    r.summary,
  ]
  return lines.join('\n')
}

function idsText(ids: FsckIds): string {
  const parts = Object.entries(ids)
    .filter(([, v]) => v !== null && !(Array.isArray(v) && !v.length))
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`)
  return parts.length ? ` [${parts.join(' ')}]` : ''
}
