import type { Store, Repos } from '../db/store.ts'
import type { Clock } from '../shared/clock.ts'
import { DomainError, invalid, isDomainError } from '../shared/errors.ts'
import { parseDecimalId } from '../shared/ids.ts'
import { validateNameFilter } from '../shared/names.ts'
import { decodeCursor, encodeCursor } from '../shared/cursor.ts'
import { authorize } from '../access/authorize.ts'
import type { Actor } from '../access/grants.ts'
import type { SpacesService } from '../spaces/spaces.service.ts'
import type { NodesService } from '../nodes/nodes.service.ts'
import type { Space } from '../spaces/spaces.repository.ts'
import type { ConflictPolicy, DriveNode, SortOrder } from '../nodes/node.ts'
import { planName } from '../nodes/naming.ts'
import { trashNode, PURGE_TASK_KIND } from './trash-ops.ts'
import { remainingDays } from './retention.ts'
import type { BinSortKey, RecycleEntry, TrashFilter } from './recycle-entry.ts'
import { TRASH_SORT_COLUMNS } from './trash.repository.ts'
import type { TaskRunnerHandle } from '../tasks/task-runner.ts'

/** The kind of the tasks that free purged entries (for transports that present tasks by kind). */
export { PURGE_TASK_KIND }

export const MAX_BATCH = 1000
export const MAX_TRASH_PAGE = 1000
export const RETENTION_TASK_KIND = 'trash.purge-expired'

export type MissingParentPolicy = 'recreate' | 'root' | 'fail'

export interface RestoreOptions {
  onConflict?: ConflictPolicy
  onMissingParent?: MissingParentPolicy
  dryRun?: boolean
}

export interface RestoreOutcome {
  entryId: string
  status: 'restored' | 'failed'
  nodeId?: string
  parentId?: string
  name?: string
  path?: string
  renamed?: boolean
  parentRecreated?: boolean
  restoredToRoot?: boolean
  overwrittenNodeId?: string
  error?: { code: string; message: string }
}

export interface TrashListOptions {
  sort?: BinSortKey
  order?: SortOrder
  limit?: number
  cursor?: string
  /** Page-number mode (1-based) for clients that need it; served through the same index, the skip is the cost. */
  page?: number
  filter?: TrashFilter
}

export interface TrashListItem extends RecycleEntry {
  remainingDays: number
}

export interface TrashPage {
  items: TrashListItem[]
  nextCursor: string | null
  total: number
}

export interface PurgeRequest {
  taskId: number | null
  accepted: string[]
  rejected: { entryId: string; code: string; message: string }[]
}

/** The recycle bin's use cases. Purging itself runs in the background (see purge.ts). */
export class TrashService {
  constructor(
    private readonly deps: {
      store: Store
      clock: Clock
      spaces: SpacesService
      nodes: NodesService
      tasks: TaskRunnerHandle
    },
  ) {}

  /** Moves a node to the bin (or purges it: `permanent`, or a space whose bin is disabled). O(1) in descendants. */
  async moveToTrash(actor: Actor, spaceId: string, nodeId: string, opts: { permanent?: boolean } = {}): Promise<{ entry: TrashListItem; purgeTaskId: number | null }> {
    const now = this.deps.clock.now()
    // Every round trip counts on PostgreSQL: the locked space row, then the node with its path, then the writes.
    const result = await this.deps.store.transaction(async (r) => {
      const space = await this.deps.spaces.loadForWrite(r, actor, spaceId)
      const { node, pathNames } = await this.deps.nodes.visibleNodeWithPath(space, nodeId, r)
      const permanent = !!opts.permanent || !space.recycleBinEnabled
      authorize(actor, space, grantFor(node, permanent))
      return trashNode(r, { space, node, pathNames, userId: actor.userId, now, permanent: !!opts.permanent })
    })
    if (result.purgeTaskId) this.deps.tasks.wake()
    return { entry: this.present(result.entry), purgeTaskId: result.purgeTaskId }
  }

  async get(actor: Actor, spaceId: string, entryId: string): Promise<TrashListItem> {
    const space = await this.deps.spaces.load(actor, spaceId)
    return this.present(await this.visibleEntry(space, entryId))
  }

  async list(actor: Actor, spaceId: string, opts: TrashListOptions = {}): Promise<TrashPage> {
    const space = await this.deps.spaces.load(actor, spaceId)
    const sort = opts.sort ?? 'removed'
    const order = opts.order ?? 'desc'
    if (!(sort in TRASH_SORT_COLUMNS)) throw invalid(`sort must be one of ${Object.keys(TRASH_SORT_COLUMNS).join(', ')}`)
    if (order !== 'asc' && order !== 'desc') throw invalid('order must be asc or desc')
    const limit = opts.limit ?? 100
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TRASH_PAGE) throw invalid(`limit must be an integer from 1 to ${MAX_TRASH_PAGE}`)
    if (opts.page !== undefined && (!Number.isSafeInteger(opts.page) || opts.page < 1)) throw invalid('page must be a positive integer')
    if (opts.page !== undefined && opts.cursor) throw invalid('Use either page or cursor, not both')
    // An empty value (`?removedBy=`) means "no filter", for the items and the total alike.
    const filter = Object.fromEntries(Object.entries(opts.filter ?? {}).filter(([, v]) => v !== undefined && v !== '')) as TrashFilter
    if (filter.nameContains !== undefined) validateNameFilter(filter.nameContains, 'The name filter')
    const sortTag = `trash:${sort}:${order}`
    const after = opts.cursor ? decodeCursor(opts.cursor, sortTag) : undefined
    const repo = this.deps.store.repos.trash
    const rows = await repo.page(Number(space.id), {
      sort,
      order,
      limit: limit + 1,
      filter,
      after: after && { key: after.k as string | number, id: after.i },
      offset: opts.page ? (opts.page - 1) * limit : undefined,
    })
    const items = rows.slice(0, limit).map((e) => this.present(e))
    const last = items.at(-1)
    const nextCursor = rows.length > limit && last ? encodeCursor({ s: sortTag, k: trashKeyOf(last, sort), i: last.id }) : null
    // The unfiltered total is a maintained counter: no COUNT(*) over a million rows on every page.
    const total = isEmptyFilter(filter) ? space.trashEntries : await repo.count(Number(space.id), filter)
    return { items, nextCursor, total }
  }

  /**
   * Restores entries under their original parent (by id, so renames of the parent do not matter). Each entry gets its own
   * outcome; a dry run performs the same steps in a transaction that is rolled back.
   */
  async restore(actor: Actor, spaceId: string, entryIds: string[], opts: RestoreOptions = {}): Promise<RestoreOutcome[]> {
    const onConflict = opts.onConflict ?? 'rename'
    const onMissingParent = opts.onMissingParent ?? 'recreate'
    return this.deps.store.batch(
      async (r, attempt) => {
        const space = await this.deps.spaces.loadForWrite(r, actor, spaceId, 'restore_recycled')
        if (!['rename', 'overwrite', 'fail'].includes(onConflict)) throw invalid('onConflict must be rename, overwrite or fail')
        if (!['recreate', 'root', 'fail'].includes(onMissingParent)) throw invalid('onMissingParent must be recreate, root or fail')
        if (!entryIds.length) throw invalid('Name at least one entry to restore')
        if (entryIds.length > MAX_BATCH) throw new DomainError('trash.too_many', `At most ${MAX_BATCH} entries per request`)
        const outcomes: RestoreOutcome[] = []
        for (const [i, entryId] of entryIds.entries()) {
          // The locked row is fresh for the first entry; each restore moves the counters the next quota check reads.
          const current = i === 0 ? space : (await r.spaces.find(Number(space.id)))!
          const res = await attempt(() => this.restoreOne(r, actor, current, entryId, onConflict, onMissingParent))
          if (res.ok) outcomes.push(opts.dryRun ? withoutUnbornIds(res.value) : res.value)
          else if (isDomainError(res.error)) outcomes.push({ entryId, status: 'failed', error: { code: res.error.code, message: res.error.message } })
          // A concurrent request took the name between our check and our write: this entry fails, the others go on.
          else if (this.deps.store.isUniqueViolation(res.error)) outcomes.push({ entryId, status: 'failed', error: { code: 'node.name_conflict', message: 'The name was taken by a concurrent request; try again' } })
          else throw res.error
        }
        return outcomes
      },
      { rollback: !!opts.dryRun, savepoints: entryIds.length > 1 },
    )
  }

  /** `space` is the locked row, fresh: its counters are what the quota check needs. */
  private async restoreOne(r: Repos, actor: Actor, space: Space, entryId: string, onConflict: ConflictPolicy, onMissingParent: MissingParentPolicy): Promise<RestoreOutcome> {
    const now = this.deps.clock.now()
    const spaceNum = Number(space.id)
    // The guarded take is the first write: of a restore and a purge racing for this entry, exactly one wins.
    const id = parseDecimalId(entryId)
    const entry = id === null ? undefined : await r.trash.takeForRestore(spaceNum, id)
    if (!entry) throw await this.lostRace(r, space, entryId, id)
    if (space.quotaBytes !== null && space.liveBytes + space.trashBytes > space.quotaBytes) {
      throw new DomainError('quota.exceeded', 'The space is over its quota; free space before restoring', { quotaBytes: space.quotaBytes, usedBytes: space.liveBytes + space.trashBytes })
    }
    // The entry is a snapshot of its root as trashed, and a trashed root never changes: no need to read the node.
    const node = { id: entry.rootNodeId, name: entry.name, kind: entry.kind, parentId: entry.originalParentId, modifiedAt: entry.modifiedAt }
    const original = await r.nodes.findVisibleWithPath(spaceNum, entry.originalParentId, { liveChildNamed: node.name })
    let target: DriveNode
    // The names of the target's path when known without another query (the restored path is reported and audited).
    let targetNames: string[] | null = null
    let known: { existing: DriveNode | null } | undefined
    let parentRecreated = false
    let restoredToRoot = false
    if (original && original.node.kind === 'folder') {
      target = original.node
      targetNames = original.pathNames
      known = { existing: original.liveChild }
    } else if (onMissingParent === 'fail') {
      throw new DomainError('trash.parent_missing', `The original folder of ${entry.originalPath} no longer exists`, { originalPath: entry.originalPath })
    } else if (onMissingParent === 'root') {
      target = (await r.nodes.find(spaceNum, space.rootNodeId))!
      targetNames = []
      restoredToRoot = true
    } else {
      target = await this.recreateFolders(r, space, parentPathOf(entry.originalPath), actor.userId, now)
      parentRecreated = true
    }
    const plan = await planName(r, target.id, node.name, node.kind, onConflict, known)
    if (plan.replaces) {
      authorize(actor, space, 'delete_file')
      await trashNode(r, { space: (await r.spaces.find(spaceNum))!, node: plan.replaces, userId: actor.userId, now, permanent: false })
    }
    // Name and place first, state last: the node joins the live siblings only once its name is free there.
    if (target.id !== node.parentId) await r.nodes.reparent(node.id, target.id, plan.name)
    else if (plan.name !== node.name) await r.nodes.rename(node.id, plan.name, node.modifiedAt)
    const path = '/' + (targetNames ? [...targetNames, plan.name] : await r.nodes.pathNames(node.id)).join('/')
    const restored = await r.binWrites.restore({
      root: { id: node.id, parentId: target.id, from: 'trashed', to: 'live', entryId: null, bytes: entry.sizeBytes, items: entry.itemCount, now },
      spaceId: spaceNum,
      space: { liveBytes: entry.sizeBytes, trashBytes: -entry.sizeBytes, trashEntries: -1 },
      audit: {
        libraryId: space.libraryId,
        spaceId: spaceNum,
        actor: actor.userId,
        action: 'restore',
        entryId: entry.id,
        nodeId: node.id,
        name: plan.name,
        details: { from: entry.originalPath, to: path, renamed: plan.renamed, parentRecreated, restoredToRoot },
        at: now,
      },
    })
    if (!restored) throw new DomainError('trash.entry_not_found', `Entry ${entry.id} no longer holds a restorable item`, { id: String(entry.id) })
    return {
      entryId: String(entry.id),
      status: 'restored',
      nodeId: String(node.id),
      parentId: String(target.id),
      name: plan.name,
      path,
      renamed: plan.renamed,
      parentRecreated,
      restoredToRoot,
      ...(plan.replaces ? { overwrittenNodeId: String(plan.replaces.id) } : {}),
    }
  }

  /** Recreates the missing folders of a path, reusing those that still exist. */
  private async recreateFolders(r: Repos, space: Space, path: string, userId: string, now: number): Promise<DriveNode> {
    let current = (await r.nodes.find(Number(space.id), space.rootNodeId))!
    for (const part of path.split('/').filter(Boolean)) {
      const existing = await r.nodes.findLiveChild(current.id, part)
      if (existing?.kind === 'folder') {
        current = existing
        continue
      }
      // A file took the folder's name meanwhile: the recreated folder gets a numbered name beside it.
      const plan = await planName(r, current.id, part, 'folder', 'rename')
      const id = await r.nodes.insert({ spaceId: Number(space.id), parentId: current.id, name: plan.name, kind: 'folder', sizeBytes: 0, contentType: null, blobSha256: null, createdBy: userId, now })
      await r.nodes.adjustAncestors(current.id, 0, 1, now)
      current = (await r.nodes.find(Number(space.id), id))!
    }
    return current
  }

  /**
   * Permanently deletes entries (up to 1,000): they vanish from the bin at once and a task frees them.
   * Entries that cannot be taken (held, already purging, unknown) are reported, not silently dropped.
   */
  async deleteEntries(actor: Actor, spaceId: string, entryIds: string[]): Promise<PurgeRequest> {
    const now = this.deps.clock.now()
    const result = await this.deps.store.transaction(async (r) => {
      const space = await this.deps.spaces.loadForWrite(r, actor, spaceId, 'delete_recycled')
      if (!entryIds.length) throw invalid('Name at least one entry to delete')
      if (entryIds.length > MAX_BATCH) throw new DomainError('trash.too_many', `At most ${MAX_BATCH} entries per request`)
      const spaceNum = Number(space.id)
      const ids = [...new Set(entryIds.map((id) => parseDecimalId(id)).filter((id): id is number => id !== null))]
      if (space.hold) {
        return { taskId: null, accepted: [], rejected: entryIds.map((entryId) => ({ entryId, code: 'trash.entry_held', message: 'The recycle bin of this space is on hold' })) }
      }
      const taskId = (await r.tasks.insert({ libraryId: space.libraryId, spaceId: spaceNum, kind: PURGE_TASK_KIND, payload: { reason: 'delete' }, createdBy: actor.userId, now }))!
      const flipped = new Set(await r.trash.markPurging(spaceNum, ids, taskId))
      const known = new Map((await r.trash.listIds(spaceNum, ids)).map((e) => [e.id, e]))
      const rejected: PurgeRequest['rejected'] = []
      for (const raw of entryIds) {
        const id = parseDecimalId(raw)
        if (id !== null && flipped.has(id)) continue
        const e = id === null ? undefined : known.get(id)
        if (!e) rejected.push({ entryId: raw, code: 'trash.entry_not_found', message: `Entry ${raw} is not in the recycle bin` })
        else if (e.held) rejected.push({ entryId: raw, code: 'trash.entry_held', message: `Entry ${raw} is on hold` })
        else if (e.purgeTaskId !== taskId) rejected.push({ entryId: raw, code: 'trash.entry_purging', message: `Entry ${raw} is already being deleted` })
      }
      // Nothing to free: no task is left behind for the user to wonder about.
      if (!flipped.size) {
        await r.tasks.delete(taskId)
        return { taskId: null, accepted: [], rejected }
      }
      await r.tasks.setTotal(taskId, flipped.size)
      await r.spaces.adjust(spaceNum, { trashEntries: -flipped.size })
      await r.audit.recordMany(
        [...flipped].map((id) => {
          const e = known.get(id)!
          return { libraryId: space.libraryId, spaceId: spaceNum, actor: actor.userId, action: 'delete' as const, entryId: id, nodeId: e.rootNodeId, name: e.name, details: { path: e.originalPath, taskId }, at: now }
        }),
      )
      return { taskId, accepted: [...flipped].map(String), rejected }
    })
    if (result.accepted.length) this.deps.tasks.wake()
    return result
  }

  /** Empties the bin: every unheld entry disappears at once; a durable task frees them. An empty bin gives a finished task. */
  async emptyTrash(actor: Actor, spaceId: string): Promise<{ taskId: number; entries: number }> {
    const now = this.deps.clock.now()
    const result = await this.deps.store.transaction(async (r) => {
      const space = await this.deps.spaces.loadForWrite(r, actor, spaceId, 'delete_recycled')
      if (space.hold) throw new DomainError('trash.entry_held', 'The recycle bin of this space is on hold; release it before emptying')
      const spaceNum = Number(space.id)
      const taskId = (await r.tasks.insert({ libraryId: space.libraryId, spaceId: spaceNum, kind: PURGE_TASK_KIND, payload: { reason: 'empty' }, createdBy: actor.userId, now }))!
      const n = await r.trash.markAllPurging(spaceNum, taskId)
      await r.tasks.setTotal(taskId, n)
      await r.spaces.adjust(spaceNum, { trashEntries: -n })
      if (n === 0) await r.tasks.finish(taskId, 'Succeed', now)
      await r.audit.record({ libraryId: space.libraryId, spaceId: spaceNum, actor: actor.userId, action: 'empty', entryId: null, nodeId: null, name: null, details: { entries: n, taskId }, at: now })
      return { taskId, entries: n }
    })
    if (result.entries) this.deps.tasks.wake()
    return result
  }

  /** A held entry is never purged: not by retention, not by delete or empty. */
  async setHeld(actor: Actor, spaceId: string, entryId: string, held: boolean): Promise<TrashListItem> {
    const space = await this.deps.spaces.load(actor, spaceId, 'space_admin')
    const entry = await this.visibleEntry(space, entryId)
    const now = this.deps.clock.now()
    await this.deps.store.transaction(async (r) => {
      await r.trash.setHeld(Number(space.id), entry.id, held)
      await r.audit.record({ libraryId: space.libraryId, spaceId: Number(space.id), actor: actor.userId, action: held ? 'hold' : 'release', entryId: entry.id, nodeId: entry.rootNodeId, name: entry.name, details: {}, at: now })
    })
    return this.present({ ...entry, held })
  }

  /** Enqueues the retention purge for the current period; several calls (or nodes) in one period enqueue it once. */
  async schedulePurgeExpired(periodMs: number): Promise<number | null> {
    const now = this.deps.clock.now()
    const id = await this.deps.store.repos.tasks.insert({
      libraryId: '*',
      spaceId: null,
      kind: RETENTION_TASK_KIND,
      payload: { asOf: now },
      createdBy: 'system',
      now,
      dedupeKey: `retention:${Math.floor(now / periodMs)}`,
    })
    if (id) this.deps.tasks.wake()
    return id
  }

  private async visibleEntry(space: Space, entryId: string): Promise<RecycleEntry> {
    const id = parseDecimalId(entryId)
    const entry = id === null ? undefined : await this.deps.store.repos.trash.find(Number(space.id), id)
    if (!entry) throw entryNotFound(entryId)
    if (entry.state === 'purging') {
      throw new DomainError('trash.entry_purging', `Entry ${entryId} is being permanently deleted`, { id: entryId })
    }
    return entry
  }

  /** Why an entry could not be taken for restore: a purge got it first, or it was never (or no longer) in the bin. */
  private async lostRace(r: Repos, space: Space, entryId: string, id: number | null): Promise<DomainError> {
    const now = id === null ? undefined : await r.trash.find(Number(space.id), id)
    if (now?.state === 'purging') return new DomainError('trash.entry_purging', `Entry ${entryId} is being permanently deleted and can no longer be restored`, { id: entryId })
    return entryNotFound(entryId)
  }

  present(e: RecycleEntry): TrashListItem {
    return { ...e, remainingDays: remainingDays(e.expiresAt, this.deps.clock.now()) }
  }
}

function entryNotFound(entryId: string): DomainError {
  return new DomainError('trash.entry_not_found', `Entry ${entryId} is not in the recycle bin`, { id: entryId })
}

/** A dry run cannot promise the id of a folder it would create (it does not exist, and sequences are not rolled back). */
function withoutUnbornIds(o: RestoreOutcome): RestoreOutcome {
  if (!o.parentRecreated) return o
  const { parentId: _unborn, ...rest } = o
  return rest
}

function grantFor(node: DriveNode, permanent: boolean) {
  if (node.kind === 'file') return permanent ? 'delete_file_permanent' : 'delete_file'
  return permanent ? 'delete_directory_permanent' : 'delete_directory'
}

function parentPathOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'))
}

function trashKeyOf(e: RecycleEntry, sort: BinSortKey): string | number {
  switch (sort) {
    case 'name':
      return e.name
    case 'modified':
      return e.modifiedAt
    case 'size':
      return e.sizeBytes
    case 'removed':
      return e.removedAt
    case 'remaining':
      return e.expiresAt
    case 'path':
      return e.originalPath
    case 'removedBy':
      return e.removedBy
  }
}

function isEmptyFilter(f: TrashFilter): boolean {
  return Object.values(f).every((v) => v === undefined || v === '')
}
