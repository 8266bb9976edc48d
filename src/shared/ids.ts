import { randomBytes, randomInt } from 'node:crypto'

/** Ids shared by every dialect: library ids are short lowercase alphanumerics; spaces, nodes, entries and tasks are decimal strings. */
const LIB_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

export function newLibraryId(): string {
  // A letter first keeps the id valid wherever an identifier must not start with a digit.
  let id = LIB_ALPHABET[randomInt(26)]
  for (let i = 0; i < 11; i++) id += LIB_ALPHABET[randomInt(LIB_ALPHABET.length)]
  return id
}

export const LIBRARY_ID_PATTERN = /^[a-z0-9]{1,32}$/
export const DECIMAL_ID_PATTERN = /^[1-9][0-9]{0,15}$/

export function newSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url')
}

/** Parses a decimal id from the wire; returns null when it is not one (callers raise their own not-found). */
export function parseDecimalId(value: string | number | undefined | null): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : null
  if (typeof value !== 'string' || !DECIMAL_ID_PATTERN.test(value)) return null
  const n = Number(value)
  return Number.isSafeInteger(n) ? n : null
}
