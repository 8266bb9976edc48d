import type { Comparison, NodeQuery } from '../../nodes/node-query.ts'
import { PdsError } from './errors.ts'
import { categoryCondition } from './to-core.ts'

/**
 * PDS's search query language (https://www.alibabacloud.com/help/en/pds/drive-and-photo-service-dev/user-guide/search-files)
 * parsed into the core's NodeQuery:
 *
 *   expr    := term ('or' term)*
 *   term    := factor ('and' factor)*
 *   factor  := 'not' factor | '(' expr ')' | field op value
 *   op      := = | != | < | <= | > | >= | match | prefix | in
 *   value   := "string" | number | true | false | [ value, ... ]
 *
 * Fields: name (=, match, prefix, in), file_id and parent_file_id (=, in), type (= file|folder), size (numbers),
 * created_at and updated_at (quoted UTC dates, `"2006-01-02T00:00:00"`), file_extension and category (=, in),
 * mime_type / content_type (=, prefix), starred and hidden (= true|false: Trove has neither, so nothing is starred or
 * hidden), status (= "available"). `match` is a case-insensitive substring match (PDS's is tokenised fuzzy matching).
 */
type Token = { kind: 'word' | 'string' | 'number' | 'op' | 'punct'; text: string; pos: number }

export const MAX_QUERY_LENGTH = 4096

export function parseQuery(source: string): NodeQuery | null {
  if (source.length > MAX_QUERY_LENGTH) throw bad(`query is longer than ${MAX_QUERY_LENGTH} characters`)
  const tokens = tokenize(source)
  if (!tokens.length) return null
  let i = 0
  const peek = () => tokens[i]
  const isWord = (w: string) => peek()?.kind === 'word' && peek().text.toLowerCase() === w
  const expect = (text: string) => {
    const t = tokens[i++]
    if (!t || t.text !== text) throw bad(`expected \`${text}\` at ${t ? t.pos : source.length}`)
  }

  const expr = (): NodeQuery => {
    const parts = [term()]
    while (isWord('or')) {
      i++
      parts.push(term())
    }
    return parts.length === 1 ? parts[0] : { or: parts }
  }
  const term = (): NodeQuery => {
    const parts = [factor()]
    while (isWord('and')) {
      i++
      parts.push(factor())
    }
    return parts.length === 1 ? parts[0] : { and: parts }
  }
  const factor = (): NodeQuery => {
    if (isWord('not')) {
      i++
      return { not: factor() }
    }
    if (peek()?.text === '(') {
      i++
      const inner = expr()
      expect(')')
      return inner
    }
    return condition()
  }
  const value = (): unknown => {
    const t = tokens[i++]
    if (!t) throw bad('a value is missing at the end')
    if (t.kind === 'string') return t.text
    if (t.kind === 'number') return Number(t.text)
    if (t.kind === 'word' && (t.text === 'true' || t.text === 'false')) return t.text === 'true'
    if (t.text === '[') {
      const list: unknown[] = []
      if (peek()?.text === ']') {
        i++
        return list
      }
      for (;;) {
        list.push(value())
        const sep = tokens[i++]
        if (sep?.text === ']') return list
        if (sep?.text !== ',') throw bad(`expected \`,\` or \`]\` at ${sep ? sep.pos : source.length}`)
      }
    }
    throw bad(`unexpected \`${t.text}\` at ${t.pos}`)
  }
  const condition = (): NodeQuery => {
    const f = tokens[i++]
    if (!f || f.kind !== 'word') throw bad(`expected a field name at ${f ? f.pos : source.length}`)
    const o = tokens[i++]
    if (!o || !(o.kind === 'op' || (o.kind === 'word' && ['match', 'prefix', 'in'].includes(o.text.toLowerCase())))) {
      throw bad(`expected an operator after ${f.text}`)
    }
    return toCondition(f.text.toLowerCase(), o.text.toLowerCase(), value())
  }

  const q = expr()
  if (i < tokens.length) throw bad(`unexpected \`${tokens[i].text}\` at ${tokens[i].pos}`)
  return q
}

const CMP: Record<string, Comparison> = { '=': 'eq', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' }
const TRUE: NodeQuery = { and: [] }
const FALSE: NodeQuery = { or: [] }

function toCondition(field: string, op: string, v: unknown): NodeQuery {
  const strings = (): string[] => {
    const list = Array.isArray(v) ? v : [v]
    if (!list.every((x) => typeof x === 'string')) throw bad(`${field} takes quoted strings`)
    return list as string[]
  }
  const one = (): string => {
    if (typeof v !== 'string') throw bad(`${field} takes a quoted string`)
    return v
  }
  const negate = (q: NodeQuery): NodeQuery => (op === '!=' ? { not: q } : q)
  const only = (...ops: string[]) => {
    if (!ops.includes(op)) throw notSupported(field, op)
  }
  switch (field) {
    case 'name':
      only('=', '!=', 'match', 'prefix', 'in')
      if (op === 'in') return { or: strings().map((s) => ({ field: 'name', op: 'eq', value: s })) }
      if (op === 'match') return { field: 'name', op: 'contains', value: one() }
      if (op === 'prefix') return { field: 'name', op: 'prefix', value: one() }
      return negate({ field: 'name', op: 'eq', value: one() })
    case 'file_id':
    case 'parent_file_id':
      only('=', '!=', 'in')
      return negate({ field: field === 'file_id' ? 'id' : 'parentId', op: 'in', value: op === 'in' ? strings() : [one()] })
    case 'type': {
      only('=', '!=')
      const kind = one()
      if (kind !== 'file' && kind !== 'folder') throw bad('type is "file" or "folder"')
      return negate({ field: 'kind', op: 'eq', value: kind })
    }
    case 'size': {
      if (!(op in CMP)) throw notSupported(field, op)
      if (typeof v !== 'number' || !Number.isFinite(v)) throw bad('size takes a number')
      return { field: 'size', op: CMP[op], value: v }
    }
    case 'created_at':
    case 'updated_at': {
      if (!(op in CMP)) throw notSupported(field, op)
      const ms = typeof v === 'string' ? parseDate(v) : NaN
      if (Number.isNaN(ms)) throw bad(`${field} takes a quoted date such as "2006-01-02T15:04:05"`)
      return { field: field === 'created_at' ? 'createdAt' : 'modifiedAt', op: CMP[op], value: ms }
    }
    case 'file_extension':
      only('=', '!=', 'in')
      return negate({ field: 'extension', op: 'in', value: (op === 'in' ? strings() : [one()]).map((s) => s.toLowerCase().replace(/^\./, '')) })
    case 'category':
      only('=', '!=', 'in')
      return negate(op === 'in' ? { or: strings().map(categoryCondition) } : categoryCondition(one()))
    case 'mime_type':
    case 'content_type':
      only('=', '!=', 'prefix')
      return op === 'prefix' ? { field: 'contentType', op: 'prefix', value: one() } : negate({ field: 'contentType', op: 'eq', value: one() })
    case 'starred':
    case 'hidden':
      only('=', '!=')
      if (typeof v !== 'boolean') throw bad(`${field} takes true or false`)
      return (v === false) === (op === '=') ? TRUE : FALSE
    case 'status':
      only('=', '!=')
      return (one() === 'available') === (op === '=') ? TRUE : FALSE
    default:
      throw new PdsError(400, 'InvalidParameterNotSupported', `The field ${field} cannot be searched`)
  }
}

/** `2006-01-02T15:04:05` (UTC, as PDS documents), with optional fraction and zone; a bare date is midnight UTC. */
function parseDate(s: string): number {
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(s)) return NaN
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(s)
  const withTime = s.length === 10 ? `${s}T00:00:00` : s.replace(' ', 'T')
  return Date.parse(zoned ? withTime : `${withTime}Z`)
}

function tokenize(s: string): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < s.length) {
    const ch = s[i]
    if (/\s/.test(ch)) {
      i++
      continue
    }
    const start = i
    if (ch === '"' || ch === "'") {
      let text = ''
      i++
      for (;;) {
        if (i >= s.length) throw bad(`unterminated string at ${start}`)
        const c = s[i++]
        if (c === ch) break
        if (c === '\\' && i < s.length) text += s[i++]
        else text += c
      }
      out.push({ kind: 'string', text, pos: start })
    } else if (/[0-9-]/.test(ch)) {
      const m = /^-?\d+(\.\d+)?/.exec(s.slice(i))
      if (!m) throw bad(`unexpected \`${ch}\` at ${i}`)
      out.push({ kind: 'number', text: m[0], pos: start })
      i += m[0].length
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(s.slice(i))!
      out.push({ kind: 'word', text: m[0], pos: start })
      i += m[0].length
    } else if ('<>=!'.includes(ch)) {
      const two = s.slice(i, i + 2)
      const text = ['<=', '>=', '!='].includes(two) ? two : ch
      if (text === '!') throw bad(`unexpected \`!\` at ${i}`)
      out.push({ kind: 'op', text, pos: start })
      i += text.length
    } else if ('()[],'.includes(ch)) {
      out.push({ kind: 'punct', text: ch, pos: start })
      i++
    } else {
      throw bad(`unexpected \`${ch}\` at ${i}`)
    }
  }
  return out
}

function bad(message: string): PdsError {
  return new PdsError(400, 'InvalidParameter.Query', `Invalid query: ${message}`)
}

function notSupported(field: string, op: string): PdsError {
  return new PdsError(400, 'InvalidParameterNotSupported', `The operator ${op} is not supported on ${field}`)
}
