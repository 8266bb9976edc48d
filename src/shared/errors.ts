/**
 * Domain errors: a stable code and a readable message. The core never speaks HTTP;
 * each transport maps codes to its own status and wire format.
 */
export type ErrorCode =
  | 'validation.failed'
  | 'auth.unauthenticated'
  | 'auth.forbidden'
  | 'auth.too_many_attempts'
  | 'library.not_found'
  | 'space.not_found'
  | 'space.not_empty'
  | 'user.not_found'
  | 'node.not_found'
  | 'node.invalid_name'
  | 'node.name_conflict'
  | 'node.not_a_folder'
  | 'node.is_folder'
  | 'node.in_trash'
  | 'node.move_into_itself'
  | 'node.root_immutable'
  | 'trash.entry_not_found'
  | 'trash.entry_purging'
  | 'trash.entry_held'
  | 'trash.restore_conflict'
  | 'trash.parent_missing'
  | 'trash.too_many'
  | 'quota.exceeded'
  | 'upload.size_mismatch'
  | 'upload.checksum_mismatch'
  | 'range.not_satisfiable'
  | 'cursor.invalid'
  | 'album.not_found'
  | 'album.too_many'
  | 'task.not_found'
  | 'task.not_cancellable'
  | 'service.busy'

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.name = 'DomainError'
  }
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError

export function notFound(code: Extract<ErrorCode, `${string}.not_found`>, what: string, id: string | number): DomainError {
  return new DomainError(code, `${what} ${id} does not exist`, { id: String(id) })
}

export function invalid(message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError('validation.failed', message, details)
}
