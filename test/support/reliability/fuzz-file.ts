/** One fuzz test file per dialect: `fuzzFile(dialect)` is all such a file says. */
import { test } from 'node:test'
import type { Dialect } from './dialect.ts'
import { makeWorld } from './world.ts'
import { fuzzDialect, summary } from './fuzz.ts'

/** Quota of the fuzzed spaces: small enough that a 4 MiB body is refused as over quota. */
export const FUZZ_QUOTA = 3 * 1024 * 1024

export function fuzzFile(d: Dialect): void {
  test(`fuzz: every ${d.name} endpoint refuses hostile input cleanly`, { timeout: 900_000 }, async (t) => {
    const w = await makeWorld({ quotaBytes: FUZZ_QUOTA })
    try {
      const s = await fuzzDialect(t, d, w)
      const line = summary(d, s)
      t.diagnostic(line)
      console.log(line)
    } finally {
      await w.close()
    }
  })
}
