/**
 * The real crash test: `bin/trove serve` is SIGKILLed while it empties a bin of 1,500 entries, five entries per batch.
 * After a restart on the same data dir the purge must resume and finish with every byte and every counter accounted
 * for, exactly once, without touching what was not in the bin.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import Database from 'better-sqlite3'
import { TroveServer, tempDir, removeDir, pool, sha256, filesUnder, sleep, runTrove, type Res } from '../support/http.ts'
import { blobFiles } from '../support/harness.ts'

const FILES = 1500
const CONCURRENCY = 8
const ENTRY_BATCH = 5

function ok(r: Res, status: number, what: string): Res {
  assert.equal(r.status, status, `${what}: expected ${status}, got ${r.status} ${r.text}`)
  return r
}

/** Distinct content per index: a short header plus a few bytes of padding that vary with i. */
function contentOf(i: number): Buffer {
  return Buffer.from(`crash-test file #${i}\n${'x'.repeat(i % 17)}\n`)
}

test('emptying the bin survives SIGKILL mid-purge and resumes to an exact finish', { timeout: 120_000 }, async (t) => {
  const t0 = Date.now()
  const phase = (name: string) => t.diagnostic(`${name} at ${Date.now() - t0} ms`)
  const dataDir = await tempDir('trove-crash-')
  const server = new TroveServer(dataDir, { TROVE_PURGE_ENTRY_BATCH: String(ENTRY_BATCH), TROVE_PURGE_NODE_BATCH: '5' })
  try {
    await server.start()
    const creds = server.credentials
    assert.ok(creds, 'first start prints the admin credentials')
    assert.match(creds.adminToken, /^[0-9a-f]{64}$/)
    const sp = `/trove/v1/spaces/${creds.spaceId}`
    const upload = async (parentId: string, name: string, body: Buffer) =>
      ok(await server.req('PUT', `${sp}/files?parentId=${parentId}&name=${encodeURIComponent(name)}`, { body, headers: { 'content-type': 'application/octet-stream' } }), 201, `upload ${name}`).json

    // What must survive: a file with unique content, and one that shares its bytes with a file that will be purged.
    const keptUnique = Buffer.from('kept: never trashed, unique bytes\n')
    const keptShared = contentOf(7)
    const keepA = await upload('root', 'keep-unique.txt', keptUnique)
    const keepB = await upload('root', 'keep-shared.txt', keptShared)

    const bulk = ok(await server.req('POST', `${sp}/folders`, { json: { parentId: 'root', name: 'bulk' } }), 201, 'mkdir').json.id
    const indexes = Array.from({ length: FILES }, (_, i) => i)
    const uploaded = await pool(indexes, CONCURRENCY, (i) => upload(bulk, `f-${String(i).padStart(4, '0')}.bin`, contentOf(i)))
    phase(`uploaded ${FILES} files`)
    const trashedBytes = indexes.reduce((n, i) => n + contentOf(i).length, 0)
    await pool(uploaded, CONCURRENCY, async (node: { id: string }) => ok(await server.req('DELETE', `${sp}/nodes/${node.id}`), 201, `trash ${node.id}`))

    phase(`trashed ${FILES} files`)
    const usageBefore = ok(await server.req('GET', `${sp}/usage`), 200, 'usage').json
    assert.deepEqual(usageBefore, {
      quotaBytes: null,
      usedBytes: keptUnique.length + keptShared.length + trashedBytes,
      liveBytes: keptUnique.length + keptShared.length,
      trashBytes: trashedBytes,
      trashEntries: FILES,
      availableBytes: null,
    })
    assert.equal(ok(await server.req('GET', `${sp}/trash?limit=1`), 200, 'bin').json.total, FILES)
    // 1,500 distinct contents plus the unique kept file (the shared one is one of the 1,500)
    assert.equal((await blobFiles(dataDir)).length, FILES + 1)

    // Empty, then kill the server the moment the task is part-way.
    const empty = ok(await server.req('POST', `${sp}/trash/empty`), 202, 'empty').json
    assert.equal(empty.entries, FILES)
    const taskUrl = `/trove/v1/tasks/${empty.taskId}`
    let seen: { state: string; done: number; total: number } | null = null
    const deadline = Date.now() + 30_000
    for (;;) {
      const task = ok(await server.req('GET', taskUrl), 200, 'task').json
      if (task.state !== 'Running') {
        assert.fail(
          `the purge finished (${task.state}, ${task.done}/${task.total}) before the server could be killed: ` +
            `make TROVE_PURGE_ENTRY_BATCH smaller or FILES larger so the kill lands mid-way`,
        )
      }
      if (task.done > 0 && task.done < task.total) {
        await server.kill('SIGKILL')
        seen = task
        break
      }
      assert.ok(Date.now() < deadline, `the purge made no progress in 30 s: ${JSON.stringify(task)}`)
    }
    assert.ok(seen)
    phase(`killed at ${seen.done}/${seen.total}`)
    assert.equal(server.child?.signalCode, 'SIGKILL')

    // What the dead server left on disk: the task still running, part-way (read straight from its database).
    const db = new Database(path.join(dataDir, 'trove.sqlite'), { readonly: true, fileMustExist: true })
    let atKill: { state: string; done: number; total: number }
    let entriesLeft: number
    try {
      atKill = db.prepare('select state, done, total from tasks where id = ?').get(Number(empty.taskId)) as typeof atKill
      entriesLeft = (db.prepare(`select count(*) as n from recycle_entries where state = 'purging'`).get() as { n: number }).n
    } finally {
      db.close()
    }
    assert.equal(atKill.state, 'Running', 'the kill did not land mid-way: the task had already finished')
    assert.equal(atKill.total, FILES)
    assert.ok(atKill.done > 0 && atKill.done < FILES, `the kill did not land mid-way: done=${atKill.done} of ${FILES}`)
    assert.equal(entriesLeft, FILES - atKill.done, 'every entry counted as done is gone, and only those')

    // Restart on the same data dir: the purge resumes and finishes exactly.
    await server.start()
    assert.equal(server.starts, 2)
    let finished: { state: string; done: number; total: number; failed: number; failures: unknown[] } | null = null
    const deadline2 = Date.now() + 30_000
    while (!finished) {
      const task = ok(await server.req('GET', taskUrl, { token: creds.adminToken }), 200, 'task after restart').json
      if (task.state !== 'Running') finished = task
      else {
        assert.ok(Date.now() < deadline2, `the purge did not finish within 30 s of the restart: ${JSON.stringify(task)}`)
        await sleep(50)
      }
    }
    phase('purge finished after the restart')
    assert.equal(finished.state, 'Succeed', JSON.stringify(finished))
    assert.equal(finished.total, FILES)
    assert.equal(finished.done, FILES)
    assert.equal(finished.failed, 0)
    assert.deepEqual(finished.failures, [])

    const bin = ok(await server.req('GET', `${sp}/trash`), 200, 'bin after').json
    assert.equal(bin.total, 0)
    assert.deepEqual(bin.items, [])
    const usage = ok(await server.req('GET', `${sp}/usage`), 200, 'usage after').json
    // Only the two kept files remain: nothing in the bin, nothing charged twice or released twice.
    assert.deepEqual(usage, {
      quotaBytes: null,
      usedBytes: keptUnique.length + keptShared.length,
      liveBytes: keptUnique.length + keptShared.length,
      trashBytes: 0,
      trashEntries: 0,
      availableBytes: null,
    })
    // No blob file of a purged upload is left; the kept files' bytes are (the shared one included).
    assert.deepEqual(await blobFiles(dataDir), [sha256(keptUnique), sha256(keptShared)].sort())
    assert.deepEqual(await filesUnder(path.join(dataDir, 'blobs', 'staging')), [])

    for (const [node, bytes] of [
      [keepA, keptUnique],
      [keepB, keptShared],
    ] as const) {
      const dl = ok(await server.req('GET', `${sp}/nodes/${node.id}/content`), 200, `download ${node.name}`)
      assert.ok(dl.body.equals(bytes), `${node.name}: downloaded bytes differ`)
      assert.equal(dl.headers.etag, `"${sha256(bytes)}"`)
    }
    const root = ok(await server.req('GET', `${sp}/folders/root/children`), 200, 'root').json
    assert.deepEqual(root.items.map((n: { name: string }) => n.name), ['bulk', 'keep-shared.txt', 'keep-unique.txt'])
    assert.equal(root.items[0].itemCount, 0)
    assert.equal(root.items[0].sizeBytes, 0)

    // Every entry was purged exactly once: one audit event per entry, none replayed.
    const purged: string[] = []
    let before = ''
    for (;;) {
      const page = ok(await server.req('GET', `${sp}/audit?action=purge&limit=1000${before}`), 200, 'audit').json.items
      purged.push(...page.map((e: { entryId: string }) => e.entryId))
      if (page.length < 1000) break
      before = `&before=${page.at(-1).id}`
    }
    assert.equal(purged.length, FILES)
    assert.equal(new Set(purged).size, FILES)

    // And fsck, run as a person would on the stopped instance, finds nothing wrong (hashes included).
    await server.stop()
    const fsck = await runTrove(['fsck', '--json'], { TROVE_DATA_DIR: dataDir })
    assert.equal(fsck.code, 0, fsck.stdout + fsck.stderr)
    assert.deepEqual(JSON.parse(fsck.stdout).problems, [])
  } finally {
    await server.stop()
    await removeDir(dataDir)
  }
})
