import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { CLIENT_DIR, generateClientTypes, OPENAPI_FILE, TYPES_FILE } from '../../scripts/gen-client-types.ts'

/**
 * The committed client types (src/client/api-types.d.ts, and the openapi.json they come from) must be what the server
 * describes today. Adding or changing a native route without `npm run gen:client` fails here.
 */
describe('typed client', () => {
  it('committed types match the server’s OpenAPI document', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trove-client-types-'))
    try {
      const fresh = await generateClientTypes(dir)
      for (const [file, generated] of [
        [OPENAPI_FILE, fresh.openapi],
        [TYPES_FILE, fresh.types],
      ] as const) {
        const committed = await fs.readFile(path.join(CLIENT_DIR, file), 'utf8').catch(() => '')
        const now = await fs.readFile(generated, 'utf8')
        assert.ok(now.length > 1000, `generated ${file} looks empty`)
        if (committed !== now) {
          const a = committed.split('\n')
          const b = now.split('\n')
          let i = 0
          while (i < a.length && a[i] === b[i]) i++
          assert.fail(
            `src/client/${file} is out of date with the server's OpenAPI document: run \`npm run gen:client\` and commit the result.\n` +
              `First difference at line ${i + 1}:\n  committed: ${a[i] ?? '(end of file)'}\n  server:    ${b[i] ?? '(end of file)'}`,
          )
        }
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true })
    }
  })
})
