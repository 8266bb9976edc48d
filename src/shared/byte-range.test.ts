import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseRangeHeader } from './byte-range.ts'

const full = { kind: 'full' } as const
const unsatisfiable = { kind: 'unsatisfiable' } as const
const partial = (start: number, end: number) => ({ kind: 'partial', start, end }) as const

describe('parseRangeHeader', () => {
  it('returns full when there is no header', () => {
    assert.deepEqual(parseRangeHeader(undefined, 100), full)
    assert.deepEqual(parseRangeHeader('', 100), full)
  })

  it('parses bytes=a-b', () => {
    assert.deepEqual(parseRangeHeader('bytes=0-99', 1000), partial(0, 99))
    assert.deepEqual(parseRangeHeader('bytes=10-10', 1000), partial(10, 10))
    assert.deepEqual(parseRangeHeader('bytes=0-999', 1000), partial(0, 999))
  })

  it('clamps the end to size - 1', () => {
    assert.deepEqual(parseRangeHeader('bytes=500-5000', 1000), partial(500, 999))
    assert.deepEqual(parseRangeHeader('bytes=0-99999999999999999999', 1000), partial(0, 999))
  })

  it('parses open-ended bytes=a-', () => {
    assert.deepEqual(parseRangeHeader('bytes=0-', 1000), partial(0, 999))
    assert.deepEqual(parseRangeHeader('bytes=999-', 1000), partial(999, 999))
  })

  it('parses suffix bytes=-n', () => {
    assert.deepEqual(parseRangeHeader('bytes=-1', 1000), partial(999, 999))
    assert.deepEqual(parseRangeHeader('bytes=-100', 1000), partial(900, 999))
  })

  it('treats a suffix longer than the content as the whole content', () => {
    assert.deepEqual(parseRangeHeader('bytes=-5000', 1000), partial(0, 999))
  })

  it('is unsatisfiable when start >= size', () => {
    assert.deepEqual(parseRangeHeader('bytes=1000-', 1000), unsatisfiable)
    assert.deepEqual(parseRangeHeader('bytes=1000-2000', 1000), unsatisfiable)
  })

  it('is unsatisfiable for a zero-length suffix', () => {
    assert.deepEqual(parseRangeHeader('bytes=-0', 1000), unsatisfiable)
  })

  it('is unsatisfiable for any well-formed range on empty content', () => {
    assert.deepEqual(parseRangeHeader('bytes=0-', 0), unsatisfiable)
    assert.deepEqual(parseRangeHeader('bytes=0-0', 0), unsatisfiable)
    assert.deepEqual(parseRangeHeader('bytes=-5', 0), unsatisfiable)
    assert.deepEqual(parseRangeHeader('bytes=-0', 0), unsatisfiable)
  })

  it('ignores malformed headers, also on empty content', () => {
    for (const header of [
      'bytes',
      'bytes=',
      'bytes=-',
      'bytes=a-b',
      'bytes=1-2-3',
      'bytes=0x10-',
      'bytes=-1.5',
      'bytes= 0-1',
      'items=0-1',
      '0-1',
      'bytes=10-5', // last < first is an invalid spec, not unsatisfiable
    ]) {
      assert.deepEqual(parseRangeHeader(header, 1000), full, header)
      assert.deepEqual(parseRangeHeader(header, 0), full, `${header} (empty)`)
    }
  })

  it('ignores multi-range headers', () => {
    assert.deepEqual(parseRangeHeader('bytes=0-1,5-6', 1000), full)
    assert.deepEqual(parseRangeHeader('bytes=0-1, 5-6', 1000), full)
    assert.deepEqual(parseRangeHeader('bytes=-5,-1', 1000), full)
  })

  it('accepts a case-insensitive unit and surrounding whitespace', () => {
    assert.deepEqual(parseRangeHeader('Bytes=0-1', 1000), partial(0, 1))
    assert.deepEqual(parseRangeHeader('  bytes=0-1 ', 1000), partial(0, 1))
  })
})
