import { randomBytes } from 'node:crypto'
import type { Store } from '../db/store.ts'
import type { Clock } from '../shared/clock.ts'
import { DomainError } from '../shared/errors.ts'
import { parseGrants, type Actor, type Grant } from '../access/grants.ts'
import { hashPassword, hashSecret, secretsEqual, verifyPassword } from './passwords.ts'

export const TOKEN_PERIOD = { min: 300, max: 315_360_000, default: 86_400 }

export interface IssuedToken {
  accessToken: string
  expiresIn: number
  userId: string
  libraryId: string
  grants: Grant[]
  spaceIds: string[] | null
}

/** Users, passwords and access tokens. Only hashes of passwords and tokens are stored. */
export class AuthService {
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  async ensureUser(libraryId: string, userId: string): Promise<void> {
    validateUserId(userId)
    const lib = await this.deps.store.repos.libraries.find(libraryId)
    if (!lib) throw new DomainError('library.not_found', `Library ${libraryId} does not exist`, { id: libraryId })
    await this.deps.store.repos.users.ensure(libraryId, userId, this.deps.clock.now())
  }

  async setPassword(libraryId: string, userId: string, password: string): Promise<void> {
    if (password.length < 8) throw new DomainError('validation.failed', 'A password needs at least 8 characters')
    await this.ensureUser(libraryId, userId)
    await this.deps.store.repos.users.setPassword(libraryId, userId, await hashPassword(password))
  }

  /**
   * True when the password matches. An unknown user or one without a password costs the same scrypt as a wrong
   * password, so neither the answer nor its timing tells a guesser which user names exist.
   */
  async checkPassword(libraryId: string, userId: string, password: string): Promise<boolean> {
    const user = await this.deps.store.repos.users.find(libraryId, userId).catch(() => undefined)
    if (!user?.passwordHash) {
      this.dummyHash ??= hashPassword(randomBytes(16).toString('hex'))
      await verifyPassword(password, await this.dummyHash)
      return false
    }
    return verifyPassword(password, user.passwordHash)
  }

  private dummyHash: Promise<string> | null = null

  async verifyLibrarySecret(libraryId: string, secret: string): Promise<boolean> {
    const lib = await this.deps.store.repos.libraries.find(libraryId)
    return !!lib && secretsEqual(lib.secretHash, hashSecret(secret))
  }

  /** Issues a token; the user is created if missing. The period is clamped to [5 minutes, 10 years]. */
  async issueToken(opts: { libraryId: string; userId: string; grants?: string[]; spaceIds?: string[] | null; periodSeconds?: number }): Promise<IssuedToken> {
    await this.ensureUser(opts.libraryId, opts.userId)
    const grants = parseGrants(opts.grants ?? [])
    const period = clampPeriod(opts.periodSeconds)
    const accessToken = randomBytes(32).toString('hex')
    const spaceIds = opts.spaceIds && opts.spaceIds.length ? [...new Set(opts.spaceIds)] : null
    await this.deps.store.repos.users.insertToken(
      { tokenHash: hashSecret(accessToken), libraryId: opts.libraryId, userId: opts.userId, spaceIds, grants, periodSeconds: period, expiresAt: this.deps.clock.now() + period * 1000 },
      this.deps.clock.now(),
    )
    return { accessToken, expiresIn: period, userId: opts.userId, libraryId: opts.libraryId, grants, spaceIds }
  }

  /** Resolves a bearer token to an actor and renews it (sliding expiry). */
  async authenticate(accessToken: string): Promise<Actor & { expiresAt: number }> {
    const now = this.deps.clock.now()
    const hash = hashSecret(accessToken)
    const token = await this.deps.store.repos.users.findToken(hash)
    if (!token || token.expiresAt <= now) throw new DomainError('auth.unauthenticated', 'The access token is invalid or has expired')
    const renewed = now + token.periodSeconds * 1000
    // Renew at most once a minute per token: a write on every request would serialise reads on SQLite.
    if (renewed - token.expiresAt > 60_000) await this.deps.store.repos.users.renewToken(hash, renewed)
    return { libraryId: token.libraryId, userId: token.userId, grants: token.grants as Grant[], spaceIds: token.spaceIds, expiresAt: Math.max(renewed, token.expiresAt) }
  }

  async renewToken(accessToken: string): Promise<{ expiresIn: number }> {
    const now = this.deps.clock.now()
    const hash = hashSecret(accessToken)
    const token = await this.deps.store.repos.users.findToken(hash)
    if (!token || token.expiresAt <= now) throw new DomainError('auth.unauthenticated', 'The access token is invalid or has expired')
    await this.deps.store.repos.users.renewToken(hash, now + token.periodSeconds * 1000)
    return { expiresIn: token.periodSeconds }
  }

  async revokeToken(accessToken: string): Promise<boolean> {
    return (await this.deps.store.repos.users.deleteToken(hashSecret(accessToken))) > 0
  }

  async revokeUserTokens(libraryId: string, userId: string): Promise<number> {
    return this.deps.store.repos.users.deleteUserTokens(libraryId, userId)
  }
}

export function clampPeriod(seconds: number | undefined): number {
  if (seconds === undefined || !Number.isFinite(seconds)) return TOKEN_PERIOD.default
  return Math.min(TOKEN_PERIOD.max, Math.max(TOKEN_PERIOD.min, Math.floor(seconds)))
}

export function validateUserId(userId: string): void {
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(userId)) {
    throw new DomainError('validation.failed', 'A user id is 1–64 characters of letters, digits, `.`, `_`, `@` or `-`', { userId: userId.slice(0, 80) })
  }
}
