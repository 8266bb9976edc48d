import { createHash } from 'node:crypto'
import type { Clock } from '../shared/clock.ts'
import { DomainError } from '../shared/errors.ts'
import type { CounterUse, SignInThrottleRepository } from './sign-in-throttle.repository.ts'

/**
 * Slows down password guessing, for every way a password is checked (web sign-in `POST /session`, `POST /tokens` behind
 * `trove login`). The counters live in the database, so the limits hold whichever API node a request lands on.
 *
 * Policy (docs/ui.md, "Sign-in limits"):
 * - Per user name within a library: 5 failed attempts in a row are free; from then on each further attempt must wait
 *   a window that doubles, 1 s, 2 s, 4 s … capped at 15 minutes. A blocked attempt is refused (`auth.too_many_attempts`,
 *   HTTP 429 with Retry-After) without the password being checked. A successful sign-in starts the count again; a
 *   count left alone for a day is forgotten. Unknown user names are counted exactly like known ones, so the answers and
 *   their timing say nothing about which names exist. The library of the counter is the one the request names, else
 *   the only library of a single-library server, else "any library" (web sign-in without a library id on a server
 *   with several): never found by looking the user up, for the same reason.
 * - Per client address: at most 50 failed attempts per 15-minute window (whatever the user names); then every attempt
 *   from that address is refused until the window ends. A success does not reset it.
 *
 * An attempt counts as failed from the moment it starts until its password is known to be right, so a burst of
 * concurrent guesses is cut off at the limit instead of all being checked before the first one is counted. A refused
 * attempt is counted nowhere. Counter rows are pruned a day after their last attempt, so the table stays bounded.
 */
export interface SignInThrottlePolicy {
  /** Failed attempts in a row a user name gets before it has to wait. */
  freeFailures: number
  firstBlockMs: number
  maxBlockMs: number
  /** A user name's count is forgotten this long after its last attempt (and old rows are pruned). */
  forgetAfterMs: number
  perAddressFailures: number
  perAddressWindowMs: number
}

export const SIGN_IN_POLICY: Readonly<SignInThrottlePolicy> = Object.freeze({
  freeFailures: 5,
  firstBlockMs: 1_000,
  maxBlockMs: 15 * 60_000,
  forgetAfterMs: 86_400_000,
  perAddressFailures: 50,
  perAddressWindowMs: 15 * 60_000,
})

/**
 * One password attempt. `libraryId` is the library the request names, or the only library of a server that holds one,
 * else '': never found by looking the user up, so which counter an attempt lands on says nothing about who exists.
 */
export interface SignInAttempt {
  libraryId: string
  userId: string
  /** The client's address as the HTTP layer sees it; undefined skips the per-address limit (in-process callers). */
  clientIp?: string
}

/** Prune at most this often per process: the DELETE is cheap (an index range) but need not run on every attempt. */
const PRUNE_EVERY_MS = 60_000

export class SignInThrottle {
  private readonly policy: SignInThrottlePolicy
  private lastPrune = -Infinity

  constructor(private readonly deps: { repo: SignInThrottleRepository; clock: Clock; policy?: Partial<SignInThrottlePolicy> }) {
    this.policy = { ...SIGN_IN_POLICY, ...deps.policy }
  }

  /**
   * Runs one password check under the limits. `check` returns the libraries in which the password was right (empty:
   * wrong); any of them resets the name's count. Returns what `check` returned.
   * @throws DomainError `auth.too_many_attempts` (details.retryAfterSeconds) when the name or the address must wait;
   *   `check` is then not called.
   */
  async guard(attempt: SignInAttempt, check: () => Promise<string[]>): Promise<string[]> {
    const now = this.deps.clock.now()
    await this.pruneNow(now)
    const nameKey = userKey(attempt.libraryId, attempt.userId)
    const ipKey = attempt.clientIp ? `ip:${attempt.clientIp}` : null
    const p = this.policy
    const uses: CounterUse[] = [
      {
        key: nameKey,
        restartIfWindowStartedBy: -1,
        restartIfIdleSince: now - p.forgetAfterMs,
        blockedUntil: (failures) => (failures < p.freeFailures ? 0 : now + Math.min(p.maxBlockMs, p.firstBlockMs * 2 ** Math.min(40, failures - p.freeFailures))),
      },
    ]
    if (ipKey) {
      uses.push({
        key: ipKey,
        restartIfWindowStartedBy: now - p.perAddressWindowMs,
        restartIfIdleSince: now - p.perAddressWindowMs,
        blockedUntil: (failures, windowStartedAt) => (failures < p.perAddressFailures ? 0 : windowStartedAt + p.perAddressWindowMs),
      })
    }
    const r = await this.deps.repo.reserve(uses, now)
    if (!r.ok) {
      const retryAfterSeconds = Math.max(1, Math.ceil((r.blockedUntil - now) / 1000))
      throw new DomainError('auth.too_many_attempts', `Too many failed sign-in attempts: try again in ${retryAfterSeconds} s`, { retryAfterSeconds })
    }
    const matched = await check()
    if (matched.length) {
      await this.deps.repo.clear([nameKey])
      if (ipKey) await this.deps.repo.giveBack(ipKey, p.perAddressFailures)
    }
    return matched
  }

  private async pruneNow(now: number): Promise<void> {
    if (now - this.lastPrune < PRUNE_EVERY_MS && now >= this.lastPrune) return
    this.lastPrune = now
    await this.deps.repo.prune(now - this.policy.forgetAfterMs, now)
  }
}

/** The counter of a user name within a library: hashed, so a password typed into the name field is never stored. */
export function userKey(libraryId: string, userId: string): string {
  return `user:${createHash('sha256').update(`${libraryId}\u0000${userId}`).digest('hex')}`
}
