/**
 * `npm run gen:client`: writes the server's OpenAPI document to src/client/openapi.json and the TypeScript types
 * generated from it (openapi-typescript) to src/client/api-types.d.ts. Both files are committed; the drift test
 * (test/client/api-types.drift.test.ts) regenerates them into a temp dir and fails when they differ.
 *
 * The app is built in-process over a throwaway data directory, so no server needs to run and nothing is listened on.
 */
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript'
import { loadConfig } from '../src/config/load-config.ts'
import { buildContainer } from '../src/app/container.ts'
import { buildApp } from '../src/http/build-app.ts'

export const CLIENT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'client')
export const OPENAPI_FILE = 'openapi.json'
export const TYPES_FILE = 'api-types.d.ts'

/** The OpenAPI document exactly as `GET /openapi.json` serves it. */
export async function currentOpenApiDocument(): Promise<Record<string, unknown>> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'trove-openapi-'))
  try {
    const c = await buildContainer(loadConfig({ TROVE_DATA_DIR: dataDir, TROVE_WORKER: '0', TROVE_LOG_LEVEL: 'silent' }))
    try {
      const app = await buildApp(c)
      await app.ready()
      const doc = app.swagger() as unknown as Record<string, unknown>
      await app.close()
      return doc
    } finally {
      await c.close()
    }
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true })
  }
}

/** Writes openapi.json and api-types.d.ts into `outDir`; returns their paths. */
export async function generateClientTypes(outDir: string): Promise<{ openapi: string; types: string }> {
  const doc = await currentOpenApiDocument()
  const json = JSON.stringify(doc, null, 2) + '\n'
  const types = COMMENT_HEADER + astToString(await openapiTS(doc as never, { silent: true }))
  await fs.mkdir(outDir, { recursive: true })
  const out = { openapi: path.join(outDir, OPENAPI_FILE), types: path.join(outDir, TYPES_FILE) }
  await fs.writeFile(out.openapi, json)
  await fs.writeFile(out.types, types)
  return out
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await generateClientTypes(CLIENT_DIR)
  process.stdout.write(`wrote ${path.relative(process.cwd(), out.openapi)} and ${path.relative(process.cwd(), out.types)}\n`)
}
