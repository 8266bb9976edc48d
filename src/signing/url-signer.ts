import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Store } from '../db/store.ts'
import type { Clock } from '../shared/clock.ts'
import { DomainError } from '../shared/errors.ts'

export type Claims = Record<string, string | number>

/**
 * Short-lived signed tokens for URLs and upload credentials: `base64url(claims).base64url(hmac)`, with an `exp` claim.
 * The key lives in the database, so a token signed by one API node is accepted by every other.
 */
export class UrlSigner {
  private key: Buffer | null = null

  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  private async secret(): Promise<Buffer> {
    if (!this.key) {
      const stored = await this.deps.store.repos.sharedSecret.getOrCreate(randomBytes(32).toString('base64url'), this.deps.clock.now())
      // Any text format works: the key is the secret's bytes, whoever wrote it.
      this.key = createHash('sha256').update(`trove-url-signer:${stored}`).digest()
    }
    return this.key
  }

  async sign(claims: Claims, ttlMs: number): Promise<{ token: string; expiresAt: number }> {
    const expiresAt = this.deps.clock.now() + ttlMs
    const body = Buffer.from(JSON.stringify({ ...claims, exp: expiresAt })).toString('base64url')
    return { token: `${body}.${createHmac('sha256', await this.secret()).update(body).digest('base64url')}`, expiresAt }
  }

  /** The claims of a valid, unexpired token; anything else is refused with `auth.unauthenticated`. */
  async verify(token: string): Promise<Claims & { exp: number }> {
    const [body, mac, extra] = token.split('.')
    if (!body || !mac || extra !== undefined) throw invalidToken()
    const expected = createHmac('sha256', await this.secret()).update(body).digest()
    const given = Buffer.from(mac, 'base64url')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidToken()
    let claims: Claims & { exp: number }
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Claims & { exp: number }
    } catch {
      throw invalidToken()
    }
    if (typeof claims.exp !== 'number' || claims.exp <= this.deps.clock.now()) {
      throw new DomainError('auth.unauthenticated', 'The signed URL or credential has expired')
    }
    return claims
  }
}

function invalidToken(): DomainError {
  return new DomainError('auth.unauthenticated', 'The signed URL or credential is invalid')
}
