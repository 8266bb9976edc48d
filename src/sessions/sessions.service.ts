import { randomBytes } from 'node:crypto'
import type { Clock } from '../shared/clock.ts'
import { DomainError } from '../shared/errors.ts'
import { parseGrants, type Actor } from '../access/grants.ts'
import type { AuthService } from '../users/auth.service.ts'
import type { SignInThrottle } from '../users/sign-in-throttle.ts'
import { hashSecret, secretsEqual } from '../users/passwords.ts'
import type { SessionsRepository } from './sessions.repository.ts'

/**
 * Browser sessions for the web UI. A session is a random id in an HttpOnly cookie; the database keeps only its hash,
 * so any API node accepts it and a leaked database cannot be replayed as cookies. It never stores or sees a password
 * beyond the sign-in check.
 *
 * What a session may do: `space_admin` on every space of the user's library, the same rights a password buys through
 * `POST /trove/v1/tokens` by default; and `admin` (library administration: spaces, retention for all) when the user
 * holds an unexpired, unrestricted `admin` token, which only the server side hands out (first run, `bin/trove token
 * create --grant admin`). So the first-run admin's sessions are admin, and a password alone never makes anyone admin.
 * The rights are fixed at sign-in for the life of the session (sign in again to pick up a new admin token).
 */
export const SESSION_IDLE_MS = 7 * 86_400_000
export const SESSION_ABSOLUTE_MS = 30 * 86_400_000
/** Renew at most once an hour per session: a write on every request would serialise reads on SQLite. */
const RENEW_EVERY_MS = 3_600_000

export interface SignedIn {
  sessionId: string
  csrfToken: string
  expiresAt: number
  /** Lifetime left, for the cookie's Max-Age (measured on this service's clock). */
  remainingMs: number
  actor: Actor
}

export interface SessionInfo {
  actor: Actor
  csrfToken: string
  expiresAt: number
  remainingMs: number
  /** True when this use pushed the expiry forward (the cookie should be sent again with the new lifetime). */
  renewed: boolean
}

const WRONG = 'Wrong user name or password'

export class SessionsService {
  constructor(private readonly deps: { sessions: SessionsRepository; auth: AuthService; throttle: SignInThrottle; clock: Clock }) {}

  /**
   * Checks the password and opens a session. Without a library id, the user name is looked up in every library and the
   * password decides; the answer for an unknown user and a wrong password is the same. Attempts are limited per user
   * name and per client address (SignInThrottle); a name that must wait is refused before its password is checked.
   * @throws DomainError `auth.unauthenticated` (wrong name or password), `auth.too_many_attempts` (wait and retry).
   */
  async signIn(input: { userId: string; password: string; libraryId?: string; clientIp?: string }): Promise<SignedIn> {
    if (!input.userId || input.userId.length > 64 || !input.password || input.password.length > 1024) throw new DomainError('auth.unauthenticated', WRONG)
    const candidates = input.libraryId ? [input.libraryId] : await this.deps.sessions.librariesWithPassword(input.userId)
    // The name's counter is the named library's, or the only library's, else one for "any library": chosen without
    // looking the user up, so it is the same counter whether the name exists or not (and `POST /tokens` shares it).
    const counter = input.libraryId ?? (await this.deps.sessions.onlyLibrary()) ?? ''
    const matches = await this.deps.throttle.guard({ libraryId: counter, userId: input.userId, clientIp: input.clientIp }, async () => {
      const ok: string[] = []
      for (const libraryId of candidates) if (await this.deps.auth.checkPassword(libraryId, input.userId, input.password)) ok.push(libraryId)
      // An unknown user name costs a password check too (checkPassword spends one on a missing user), so timing tells nothing.
      if (!candidates.length) await this.deps.auth.checkPassword('', input.userId, input.password)
      return ok
    })
    if (!matches.length) throw new DomainError('auth.unauthenticated', WRONG)
    if (matches.length > 1) throw new DomainError('validation.failed', 'This user name exists in several libraries: enter the library id too', { field: 'libraryId' })
    const libraryId = matches[0]
    const now = this.deps.clock.now()
    const rights = await this.deps.sessions.liveTokenRights(libraryId, input.userId, now)
    const isAdmin = rights.some((r) => r.grants.includes('admin') && r.spaceIds === null)
    const grants = parseGrants([isAdmin ? 'admin' : 'space_admin'])
    const spaceIds = null
    const sessionId = randomBytes(32).toString('base64url')
    const csrfToken = randomBytes(24).toString('base64url')
    const absoluteExpiresAt = now + SESSION_ABSOLUTE_MS
    const expiresAt = Math.min(now + SESSION_IDLE_MS, absoluteExpiresAt)
    await this.deps.sessions.deleteExpired(now)
    await this.deps.sessions.insert({ idHash: hashSecret(sessionId), libraryId, userId: input.userId, grants, spaceIds, csrfToken, createdAt: now, expiresAt, absoluteExpiresAt })
    return { sessionId, csrfToken, expiresAt, remainingMs: expiresAt - now, actor: { libraryId, userId: input.userId, grants, spaceIds } }
  }

  /** Resolves a cookie value to its actor (sliding expiry, bounded by the absolute lifetime). */
  async authenticate(sessionId: string): Promise<SessionInfo> {
    const now = this.deps.clock.now()
    const idHash = hashSecret(sessionId)
    const s = await this.deps.sessions.find(idHash)
    if (!s || s.expiresAt <= now || s.absoluteExpiresAt <= now) throw new DomainError('auth.unauthenticated', 'You are signed out (the session ended or expired); sign in again')
    const next = Math.min(now + SESSION_IDLE_MS, s.absoluteExpiresAt)
    const renewed = next - s.expiresAt > RENEW_EVERY_MS
    if (renewed) await this.deps.sessions.renew(idHash, next)
    return {
      actor: { libraryId: s.libraryId, userId: s.userId, grants: parseGrants(s.grants), spaceIds: s.spaceIds },
      csrfToken: s.csrfToken,
      expiresAt: renewed ? next : s.expiresAt,
      remainingMs: (renewed ? next : s.expiresAt) - now,
      renewed,
    }
  }

  /** Ends the session; signing out twice is not an error. */
  async signOut(sessionId: string): Promise<void> {
    await this.deps.sessions.delete(hashSecret(sessionId))
  }

  /** Constant-time comparison of a request's CSRF header with the session's value. */
  csrfMatches(session: SessionInfo, header: string | undefined): boolean {
    return !!header && secretsEqual(session.csrfToken, header)
  }
}
