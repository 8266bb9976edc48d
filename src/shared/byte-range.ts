export type RangeResult =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' }

// One byte-range-spec only: multi-range (multipart/byteranges) responses are not worth
// supporting, and RFC 9110 lets a server ignore any Range header it does not want to honour.
const SINGLE_RANGE_RE = /^bytes=(\d*)-(\d*)$/i

/**
 * Interprets a Range header (RFC 9110 §14) against a representation of sizeBytes.
 * 'full' means "ignore the header and send 200"; 'partial' bounds are inclusive and in range.
 */
export function parseRangeHeader(header: string | undefined, sizeBytes: number): RangeResult {
  const match = header === undefined ? null : SINGLE_RANGE_RE.exec(header.trim())
  if (!match) return { kind: 'full' }
  const [, first, last] = match

  if (first === '') {
    if (last === '') return { kind: 'full' } // "bytes=-" has neither bound
    const suffix = Number(last)
    if (suffix === 0 || sizeBytes === 0) return { kind: 'unsatisfiable' }
    return { kind: 'partial', start: Math.max(0, sizeBytes - suffix), end: sizeBytes - 1 }
  }

  const start = Number(first)
  const end = last === '' ? Infinity : Number(last)
  if (end < start) return { kind: 'full' } // invalid spec, so the whole header is ignored
  if (start >= sizeBytes) return { kind: 'unsatisfiable' }
  return { kind: 'partial', start, end: Math.min(end, sizeBytes - 1) }
}
