import { sql, type Kysely } from 'kysely'
import type { Db } from '../db/database.ts'
import type { DB, Tables008 } from '../db/schema.ts'

/** One counter to take an attempt from, and how it behaves (computed by SignInThrottle, applied here atomically). */
export interface CounterUse {
  key: string
  /** The count starts again from 1 when its window began at or before this instant (fixed windows)… */
  restartIfWindowStartedBy: number
  /** …or when its last attempt was at or before this one (an idle counter is forgotten). */
  restartIfIdleSince: number
  /** Until when the counter is blocked once it holds `failures` (this attempt included); 0: not blocked. */
  blockedUntil(failures: number, windowStartedAt: number): number
}

export type Reservation = { ok: true } | { ok: false; blockedUntil: number }

class Blocked extends Error {
  constructor(readonly blockedUntil: number) {
    super('blocked')
  }
}

/**
 * The password-guessing counters (`sign_in_throttle`, migration 008). Not part of `Repos`: the throttle is used outside
 * any other unit of work, so it runs its own short transactions on the handle it was given (on SQLite, the one
 * connection: nothing else is queried while one of them is open).
 */
export class SignInThrottleRepository {
  private readonly db: Kysely<DB & Tables008>

  constructor(db: Db) {
    this.db = db.withTables<Tables008>()
  }

  /**
   * Takes one attempt from every counter, all or none, in one transaction: each counter is incremented in place
   * (an upsert, never read-modify-write, so concurrent attempts cannot lose a count) unless it is blocked at `now`, and
   * the block its new count calls for is written before the transaction ends. Keys are taken in sorted order, so two
   * attempts sharing counters never deadlock on PostgreSQL. When one counter is blocked nothing is counted anywhere.
   */
  async reserve(uses: CounterUse[], now: number): Promise<Reservation> {
    const sorted = [...uses].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const u of sorted) {
          const restart = sql<boolean>`(sign_in_throttle.window_started_at <= ${u.restartIfWindowStartedBy} or sign_in_throttle.last_attempt_at <= ${u.restartIfIdleSince})`
          const row = await trx
            .insertInto('sign_in_throttle')
            .values({ key: u.key, failures: 1, window_started_at: now, last_attempt_at: now, blocked_until: 0 })
            .onConflict((oc) =>
              oc
                .column('key')
                .doUpdateSet({
                  failures: sql<number>`case when ${restart} then 1 else sign_in_throttle.failures + 1 end`,
                  window_started_at: sql<number>`case when ${restart} then cast(${now} as bigint) else sign_in_throttle.window_started_at end`,
                  last_attempt_at: now,
                })
                .where('sign_in_throttle.blocked_until', '<=', now),
            )
            .returning(['failures', 'window_started_at'])
            .executeTakeFirst()
          if (!row) {
            const held = await trx.selectFrom('sign_in_throttle').select('blocked_until').where('key', '=', u.key).executeTakeFirst()
            throw new Blocked(Number(held?.blocked_until ?? now))
          }
          const until = u.blockedUntil(Number(row.failures), Number(row.window_started_at))
          if (until > now) await trx.updateTable('sign_in_throttle').set({ blocked_until: until }).where('key', '=', u.key).execute()
        }
      })
      return { ok: true }
    } catch (e) {
      if (e instanceof Blocked) return { ok: false, blockedUntil: e.blockedUntil }
      throw e
    }
  }

  /** The user names' counters start again (a successful sign-in). */
  async clear(keys: string[]): Promise<void> {
    if (keys.length) await this.db.deleteFrom('sign_in_throttle').where('key', 'in', keys).execute()
  }

  /**
   * Gives back the attempt taken from a counter that only caps failures (a client address): the attempt succeeded.
   * The block is lifted when the count falls below `blockedFrom` again.
   */
  async giveBack(key: string, blockedFrom: number): Promise<void> {
    await this.db
      .updateTable('sign_in_throttle')
      .set({
        failures: sql<number>`failures - 1`,
        blocked_until: sql<number>`case when failures <= ${blockedFrom} then 0 else blocked_until end`,
      })
      .where('key', '=', key)
      .where('failures', '>', 0)
      .execute()
  }

  /** Deletes counters idle since `idleSince` and not blocked at `now`; returns how many. */
  async prune(idleSince: number, now: number): Promise<number> {
    const res = await this.db.deleteFrom('sign_in_throttle').where('last_attempt_at', '<=', idleSince).where('blocked_until', '<=', now).executeTakeFirst()
    return Number(res.numDeletedRows)
  }

  async find(key: string): Promise<{ failures: number; windowStartedAt: number; lastAttemptAt: number; blockedUntil: number } | undefined> {
    const r = await this.db.selectFrom('sign_in_throttle').selectAll().where('key', '=', key).executeTakeFirst()
    return r && { failures: Number(r.failures), windowStartedAt: Number(r.window_started_at), lastAttemptAt: Number(r.last_attempt_at), blockedUntil: Number(r.blocked_until) }
  }
}
