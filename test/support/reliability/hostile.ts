/**
 * fast-check arbitraries for hostile input: the values section 3 of issue 8 lists (wrong types, missing and extra
 * fields, huge/negative/zero numbers, invalid cursors, unknown sort keys, 1,001-item batches, traversal and NUL in
 * names, 64 KB names, invalid UTF-8, malformed JSON, wrong content types, oversized bodies).
 *
 * Values are plain data so a counterexample prints; very large ones are built from short descriptions at send time
 * (see `expand`) so a failure report stays readable.
 */
import fc from 'fast-check'

/** A string that may stand for a large one: `{ repeat: 'x', times: 65536 }`. */
export type Str = string | { repeat: string; times: number }

export function expand(s: Str): string {
  return typeof s === 'string' ? s : s.repeat.repeat(s.times)
}

const BIG_NAME: Str = { repeat: 'n', times: 65_536 }
const BIG_MULTIBYTE: Str = { repeat: 'é', times: 128 } // 256 bytes in UTF-8: one over the name limit

/** Strings that have broken servers before. */
export const NASTY_STRINGS: Str[] = [
  '',
  ' ',
  '.',
  '..',
  '../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '/',
  'a/b',
  '/absolute',
  '%2e%2e%2f',
  'a\u0000b',
  '\u0000',
  'line\nbreak',
  'tab\tname',
  'cr\rlf\n',
  '\u202eexe.txt',
  '\u200b',
  'e\u0301',
  '\ud800',
  '\udfff\ud800',
  '😀'.repeat(70),
  BIG_NAME,
  BIG_MULTIBYTE,
  { repeat: 'x', times: 255 },
  { repeat: 'x', times: 256 },
  'CON',
  'nul.txt',
  ' trailing ',
  'name.',
  '-1',
  '0',
  '1.5',
  '1e400',
  '99999999999999999999999',
  '9007199254740993',
  'NaN',
  'Infinity',
  '0x10',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  "' or 1=1 --",
  '"; drop table nodes; --',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  'root',
  '*',
  '%',
  '?',
  '#',
]

export const nastyString: fc.Arbitrary<Str> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 10 }) },
)

/** Names of paging and size fields: they get out-of-range numbers far more often than other fields. */
export const PAGING_FIELD = /page|marker|offset|limit|cursor|size|num|before|after|count|length/i

/** Numbers (as text) that overflow an offset computed from them: 2^53 ± 1, 2^63, 10^20, exponent forms. */
export const PAGING_NUMBERS = ['9007199254740991', '9007199254740993', '9223372036854775807', '9223372036854775808', '99999999999999999999', '1e20', '1e308', '-1', '0', '-0', '1.5', '0x10', ' 1', '1 ']

export const NASTY_NUMBERS = [0, -1, -0, 1.5, -1.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, 1e-308, 1001, 1000, 999_999_999_999]

/** A JSON value of any type (wrong types for any field). */
export const nastyJsonValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { weight: 5, arbitrary: nastyString },
    { weight: 3, arbitrary: fc.constantFrom<unknown>(...NASTY_NUMBERS, true, false, null) },
    { weight: 1, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.double({ noNaN: true }) },
    { weight: 1, arbitrary: fc.array(tie('leaf'), { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('a', 'name', '__proto__', 'constructor', ''), tie('leaf'), { maxKeys: 2 }) },
  ),
  leaf: fc.oneof(nastyString, fc.constantFrom<unknown>(0, -1, null, true, 1e308, '')),
})).value

/** Path-parameter values, already as they go on the wire (encoded, or deliberately not). */
export const nastyPathSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: nastyString.map((s) => encSegment(expand(s))) },
  // Raw bytes that are not a valid percent-encoding, or encode invalid UTF-8.
  { weight: 2, arbitrary: fc.constantFrom('%', '%FF', '%C0%AF', '%ED%A0%80', '%00', 'a%2Fb', '..%2F..%2F', '%2E%2E%2F', '%E2%80', '%%') },
)

/** Query values as they go on the wire. */
export const nastyQueryValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: nastyString.map((s) => encodeURIComponent(safeForUri(expand(s)))) },
  { weight: 2, arbitrary: fc.constantFrom(...NASTY_NUMBERS.map(String)).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.constantFrom('%', '%FF', '%C0%AF', '%00', '%E2%80', '+', '&', '=') },
)

/** encodeURIComponent that never throws (lone surrogates become U+FFFD first). */
export function enc(s: string): string {
  return encodeURIComponent(safeForUri(s))
}

/**
 * A path segment, encoded. A whole segment `.` or `..` cannot travel as a parameter: every URL parser (the WHATWG URL
 * spec, hence light-my-request and fetch) resolves it, `%2E%2E` included, and the request lands on another route — a
 * different test than the one meant. Those become `...`; traversal in names is fuzzed in queries and bodies.
 */
export function encSegment(s: string): string {
  const e = enc(s)
  return /^(\.|%2e){1,2}$/i.test(e) ? '...' : e
}

/** Lone surrogates cannot be percent-encoded; replace them with the bytes a broken client would send. */
export function safeForUri(s: string): string {
  return s.replace(/[\ud800-\udfff]/g, (c, i, all) => {
    const code = c.charCodeAt(0)
    if (code < 0xdc00 && i + 1 < all.length && /[\udc00-\udfff]/.test(all[i + 1])) return c
    if (code >= 0xdc00 && i > 0 && /[\ud800-\udbff]/.test(all[i - 1])) return c
    return '\ufffd'
  })
}

/** Content types a client may wrongly send. `null` = no Content-Type header. */
export const CONTENT_TYPES: (string | null)[] = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/octet-stream',
  'application/xml',
  'image/png',
  '',
  '%%%',
  'application/json, text/html',
  null,
]

/** Whole request bodies that are not what any JSON endpoint expects. */
export type RawBody =
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; hex: string }
  | { kind: 'big'; bytes: number; json: boolean }
  | { kind: 'deep'; depth: number }

export const MALFORMED_JSON = [
  '{',
  '}',
  '{"a":',
  '{"name": "x",}',
  "{'name': 'x'}",
  '[1, 2',
  'nul',
  '{"name": "x"}}',
  '{"name": "x"} trailing',
  '\ufeff{"name": "x"}',
  '{"name": "\\ud800"}',
  '{"name": "\\u0000"}',
  '{"__proto__": {"admin": true}, "name": "p"}',
  '{"constructor": {"prototype": {"x": 1}}}',
  '{"name": 1e999}',
  '{"entryIds": [' + Array.from({ length: 1001 }, (_, i) => `"${i + 1}"`).join(',') + ']}',
  '{"nodeIds": [' + Array.from({ length: 1001 }, (_, i) => `"${i + 1}"`).join(',') + ']}',
  '[]',
  '[{}]',
  '1',
  '-1',
  '"string"',
  'null',
  'true',
  '',
  ' ',
  '\u0000',
]

/** Invalid UTF-8 inside what otherwise is JSON (hex): `{"name":"\xff\xfe"}`, overlong `/`, lone continuation bytes. */
export const INVALID_UTF8_HEX = [
  Buffer.from('{"name":"').toString('hex') + 'fffe' + Buffer.from('"}').toString('hex'),
  Buffer.from('{"name":"a').toString('hex') + 'c0af' + Buffer.from('b"}').toString('hex'),
  Buffer.from('{"name":"').toString('hex') + 'eda080' + Buffer.from('"}').toString('hex'),
  Buffer.from('{"name":"').toString('hex') + '80808080' + Buffer.from('"}').toString('hex'),
  'ff'.repeat(64),
  '00'.repeat(16),
]

export const rawBody: fc.Arbitrary<RawBody> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...MALFORMED_JSON).map((text) => ({ kind: 'text' as const, text })) },
  { weight: 3, arbitrary: fc.constantFrom(...INVALID_UTF8_HEX).map((hex) => ({ kind: 'bytes' as const, hex })) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => ({ kind: 'bytes' as const, hex: Buffer.from(b).toString('hex') })) },
  // Just over the 1 MiB body limit of the JSON parsers, and over the 4 MiB one; rarely, both as JSON and not.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('big' as const), bytes: fc.constantFrom(1024 * 1024 + 1, 4 * 1024 * 1024 + 1), json: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constantFrom(1000, 100_000).map((depth) => ({ kind: 'deep' as const, depth })) },
)

export function rawBodyBytes(b: RawBody): Buffer {
  switch (b.kind) {
    case 'text':
      return Buffer.from(b.text)
    case 'bytes':
      return Buffer.from(b.hex, 'hex')
    case 'big':
      return b.json ? Buffer.from(JSON.stringify({ name: 'x'.repeat(b.bytes) })) : Buffer.alloc(b.bytes, 0x61)
    case 'deep':
      return Buffer.from('['.repeat(b.depth) + ']'.repeat(b.depth))
  }
}

/** Cursors and markers: well-formed-looking but wrong, and garbage. `valid` is a real cursor to tamper with. */
export function nastyCursor(valid: string[]): fc.Arbitrary<string> {
  const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')
  const forged = [
    b64({ s: 'name:asc', k: 'a', i: -1 }),
    b64({ s: 'name:asc', k: { $gt: '' }, i: 1 }),
    b64({ s: 'name:asc', k: 'x'.repeat(70_000), i: 1 }),
    b64({ s: 'size:asc', k: 'not-a-number', i: 1 }),
    b64({ s: 'size:desc', k: 1e308, i: 9007199254740991 }),
    b64({ s: 'modified:asc', k: -1, i: 0 }),
    b64({ s: 'removed:desc', k: null, i: 1 }),
    b64({ s: 'remaining:asc', k: '1', i: 1.5 }),
    b64({ s: 'name:asc', k: 'a' }),
    b64({ i: '1' }),
    b64([]),
    b64('null'),
    b64('{"s":"name:asc","k":"a","i":1'),
    b64({ s: 'name:asc', k: 'a\u0000', i: 1, extra: true }),
    b64({ offset: -1 }),
    b64({ o: 1e21 }),
  ]
  const tampered = valid.flatMap((v) => [v.slice(0, -1), v + 'A', v.slice(1), v.toUpperCase(), v.replace(/[A-Za-z]/, (c) => (c === 'A' ? 'B' : 'A'))])
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...forged, ...tampered) },
    { weight: 2, arbitrary: nastyQueryValue },
    { weight: 1, arbitrary: fc.constantFrom('-1', '0', '1e400', '99999999999999999999', 'Infinity') },
  )
}

export const nastyRange: fc.Arbitrary<string> = fc.constantFrom(
  'bytes=0-0',
  'bytes=-1',
  'bytes=-0',
  'bytes=5-1',
  'bytes=0-99999999999999999999',
  'bytes=99999999999999999999-',
  'bytes=0-1,2-3',
  'bytes=abc',
  'items=0-1',
  'bytes=',
  'bytes=1-',
  'bytes= 0 - 1 ',
)
