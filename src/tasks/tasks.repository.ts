import { sql, type Selectable, type SqlBool } from 'kysely'
import type { Db } from '../db/database.ts'
import type { TasksTable } from '../db/schema.ts'
import type { DialectKit } from '../db/dialects/kit.ts'
import { MAX_RECORDED_FAILURES, type Task, type TaskFailure, type TaskState } from './task.ts'

function toTask(r: Selectable<TasksTable>): Task {
  return {
    id: Number(r.id),
    libraryId: r.library_id,
    spaceId: r.space_id === null ? null : Number(r.space_id),
    kind: r.kind,
    state: r.state,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    total: Number(r.total),
    done: Number(r.done),
    failed: Number(r.failed),
    failures: JSON.parse(r.failures) as TaskFailure[],
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    startedAt: r.started_at === null ? null : Number(r.started_at),
    finishedAt: r.finished_at === null ? null : Number(r.finished_at),
    cancelRequested: r.cancel_requested === 1,
  }
}

export interface NewTask {
  libraryId: string
  spaceId: number | null
  kind: string
  payload?: Record<string, unknown>
  total?: number
  createdBy: string
  now: number
  dedupeKey?: string
}

export interface ClaimedTask {
  id: number
  kind: string
  attempts: number
}

export class TasksRepository {
  constructor(
    private readonly db: Db,
    private readonly kit: DialectKit,
  ) {}

  /** Enqueues a task. With a dedupe key, a second enqueue is a no-op and returns null. */
  async insert(t: NewTask): Promise<number | null> {
    const row = await this.db
      .insertInto('tasks')
      .values({
        library_id: t.libraryId,
        space_id: t.spaceId,
        kind: t.kind,
        state: 'Running',
        payload: JSON.stringify(t.payload ?? {}),
        total: t.total ?? 0,
        done: 0,
        failed: 0,
        failures: '[]',
        created_by: t.createdBy,
        created_at: t.now,
        started_at: null,
        finished_at: null,
        run_at: t.now,
        lease_owner: null,
        lease_until: null,
        attempts: 0,
        dedupe_key: t.dedupeKey ?? null,
        cancel_requested: 0,
      })
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .returning('id')
      .executeTakeFirst()
    return row ? Number(row.id) : null
  }

  async find(id: number): Promise<Task | undefined> {
    const row = await this.db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toTask(row)
  }

  async list(libraryId: string, opts: { spaceIds: number[] | null; limit: number; beforeId?: number; state?: TaskState }): Promise<Task[]> {
    let q = this.db.selectFrom('tasks').selectAll().where('library_id', '=', libraryId)
    if (opts.spaceIds) q = q.where('space_id', 'in', opts.spaceIds.length ? opts.spaceIds : [-1])
    if (opts.beforeId) q = q.where('id', '<', opts.beforeId)
    if (opts.state) q = q.where('state', '=', opts.state)
    return (await q.orderBy('id', 'desc').limit(opts.limit).execute()).map(toTask)
  }

  /**
   * Claims up to `n` runnable tasks for `worker`: queued ones, and running ones whose lease expired (their worker died).
   * One guarded UPDATE; on PostgreSQL the inner select skips rows another worker has locked.
   */
  async claim(worker: string, now: number, leaseMs: number, n: number): Promise<ClaimedTask[]> {
    const rows = await this.db
      .updateTable('tasks')
      .set((eb) => ({
        lease_owner: worker,
        lease_until: now + leaseMs,
        attempts: eb('attempts', '+', 1),
        started_at: sql<number>`coalesce(started_at, ${now})`,
      }))
      .where('id', 'in', (eb) => {
        const q = eb
          .selectFrom('tasks')
          .select('id')
          .where('state', '=', 'Running')
          .where('run_at', '<=', now)
          .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<', now)]))
          .orderBy('run_at')
          .orderBy('id')
          .limit(n)
        return this.kit.capabilities.skipLocked ? q.forUpdate().skipLocked() : q
      })
      .returning(['id', 'kind', 'attempts'])
      .execute()
    return rows.map((r) => ({ id: Number(r.id), kind: r.kind, attempts: r.attempts }))
  }

  /** Keeps a lease alive while working; false if the lease was lost (another worker took over). */
  async renewLease(id: number, worker: string, until: number): Promise<boolean> {
    const res = await this.db.updateTable('tasks').set({ lease_until: until }).where('id', '=', id).where('lease_owner', '=', worker).executeTakeFirst()
    return Number(res.numUpdatedRows) === 1
  }

  async addProgress(id: number, done: number, failures: TaskFailure[] = []): Promise<void> {
    await this.db
      .updateTable('tasks')
      .set((eb) => ({ done: eb('done', '+', done), failed: eb('failed', '+', failures.length) }))
      .where('id', '=', id)
      .execute()
    if (failures.length) {
      const row = await this.db.selectFrom('tasks').select('failures').where('id', '=', id).executeTakeFirst()
      const kept = [...(JSON.parse(row?.failures ?? '[]') as TaskFailure[]), ...failures].slice(0, MAX_RECORDED_FAILURES)
      await this.db.updateTable('tasks').set({ failures: JSON.stringify(kept) }).where('id', '=', id).execute()
    }
  }

  async addTotal(id: number, n: number): Promise<void> {
    await this.db.updateTable('tasks').set((eb) => ({ total: eb('total', '+', n) })).where('id', '=', id).execute()
  }

  async setTotal(id: number, total: number): Promise<void> {
    await this.db.updateTable('tasks').set({ total }).where('id', '=', id).execute()
  }

  async finish(id: number, state: TaskState, now: number): Promise<void> {
    await this.db
      .updateTable('tasks')
      .set({ state, finished_at: now, lease_owner: null, lease_until: null })
      .where('id', '=', id)
      .where('state', '=', 'Running')
      .execute()
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('tasks').where('id', '=', id).execute()
  }

  async requestCancel(id: number): Promise<void> {
    await this.db.updateTable('tasks').set({ cancel_requested: 1 }).where('id', '=', id).where('state', '=', 'Running').execute()
  }

  async retryLater(id: number, runAt: number): Promise<void> {
    await this.db.updateTable('tasks').set({ run_at: runAt, lease_owner: null, lease_until: null }).where('id', '=', id).execute()
  }

  /** Embedded mode after a restart: no other process can hold a lease, so every running task is claimable now. */
  async releaseAllLeases(): Promise<number> {
    const res = await this.db.updateTable('tasks').set({ lease_owner: null, lease_until: null }).where('state', '=', 'Running').where('lease_owner', 'is not', null).executeTakeFirst()
    return Number(res.numUpdatedRows)
  }

  async queueStats(now: number): Promise<{ depth: number; oldestAgeSeconds: number }> {
    const row = await this.db
      .selectFrom('tasks')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('created_at').as('oldest')])
      .where('state', '=', 'Running')
      .executeTakeFirstOrThrow()
    const oldest = row.oldest === null ? null : Number(row.oldest)
    return { depth: Number(row.n), oldestAgeSeconds: oldest === null ? 0 : Math.max(0, (now - oldest) / 1000) }
  }

  async countUnfinished(): Promise<number> {
    const row = await this.db
      .selectFrom('tasks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(sql<SqlBool>`state = 'Running'`)
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }
}
