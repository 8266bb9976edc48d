import { DomainError } from './errors.ts'

/**
 * Opaque keyset cursors: base64url JSON of the last row's sort key and id, tagged with the sort they belong to,
 * so a cursor from one sort cannot be replayed against another.
 */
export interface CursorPayload {
  s: string // sort descriptor, e.g. "name:asc"
  k: string | number | null // last sort key
  i: number // last id
}

export function encodeCursor(p: CursorPayload): string {
  return Buffer.from(JSON.stringify(p)).toString('base64url')
}

export function decodeCursor(cursor: string, expectedSort: string): CursorPayload {
  let p: unknown
  try {
    p = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw badCursor()
  }
  const c = p as CursorPayload
  if (!c || typeof c !== 'object' || typeof c.i !== 'number' || !Number.isSafeInteger(c.i)) throw badCursor()
  if (!(typeof c.k === 'string' || typeof c.k === 'number' || c.k === null)) throw badCursor()
  if (c.s !== expectedSort) throw new DomainError('cursor.invalid', 'The cursor belongs to a different sort order; start again without a cursor')
  return c
}

function badCursor(): DomainError {
  return new DomainError('cursor.invalid', 'The cursor is malformed or was tampered with; start again without a cursor')
}

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}
