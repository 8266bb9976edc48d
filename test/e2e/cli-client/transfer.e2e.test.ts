import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { cli, cliJson, configHome, loginAlice, readTree, spawnCli, startServer, tempDir, writeTree, type TestServer } from './cli-client-support.ts'

interface UploadSummary {
  files: number
  uploaded: number
  skipped: number
  failed: { path: string; code: string; message: string }[]
  foldersCreated: number
  bytesUploaded: number
}

describe('CLI client: upload and download', () => {
  let server: TestServer
  let env: Record<string, string>
  const dirs: string[] = []
  const dir = async (prefix: string) => {
    const d = await tempDir(prefix)
    dirs.push(d)
    return d
  }

  before(async () => {
    server = await startServer()
    const home = await configHome()
    dirs.push(home)
    env = await loginAlice(server, home)
  })
  after(async () => {
    await server?.close()
    for (const d of dirs) await fsp.rm(d, { recursive: true, force: true })
  })

  it('uploads a directory tree and downloads it back byte-identical', async () => {
    const src = await dir('trove-up-')
    const tree = {
      'a.txt': 5,
      'empty.bin': 0,
      'docs/report.pdf': 200_000,
      'docs/notes/2026/todo.md': 1234,
      'photos/IMG 0001.jpg': 1_500_000,
      'photos/ünïcødé – name (1).txt': 77,
    }
    await writeTree(path.join(src, 'project'), tree)
    await fsp.mkdir(path.join(src, 'project', 'empty-folder'))

    assert.equal((await cli(['mkdir', '-p', '/backup/2026'], env)).code, 0)
    const up = await cliJson<UploadSummary>(['upload', path.join(src, 'project'), '/backup/2026', '-j', '3'], env)
    assert.equal(up.files, 6)
    assert.equal(up.uploaded, 6)
    assert.equal(up.skipped, 0)
    assert.deepEqual(up.failed, [])
    assert.equal(up.bytesUploaded, Object.values(tree).reduce((a, b) => a + b, 0))
    assert.equal(up.foldersCreated, 6, 'project, docs, docs/notes, docs/notes/2026, empty-folder, photos')

    const ls = await cliJson<{ items: { name: string; kind: string; sizeBytes: number }[] }>(['ls', '/backup/2026/project/photos'], env)
    assert.deepEqual(
      ls.items.map((i) => [i.name, i.kind, i.sizeBytes]),
      [
        ['IMG 0001.jpg', 'file', 1_500_000],
        ['ünïcødé – name (1).txt', 'file', 77],
      ],
    )
    const human = await cli(['ls', '-l', '/backup/2026/project'], env)
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, /^KIND\s+SIZE\s+ITEMS\s+MODIFIED\s+NAME$/m)
    assert.match(human.stdout, /^dir\s+1\.4 MiB\s+2\s+just now\s+photos\/$/m)

    const out = await dir('trove-down-')
    const down = await cliJson<{ files: number; downloaded: number; failed: unknown[] }>(['download', '/backup/2026/project', out], env)
    assert.equal(down.files, 6)
    assert.equal(down.downloaded, 6)
    assert.deepEqual(down.failed, [])
    const expected = await readTree(path.join(src, 'project'))
    const got = await readTree(path.join(out, 'project'))
    assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort())
    for (const [rel, bytes] of expected) assert.ok(got.get(rel)!.equals(bytes), `${rel} differs after the round trip`)
    assert.ok((await fsp.stat(path.join(out, 'project', 'empty-folder'))).isDirectory(), 'empty folders come back too')

    // Again: everything is already there, nothing is transferred.
    const again = await cliJson<{ skipped: number; bytesTransferred: number }>(['download', '/backup/2026/project', out], env)
    assert.equal(again.skipped, 6)
    assert.equal(again.bytesTransferred, 0)

    // A local file that changed: reported as a conflict (exit 3, the rest skipped), replaced with --on-conflict overwrite.
    await fsp.writeFile(path.join(src, 'project', 'a.txt'), 'changed')
    const conflict = await cli(['upload', path.join(src, 'project'), '/backup/2026', '--json'], env)
    assert.equal(conflict.code, 3, conflict.stderr)
    const c = JSON.parse(conflict.stdout) as UploadSummary
    assert.deepEqual([c.uploaded, c.skipped, c.failed.map((f) => [f.path, f.code])], [0, 5, [['project/a.txt', 'node.name_conflict']]])
    const over = await cliJson<UploadSummary>(['upload', path.join(src, 'project'), '/backup/2026', '--on-conflict', 'overwrite'], env)
    assert.deepEqual([over.uploaded, over.skipped, over.failed.length], [1, 5, 0])
    const bin = await cliJson<{ items: { name: string; originalPath: string }[] }>(['bin', 'ls'], env)
    assert.deepEqual(
      bin.items.map((e) => e.originalPath),
      ['/backup/2026/project/a.txt'],
      'the overwritten version went to the bin',
    )
  })

  it('resumes an interrupted upload: kill the CLI mid-way, run it again, exactly the missing files are sent', async () => {
    const src = await dir('trove-resume-')
    const files: Record<string, number> = {}
    for (let i = 0; i < 120; i++) files[`batch/part-${String(i).padStart(3, '0')}/file-${i}.dat`] = 20_000 + i * 37
    await writeTree(src, files)
    // Each upload waits 30 ms before the server reads it, so 120 files at 2 in parallel take ~2 s: time to kill it.
    server.uploadDelayMs = 30
    const child = spawnCli(['upload', path.join(src, 'batch'), '/', '-j', '2'], env)
    const started = Date.now()
    while ((child.stdoutSoFar().match(/^uploaded /gm) ?? []).length < 15) {
      assert.ok(Date.now() - started < 30_000, `no progress: ${child.stdoutSoFar()}`)
      assert.equal(child.exitCode, null, `the upload finished before it could be interrupted:\n${child.stdoutSoFar()}`)
      await new Promise((r) => setTimeout(r, 10))
    }
    child.kill('SIGKILL')
    const killed = await child.result
    assert.equal(killed.signal, 'SIGKILL')
    server.uploadDelayMs = 0
    const before = (killed.stdout.match(/^uploaded /gm) ?? []).length
    assert.ok(before >= 15 && before < 120, `interrupted after ${before} files`)

    const resumed = await cliJson<UploadSummary>(['upload', path.join(src, 'batch'), '/', '-j', '4'], env)
    assert.equal(resumed.files, 120)
    assert.deepEqual(resumed.failed, [])
    assert.ok(resumed.skipped >= before, `skipped ${resumed.skipped}, but ${before} were reported uploaded before the kill`)
    assert.ok(resumed.uploaded > 0 && resumed.uploaded <= 120 - before, `uploaded ${resumed.uploaded}`)
    assert.equal(resumed.uploaded + resumed.skipped, 120)

    // The remote tree holds each file once (no `name (1)` twins) with the right bytes.
    const out = await dir('trove-resume-down-')
    const down = await cliJson<{ files: number; failed: unknown[] }>(['download', '/batch', out], env)
    assert.equal(down.files, 120)
    assert.deepEqual(down.failed, [])
    const expected = await readTree(src)
    const got = await readTree(out)
    assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort())
    for (const [rel, bytes] of expected) assert.ok(got.get(rel)!.equals(bytes), `${rel} differs`)
  })

  it('download resumes a partial file with Range, and starts over when the partial bytes are not the file', async () => {
    const src = await dir('trove-range-')
    await writeTree(src, { 'big.bin': 3_000_000 })
    const upload = await cli(['upload', path.join(src, 'big.bin'), '/'], env)
    assert.equal(upload.code, 0, upload.stderr)
    assert.match(upload.stdout, /^uploaded big\.bin {2}2\.9 MiB$/m, 'plain progress lines when stdout is not a terminal')
    const original = await fsp.readFile(path.join(src, 'big.bin'))

    const out = await dir('trove-range-out-')
    await fsp.writeFile(path.join(out, 'big.bin.trove-part'), original.subarray(0, 1_000_000))
    const mark = server.requests.length
    const r = await cliJson<{ resumed: number; bytesTransferred: number }>(['download', '/big.bin', out], env)
    assert.equal(r.resumed, 1)
    assert.equal(r.bytesTransferred, 2_000_000)
    assert.ok(
      server.requests.slice(mark).some((q) => q.range === 'bytes=1000000-'),
      'the download asked for the missing bytes only',
    )
    assert.ok((await fsp.readFile(path.join(out, 'big.bin'))).equals(original))
    await assert.rejects(fsp.stat(path.join(out, 'big.bin.trove-part')), { code: 'ENOENT' })

    await fsp.rm(path.join(out, 'big.bin'))
    await fsp.writeFile(path.join(out, 'big.bin.trove-part'), Buffer.alloc(500_000, 0xee))
    const restarted = await cliJson<{ downloaded: number; resumed: number }>(['download', '/big.bin', out], env)
    assert.equal(restarted.downloaded, 1, 'bytes that do not match the checksum are fetched again')
    assert.equal(restarted.resumed, 0)
    assert.ok((await fsp.readFile(path.join(out, 'big.bin'))).equals(original))
  })
})
