/**
 * A short run of the crash trials (scripts/crash-trials.ts, `npm run test:crash`): six SIGKILLs of the real server under
 * a random write load, each followed by a restart and the full check (acknowledged uploads byte for byte or in the bin
 * or purged by an acknowledged purge, fsck clean, usage exact, every accepted task finished). CI also runs 20 trials.
 * The seed is random per run and printed on failure; `npm run test:crash -- --trials 6 --seed S` reproduces the mix.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomInt } from 'node:crypto'
import path from 'node:path'
import { REPO_ROOT } from '../support/http.ts'

const TRIALS = 6

test(`crash trials: ${TRIALS} SIGKILLs under load, each followed by a full check`, { timeout: 300_000 }, async (t) => {
  const seed = randomInt(1, 2 ** 31 - 1)
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('TROVE_')) env[k] = v
  const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'scripts', 'crash-trials.ts'), '--trials', String(TRIALS), '--seed', String(seed), '--json', '--verbose'],
      { cwd: REPO_ROOT, env, timeout: 290_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    )
  })
  const why = `seed ${seed} (reproduce: npm run test:crash -- --trials ${TRIALS} --seed ${seed})\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`
  const summary = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? 'null')
  assert.ok(summary, `no JSON summary; ${why}`)
  for (const line of run.stderr.trim().split('\n')) t.diagnostic(line)
  assert.deepEqual(summary.failures, [], why)
  assert.equal(summary.ok, true, why)
  assert.equal(run.code, 0, why)
  assert.equal(summary.seed, seed)
  const s = summary.stats
  assert.equal(s.trials, TRIALS, why)
  // Not vacuous: servers were killed with requests in flight, uploads were acknowledged and then checked byte for byte.
  assert.ok(s.killsMidRequest >= 1, why)
  assert.ok(s.uploadsAcked > 0 && s.uploadsVerified > 0 && s.downloads > 0, why)
  // One fsck after every restart, plus one at the end of each generation; all clean.
  assert.ok(s.fsckRuns >= TRIALS + s.generations, why)
  assert.equal(s.fsckClean, s.fsckRuns, why)
})
