/**
 * Every dialect the reliability suites cover. A dialect registered in src/http/build-app.ts without a descriptor here
 * fails `test/fuzz/registry.fuzz.test.ts` (its routes would be owned by nobody).
 */
import type { Dialect } from '../dialect.ts'
import { native } from './native.ts'
import { smh } from './smh.ts'
import { pds } from './pds.ts'
import { koodrive } from './koodrive.ts'

export const DIALECTS: Dialect[] = [native, smh, pds, koodrive]

/** Routes outside every dialect: documentation, metrics, health, the web UI's static files. They take no input. */
export const INFRASTRUCTURE = [/^\/$/, /^\/docs(\/|$)/, /^\/openapi\.json$/, /^\/metrics$/, /^\/healthz$/, /^\/assets\//]
