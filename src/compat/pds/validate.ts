import { Type, type Static, type TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import { PdsError } from './errors.ts'

/**
 * Request bodies are checked here, not by Fastify, so that a route and a `batch` sub-request give the same answer,
 * with PDS's `InvalidParameter*` codes: a missing field is `InvalidParameterMissing`, a wrong type
 * `InvalidParameterWrongFormat`, a value out of bounds `InvalidParameterOutOfRange`, a value outside an enumeration
 * `InvalidParameterNotSupported`. Unknown fields are accepted and ignored (clients send many we do not use).
 */
const compiled = new WeakMap<TSchema, ReturnType<typeof Compile>>()

export function parse<S extends TSchema>(schema: S, body: unknown): Static<S> {
  let check = compiled.get(schema)
  if (!check) {
    check = Compile(schema)
    compiled.set(schema, check)
  }
  const value = body === undefined || body === null ? {} : body
  if (check.Check(value)) return value as Static<S>
  const errors = [...check.Errors(value)]
  const first = errors[0]
  if (!first) throw new PdsError(400, 'InvalidParameter', 'The request body is not valid')
  if (first.keyword === 'required') {
    const missing = (first.params as { requiredProperties?: string[] }).requiredProperties?.[0] ?? ''
    const where = first.instancePath ? `${first.instancePath.slice(1).replace(/\//g, '.')}.` : ''
    throw new PdsError(400, 'InvalidParameterMissing', `The input parameter ${where}${missing} is missing`)
  }
  const path = first.instancePath
  const field = path.slice(1).replace(/\//g, '.') || 'body'
  const here = errors.filter((e) => e.instancePath === path).map((e) => e.keyword)
  if (here.includes('const') || here.includes('enum')) throw new PdsError(400, 'InvalidParameterNotSupported', `The value of ${field} is not supported`)
  if (here.includes('type') || here.includes('anyOf') || here.includes('pattern') || here.includes('format')) {
    throw new PdsError(400, 'InvalidParameterWrongFormat', `The input parameter ${field} has the wrong format`)
  }
  throw new PdsError(400, 'InvalidParameterOutOfRange', `The input parameter ${field} is out of range (${first.message})`)
}

/** PDS ids arrive as strings, and drive ids sometimes as numbers (the samples show both `1` and `"1"`). */
export const Id = Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Integer({ minimum: 0 })])
export const OptId = Type.Optional(Id)
export const Marker = Type.Optional(Type.String({ maxLength: 4096 }))
export const NameMode = Type.Optional(Type.Union([Type.Literal('ignore'), Type.Literal('auto_rename'), Type.Literal('refuse')]))

export const idOf = (v: string | number): string => String(v)
