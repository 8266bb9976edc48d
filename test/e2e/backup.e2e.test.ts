/**
 * `bin/trove backup DEST` while the real server keeps taking uploads (and purging), then `bin/trove restore-backup` into
 * a fresh directory and a server on it: every file acknowledged before the backup started is there byte for byte (or in
 * the bin, where it was), nothing acknowledged after the backup finished is, and fsck is clean.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs/promises'
import path from 'node:path'
import { TroveServer, tempDir, removeDir, runTrove, sha256, sleep, type Res } from '../support/http.ts'

interface Sent {
  id: string
  name: string
  bytes: Buffer
  ackedAt: number
}

function ok(r: Res, status: number, what: string): Res {
  assert.equal(r.status, status, `${what}: expected ${status}, got ${r.status} ${r.text}`)
  return r
}

const contentOf = (tag: string, i: number) => Buffer.from(`backup test ${tag} #${i}\n${'0123456789abcdef'.repeat((i * 37) % 300)}\n`)

test('backup under load, restore into a fresh directory: everything acknowledged before the backup is there', { timeout: 180_000 }, async (t) => {
  const t0 = Date.now()
  const phase = (name: string) => t.diagnostic(`${name} at ${Date.now() - t0} ms`)
  const dataDir = await tempDir('trove-backup-src-')
  const work = await tempDir('trove-backup-')
  const dest = path.join(work, 'backup')
  const restoredDir = path.join(work, 'restored')
  const server = new TroveServer(dataDir, { TROVE_PURGE_ENTRY_BATCH: '2', TROVE_PURGE_NODE_BATCH: '2' })
  let restoredServer: TroveServer | null = null
  try {
    await server.start()
    const creds = server.credentials!
    const sp = `/trove/v1/spaces/${creds.spaceId}`
    const upload = async (parentId: string, name: string, bytes: Buffer): Promise<Sent> => {
      const r = ok(await server.req('PUT', `${sp}/files?parentId=${parentId}&name=${encodeURIComponent(name)}`, { body: bytes, headers: { 'content-type': 'application/octet-stream' } }), 201, `upload ${name}`)
      return { id: r.json.id, name, bytes, ackedAt: Date.now() }
    }

    // Before the backup: files at the top and in a folder, a few of them in the bin, one folder in the bin.
    const folder = ok(await server.req('POST', `${sp}/folders`, { json: { parentId: 'root', name: 'docs' } }), 201, 'mkdir').json.id
    const binned = ok(await server.req('POST', `${sp}/folders`, { json: { parentId: 'root', name: 'old' } }), 201, 'mkdir').json.id
    const before: Sent[] = []
    for (let i = 0; i < 40; i++) before.push(await upload(i % 2 ? folder : 'root', `before-${i}.txt`, contentOf('before', i)))
    const inOld: Sent[] = []
    for (let i = 0; i < 5; i++) inOld.push(await upload(binned, `old-${i}.txt`, contentOf('old', i)))
    const trashed = new Set<string>()
    for (const s of before.slice(0, 6)) {
      ok(await server.req('DELETE', `${sp}/nodes/${s.id}`), 201, `trash ${s.name}`)
      trashed.add(s.id)
    }
    ok(await server.req('DELETE', `${sp}/nodes/${binned}`), 201, 'trash folder old')
    phase('before-backup files uploaded')

    // The load: uploads without pause, and every third one purged again at once (so blobs are freed during the backup).
    let stop = false
    const during: Sent[] = []
    let purgedDuring = 0
    const load = (async () => {
      for (let i = 0; !stop; i++) {
        const s = await upload('root', `during-${i}.bin`, contentOf('during', i))
        during.push(s)
        if (i % 3 === 2) {
          ok(await server.req('DELETE', `${sp}/nodes/${s.id}?permanent=true`), 202, `purge ${s.name}`)
          purgedDuring++
        }
      }
    })()
    await sleep(200)
    const backupStartedAt = Date.now()
    const backup = await runTrove(['backup', dest, '--json'], { TROVE_DATA_DIR: dataDir, TROVE_LOG_LEVEL: 'warn' }, 120_000)
    const backupFinishedAt = Date.now()
    const uploadsWhileBackingUp = during.filter((s) => s.ackedAt > backupStartedAt && s.ackedAt < backupFinishedAt).length
    // A few more after the backup finished: none of them may be in it.
    const afterMark = during.length
    await sleep(300)
    stop = true
    await load
    phase(`backup done in ${backupFinishedAt - backupStartedAt} ms; ${uploadsWhileBackingUp} uploads acknowledged meanwhile, ${purgedDuring} purged`)
    assert.equal(backup.code, 0, backup.stdout + backup.stderr)
    assert.ok(uploadsWhileBackingUp > 0, 'the server kept serving uploads while the backup ran')
    const manifest = JSON.parse(backup.stdout.trim())
    assert.equal(manifest.format, 'trove-backup')
    assert.ok(Date.parse(manifest.backupTime) >= backupStartedAt && Date.parse(manifest.backupTime) <= backupFinishedAt, 'the backup time lies within the run')
    assert.equal(manifest.counts.spaces, 1)
    assert.ok(manifest.counts.files >= before.length + inOld.length, JSON.stringify(manifest.counts))
    const blobFilesInBackup = await listFiles(path.join(dest, 'blobs', 'blobs'))
    assert.equal(blobFilesInBackup.length, manifest.blobs.count, 'exactly the referenced blobs are in the backup')
    for (const f of blobFilesInBackup) assert.equal(sha256(await fs.readFile(path.join(dest, 'blobs', 'blobs', f))), path.basename(f))
    const after = during.slice(afterMark)

    // The live instance goes on; the backup is a separate, complete copy.
    await server.stop()

    // Restore refuses a non-empty data directory and leaves it alone.
    const busyDir = path.join(work, 'busy')
    await fs.mkdir(busyDir)
    await fs.writeFile(path.join(busyDir, 'keep.txt'), 'mine')
    const refused = await runTrove(['restore-backup', dest], { TROVE_DATA_DIR: busyDir })
    assert.equal(refused.code, 1, refused.stdout + refused.stderr)
    assert.match(refused.stderr, /not empty/)
    assert.deepEqual(await fs.readdir(busyDir), ['keep.txt'])

    // Restore into a fresh directory: every blob hashed, then fsck.
    const restored = await runTrove(['restore-backup', dest, '--json'], { TROVE_DATA_DIR: restoredDir, TROVE_LOG_LEVEL: 'warn' }, 120_000)
    assert.equal(restored.code, 0, restored.stdout + restored.stderr)
    const out = JSON.parse(restored.stdout.trim())
    assert.equal(out.fsck.ok, true, JSON.stringify(out.fsck.problems))
    assert.deepEqual(out.fsck.problems, [])
    assert.equal(out.restored.blobs.count, manifest.blobs.count)
    phase('restored')

    // A server on the restored copy: the old admin token works (tokens are in the database).
    restoredServer = new TroveServer(restoredDir, {})
    await restoredServer.start()
    const req = (method: string, url: string) => restoredServer!.req(method, url, { token: creds.adminToken })
    const bin = ok(await req('GET', `${sp}/trash?limit=1000`), 200, 'bin').json
    const binNodes = new Set(bin.items.map((e: { nodeId: string }) => e.nodeId))
    for (const s of before) {
      if (trashed.has(s.id)) {
        assert.ok(binNodes.has(s.id), `${s.name} was in the bin before the backup and is in the restored bin`)
        assert.equal(ok(await req('GET', `${sp}/nodes/${s.id}/content`), 404, `trashed ${s.name} stays invisible`).status, 404)
      } else {
        const dl = ok(await req('GET', `${sp}/nodes/${s.id}/content`), 200, `download ${s.name}`)
        assert.ok(dl.body.equals(s.bytes), `${s.name}: restored bytes differ`)
      }
    }
    const oldEntry = bin.items.find((e: { nodeId: string }) => e.nodeId === binned)
    assert.ok(oldEntry, 'the trashed folder is in the restored bin')
    // Restoring it from the restored bin brings back its files, byte for byte.
    ok(await restoredServer.req('POST', `${sp}/trash/${oldEntry.id}/restore`, { token: creds.adminToken, json: {} }), 200, 'restore old/')
    for (const s of inOld) assert.ok(ok(await req('GET', `${sp}/nodes/${s.id}/content`), 200, `download ${s.name}`).body.equals(s.bytes))
    // Uploads acknowledged during the backup are there exactly or not at all; those after it finished are not there.
    for (const s of during) {
      const dl = await req('GET', `${sp}/nodes/${s.id}/content`)
      if (s.ackedAt < backupStartedAt && during.indexOf(s) % 3 !== 2) assert.equal(dl.status, 200, `${s.name} was acknowledged before the backup started`)
      if (dl.status === 200) assert.ok(dl.body.equals(s.bytes), `${s.name}: restored bytes differ`)
      else assert.equal(dl.status, 404)
    }
    for (const s of after) assert.equal((await req('GET', `${sp}/nodes/${s.id}/content`)).status, 404, `${s.name} was uploaded after the backup finished`)
    const usage = ok(await req('GET', `${sp}/usage`), 200, 'usage').json
    const root = ok(await req('GET', `${sp}/folders/root/children?limit=1000`), 200, 'root').json
    assert.equal(usage.liveBytes, root.folder.sizeBytes, 'live bytes equal what is visible')

    // Let purges the backup caught part-way finish on the restored instance, then fsck it as a person would.
    for (let i = 0; i < 200; i++) {
      if (!ok(await req('GET', '/trove/v1/tasks?state=Running'), 200, 'tasks').json.items.length) break
      await sleep(50)
    }
    const tasks = ok(await req('GET', '/trove/v1/tasks?limit=500'), 200, 'tasks').json.items
    assert.deepEqual(tasks.filter((x: { state: string }) => x.state !== 'Succeed').map((x: { id: string; state: string }) => `${x.id}:${x.state}`), [])
    await restoredServer.stop()
    const fsck = await runTrove(['fsck', '--json'], { TROVE_DATA_DIR: restoredDir })
    assert.equal(fsck.code, 0, fsck.stdout + fsck.stderr)

    // A damaged backup is refused and leaves the target directory empty.
    const [victim] = blobFilesInBackup
    const victimPath = path.join(dest, 'blobs', 'blobs', victim)
    const bytes = await fs.readFile(victimPath)
    bytes[0] ^= 0xff
    await fs.writeFile(victimPath, bytes)
    const damagedDir = path.join(work, 'damaged')
    const damaged = await runTrove(['restore-backup', dest], { TROVE_DATA_DIR: damagedDir })
    assert.equal(damaged.code, 1, damaged.stdout + damaged.stderr)
    assert.match(damaged.stderr, /damaged/)
    assert.deepEqual(await fs.readdir(damagedDir), [])

    // PostgreSQL/S3 deployments are pointed at their own tools.
    const pg = await runTrove(['backup', path.join(work, 'pg')], { TROVE_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' })
    assert.equal(pg.code, 2, pg.stdout + pg.stderr)
    assert.match(pg.stderr, /pg_dump/)
    // And a backup never overwrites: DEST must be empty.
    const again = await runTrove(['backup', dest], { TROVE_DATA_DIR: dataDir })
    assert.equal(again.code, 1)
    assert.match(again.stderr, /not empty/)
  } finally {
    await server.stop()
    await restoredServer?.stop()
    await removeDir(dataDir)
    await removeDir(work)
  }
})

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (d: string) => {
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) await walk(p)
      else out.push(path.relative(dir, p))
    }
  }
  await walk(dir)
  return out.sort()
}
