import { randomBytes } from 'node:crypto'
import type { Container } from './container.ts'

export interface FirstRunCredentials {
  libraryId: string
  spaceId: string
  userId: string
  password: string
  accessToken: string
}

const ADMIN_TOKEN_PERIOD_SECONDS = 365 * 86_400

/**
 * On an empty data directory: a default single-space library, an admin user with a generated password and an admin
 * token. They are returned once for printing; only their hashes are stored.
 */
export async function bootstrapIfEmpty(c: Container): Promise<FirstRunCredentials | null> {
  if (!(await c.libraries.isEmptyInstallation())) return null
  const lib = await c.libraries.create({ name: 'Default library' })
  const userId = 'admin'
  const password = randomBytes(12).toString('base64url')
  await c.auth.setPassword(lib.libraryId, userId, password)
  const token = await c.auth.issueToken({ libraryId: lib.libraryId, userId, grants: ['admin'], periodSeconds: ADMIN_TOKEN_PERIOD_SECONDS })
  return { libraryId: lib.libraryId, spaceId: lib.spaceId!, userId, password, accessToken: token.accessToken }
}
