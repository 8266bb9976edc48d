import { DomainError, invalid } from './errors.ts'

/**
 * Node names are data, never paths: blobs are content-addressed, so a name never reaches the file system.
 * We still refuse names no drive can show or address: empty, `.`/`..`, a slash, control characters, > 255 bytes.
 * Everything else (any Unicode, spaces inside, backslashes) is stored verbatim, without normalisation.
 */
export const MAX_NAME_BYTES = 255

export function validateName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw bad('a name is required', name)
  if (name === '.' || name === '..') throw bad('`.` and `..` are not valid names', name)
  if (name.includes('/')) throw bad('a name cannot contain `/`', name)
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw bad('a name cannot contain control characters (such as NUL or a newline)', name)
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) throw bad(`a name can be at most ${MAX_NAME_BYTES} bytes in UTF-8`, name)
  if (name.trim() !== name) throw bad('a name cannot start or end with whitespace', name)
  if (/[\ud800-\udfff]/.test(name.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) throw bad('a name must be valid Unicode', name)
  return name
}

function bad(reason: string, name: unknown): DomainError {
  return new DomainError('node.invalid_name', `Invalid name: ${reason}`, { name: typeof name === 'string' ? name.slice(0, 300) : null })
}

/** `report.pdf` → `report (1).pdf`; a folder or a name without extension gets the suffix at the end. */
export function numberedName(name: string, n: number, isFolder: boolean): string {
  const dot = name.lastIndexOf('.')
  if (isFolder || dot <= 0) return `${name} (${n})`
  return `${name.slice(0, dot)} (${n})${name.slice(dot)}`
}

/**
 * A "name contains" filter longer than any name can match nothing, and SQLite refuses LIKE patterns over 50,000 bytes:
 * refused as bad input rather than sent to the database.
 */
export function validateNameFilter(value: string, what: string): string {
  if (Buffer.byteLength(value, 'utf8') > MAX_NAME_BYTES) throw invalid(`${what} can be at most ${MAX_NAME_BYTES} bytes in UTF-8 (no name is longer)`)
  return value
}
