import type { FastifyInstance } from 'fastify'
import type { Services, SmhOptions } from '../context.ts'

export interface Deps {
  c: Services
  opts: SmhOptions
}

export type RouteGroup = (app: FastifyInstance, d: Deps) => void | Promise<void>

export type LS = { L: string; S: string }
export type LSP = LS & { '*': string }
