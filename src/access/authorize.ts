import { DomainError } from '../shared/errors.ts'
import type { Actor, Grant } from './grants.ts'

/**
 * The one place that decides whether an actor may touch a space. Services call it before any read or write,
 * so every transport (native API, dialects, CLI) gets the same rules.
 */
export type Permission = 'read' | Exclude<Grant, 'admin'>

export interface SpaceRef {
  id: string
  libraryId: string
}

export function canAccessSpace(actor: Actor, space: SpaceRef): boolean {
  if (actor.libraryId !== space.libraryId) return false
  return actor.spaceIds === null || actor.spaceIds.includes(space.id)
}

export function authorize(actor: Actor, space: SpaceRef, permission: Permission): void {
  // A space the actor cannot see is reported as missing, so ids of other tenants leak nothing.
  if (!canAccessSpace(actor, space)) throw new DomainError('space.not_found', `Space ${space.id} does not exist`, { id: space.id })
  if (permission === 'read') return
  if (actor.grants.includes('admin') || actor.grants.includes('space_admin')) return
  if (!actor.grants.includes(permission)) {
    throw new DomainError('auth.forbidden', `This token lacks the \`${permission}\` grant`, { required: permission })
  }
}

export function requireAdmin(actor: Actor): void {
  if (!actor.grants.includes('admin')) throw new DomainError('auth.forbidden', 'This operation needs an admin token', { required: 'admin' })
}
