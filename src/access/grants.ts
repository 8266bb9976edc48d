import { DomainError } from '../shared/errors.ts'

/** Grants a token can carry. No grant means read-only. */
export const GRANTS = [
  'admin',
  'space_admin',
  'upload_file',
  'create_directory',
  'delete_file',
  'delete_file_permanent',
  'delete_directory',
  'delete_directory_permanent',
  'restore_recycled',
  'delete_recycled',
] as const
export type Grant = (typeof GRANTS)[number]

export function parseGrants(values: readonly string[]): Grant[] {
  const unknown = values.filter((g) => !(GRANTS as readonly string[]).includes(g))
  if (unknown.length) {
    throw new DomainError('validation.failed', `Unknown grant(s): ${unknown.join(', ')}; allowed: ${GRANTS.join(', ')}`)
  }
  return [...new Set(values)] as Grant[]
}

/** Who is acting. Built by a transport from a verified token (or by the CLI/scheduler as the system). */
export interface Actor {
  libraryId: string
  userId: string
  grants: readonly Grant[]
  /** Spaces the token is limited to; null = every space of the library. */
  spaceIds: readonly string[] | null
}

export function systemActor(libraryId: string, userId = 'system'): Actor {
  return { libraryId, userId, grants: ['admin'], spaceIds: null }
}
