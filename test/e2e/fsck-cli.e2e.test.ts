import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { sql } from 'kysely'
import { buildContainer, type Container } from '../../src/app/container.ts'
import { loadConfig } from '../../src/config/load-config.ts'
import type { Actor } from '../../src/access/grants.ts'
import { runTrove, tempDir, removeDir, sha256 } from '../support/http.ts'

/** Opens the data directory in this process (the embedded default), runs `fn`, and closes it before the CLI runs. */
async function withDataDir<T>(dataDir: string, fn: (c: Container) => Promise<T>): Promise<T> {
  const c = await buildContainer(loadConfig({ TROVE_DATA_DIR: dataDir }))
  try {
    return await fn(c)
  } finally {
    await c.close()
  }
}

async function fsck(dataDir: string, args: string[] = []) {
  const r = await runTrove(['fsck', ...args], { TROVE_DATA_DIR: dataDir, TROVE_LOG_LEVEL: 'warn' })
  return { ...r, lines: r.stdout.trim().split('\n') }
}

/** `fsck --json`: exactly one JSON line of the documented shape. */
async function fsckJson(dataDir: string, args: string[] = []) {
  const r = await fsck(dataDir, ['--json', ...args])
  assert.equal(r.lines.length, 1, `one JSON line expected, got:\n${r.stdout}\nstderr: ${r.stderr}`)
  const report = JSON.parse(r.lines[0])
  assert.deepEqual(Object.keys(report).sort(), ['actions', 'checkedAt', 'ok', 'problems', 'quick', 'repaired', 'stats', 'summary'])
  assert.deepEqual(Object.keys(report.stats).sort(), ['blobRows', 'bytesHashed', 'entries', 'nodes', 'spaces', 'storedBlobs', 'unfinishedTasks'])
  for (const p of report.problems) {
    assert.equal(typeof p.kind, 'string')
    assert.ok(typeof p.message === 'string' && p.message.length > 0)
    assert.equal(typeof p.ids, 'object')
    assert.equal(typeof p.repairable, 'boolean')
  }
  for (const a of report.actions) assert.deepEqual(Object.keys(a).sort(), ['ids', 'kind', 'message'])
  assert.equal(r.code, report.ok ? 0 : 1, `exit code follows ok (${report.summary})`)
  const kinds = [...new Set((report.problems as { kind: string }[]).map((p) => p.kind))].sort()
  const actions = [...new Set((report.actions as { kind: string }[]).map((p) => p.kind))].sort()
  return { code: r.code, report, kinds, actions }
}

const blobPath = (dataDir: string, sha: string) => path.join(dataDir, 'blobs', 'blobs', sha.slice(0, 2), sha.slice(2, 4), sha)

describe('bin/trove fsck', () => {
  let dataDir: string
  const kept = 'a file whose bytes will be lost'

  before(async () => {
    dataDir = await tempDir('trove-fsck-')
    await withDataDir(dataDir, async (c) => {
      const lib = await c.libraries.create({ name: 'fsck' })
      const admin: Actor = { libraryId: lib.libraryId, userId: 'admin', grants: ['admin'], spaceIds: null }
      const up = (parentId: string, name: string, content: string) => c.nodes.upload(admin, lib.spaceId!, { parentId, name, body: Readable.from([Buffer.from(content)]) })
      const folder = await c.nodes.createFolder(admin, lib.spaceId!, 'root', 'docs')
      await up('root', 'a.txt', kept)
      await up(String(folder.id), 'b.txt', 'shared')
      await up('root', 'c.txt', 'shared')
      const gone = await up(String(folder.id), 'd.txt', 'to the bin')
      await c.trash.moveToTrash(admin, lib.spaceId!, String(gone.id))
    })
  })
  after(async () => {
    await removeDir(dataDir)
  })

  it('a clean data dir: exit 0, ok, no problems, in JSON and in words', async () => {
    const r = await fsckJson(dataDir)
    assert.equal(r.code, 0)
    assert.equal(r.report.ok, true)
    assert.deepEqual(r.report.problems, [])
    assert.equal(r.report.quick, false)
    assert.equal(r.report.stats.blobRows, 3)
    assert.equal(r.report.stats.storedBlobs, 3)

    const quick = await fsckJson(dataDir, ['--quick'])
    assert.equal(quick.report.quick, true)
    assert.equal(quick.report.stats.bytesHashed, 0)

    const human = await fsck(dataDir)
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.lines.at(-1)!, /^fsck: clean \(/)
  })

  it('a corrupted data dir: exit 1 with each problem; --repair fixes the safe ones and reports what remains', async () => {
    const orphan = blobPath(dataDir, sha256('orphan bytes'))
    await fs.mkdir(path.dirname(orphan), { recursive: true })
    await fs.writeFile(orphan, 'orphan bytes')
    await fs.rm(blobPath(dataDir, sha256(kept)))
    await withDataDir(dataDir, async (c) => void (await sql`update spaces set live_bytes = live_bytes + 100`.execute(c.database.db)))

    const found = await fsckJson(dataDir)
    assert.equal(found.code, 1)
    assert.deepEqual(found.kinds, ['live_bytes_mismatch', 'missing_blob', 'orphan_blob'])
    assert.equal(found.report.problems.find((p: { kind: string }) => p.kind === 'missing_blob').ids.sha256, sha256(kept))

    const human = await fsck(dataDir)
    assert.equal(human.code, 1)
    for (const kind of found.kinds) assert.ok(human.lines.some((l) => l.includes(kind)), `${kind} listed in:\n${human.stdout}`)
    assert.match(human.lines.at(-1)!, /^fsck: 3 problem\(s\)/)

    // The orphan was just written: the default grace period keeps it, a grace of 0 does not.
    const patient = await fsckJson(dataDir, ['--repair'])
    assert.deepEqual(patient.actions, ['recompute_space_counters'])
    assert.deepEqual(patient.kinds, ['missing_blob', 'orphan_blob'])
    const repaired = await fsckJson(dataDir, ['--repair', '--orphan-grace', '0'])
    assert.equal(repaired.code, 1, 'lost bytes cannot be repaired')
    assert.equal(repaired.report.repaired, true)
    assert.deepEqual(repaired.actions, ['delete_orphan_blob'])
    assert.deepEqual(repaired.kinds, ['missing_blob'])
    assert.equal(await fs.stat(orphan).catch(() => null), null)

    // Put the bytes back (from a backup, say): clean again.
    const file = blobPath(dataDir, sha256(kept))
    await fs.writeFile(file, kept)
    const clean = await fsckJson(dataDir)
    assert.equal(clean.code, 0, clean.report.summary)
  })

  it('a bad --orphan-grace is refused', async () => {
    const r = await fsck(dataDir, ['--repair', '--orphan-grace', 'soon'])
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /--orphan-grace must be a non-negative integer/)
    assert.equal(r.stdout.trim(), '')
  })
})
