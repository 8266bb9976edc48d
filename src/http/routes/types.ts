import type { FastifyInstance, FastifyBaseLogger, RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Container } from '../../app/container.ts'

export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>
export type RoutePlugin = (app: App, c: Container) => Promise<void> | void

export const SpaceParams = Type.Object({ spaceId: Type.String({ description: 'Space id (decimal string)' }) })
export const NodeParams = Type.Object({ spaceId: Type.String(), nodeId: Type.String({ description: 'Node id, or `root`' }) })
export const EntryParams = Type.Object({ spaceId: Type.String(), entryId: Type.String() })
export const Order = Type.Union([Type.Literal('asc'), Type.Literal('desc')])
export const Conflict = Type.Union([Type.Literal('fail'), Type.Literal('rename'), Type.Literal('overwrite')])
export const Security = [{ bearer: [] as string[] }]
