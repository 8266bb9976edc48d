import { DomainError } from '../shared/errors.ts'
import { parseGrants } from '../access/grants.ts'
import type { AuthService, IssuedToken } from './auth.service.ts'
import type { SignInThrottle } from './sign-in-throttle.ts'

/** What this service needs to pick a default library: the count, and the one library when there is exactly one. */
export interface LibraryDirectory {
  count(): Promise<number>
  first(): Promise<{ id: string } | undefined>
}

export interface PasswordLoginRequest {
  /** Omitted: the only library of the installation (refused when there are several). */
  libraryId?: string
  userId: string
  password: string
  /** Omitted: `space_admin` (every operation inside the token's spaces). Never `admin`. */
  grants?: string[]
  spaceIds?: string[] | null
  periodSeconds?: number
  /** The caller's address, for the per-address limit of SignInThrottle. */
  clientIp?: string
}

/**
 * Exchanges a user's password for an access token (`trove login`, scripts). Library administration (`admin`: creating
 * or deleting spaces, library-wide tasks) is never granted this way: those tokens come from `trove token create` on
 * the server, by whoever holds the data directory. Password attempts are limited per user name and per client address
 * (SignInThrottle), exactly as for the web sign-in, and share its counters.
 */
export class PasswordLoginService {
  constructor(private readonly deps: { auth: AuthService; libraries: LibraryDirectory; throttle: SignInThrottle }) {}

  async login(req: PasswordLoginRequest): Promise<IssuedToken> {
    const grants = parseGrants(req.grants ?? ['space_admin'])
    if (grants.includes('admin')) {
      throw new DomainError('auth.forbidden', 'A password cannot obtain an `admin` token; issue one with `trove token create --grant admin` on the server', { required: 'admin' })
    }
    const libraryId = req.libraryId ?? (await this.onlyLibrary())
    // One answer for an unknown library, an unknown user and a wrong password: nothing tells a guesser which it was.
    // An unknown library counts against the name too ('' when the server holds none), so it cannot be probed faster.
    const matched = await this.deps.throttle.guard({ libraryId: libraryId ?? '', userId: req.userId, clientIp: req.clientIp }, async () =>
      libraryId !== null && (await this.deps.auth.checkPassword(libraryId, req.userId, req.password)) ? [libraryId] : [],
    )
    if (!matched.length || libraryId === null) throw new DomainError('auth.unauthenticated', 'Wrong user or password')
    return this.deps.auth.issueToken({ libraryId, userId: req.userId, grants, spaceIds: req.spaceIds ?? null, periodSeconds: req.periodSeconds })
  }

  private async onlyLibrary(): Promise<string | null> {
    const n = await this.deps.libraries.count()
    if (n > 1) throw new DomainError('validation.failed', `This server holds ${n} libraries: pass libraryId`, { libraries: n })
    return n === 1 ? ((await this.deps.libraries.first())?.id ?? null) : null
  }
}
