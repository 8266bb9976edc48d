import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { cli, cliJson, configHome, loginAlice, startServer, tempDir, type TestServer } from './cli-client-support.ts'

interface Entry {
  id: string
  name: string
  originalPath: string
  removedBy: string
  sizeBytes: number
}
interface Outcome {
  entryId: string
  status: 'restored' | 'failed'
  path?: string
  renamed?: boolean
  error?: { code: string }
}

describe('CLI client: the bin, tasks, albums, usage', () => {
  let server: TestServer
  let env: Record<string, string>
  let work: string

  before(async () => {
    server = await startServer()
    work = await tempDir('trove-bin-')
    env = await loginAlice(server, await configHome())
    await fsp.writeFile(path.join(work, 'report.txt'), 'version one')
    await fsp.mkdir(path.join(work, 'docs'))
    await fsp.writeFile(path.join(work, 'docs', 'a.txt'), 'a'.repeat(1000))
    await fsp.writeFile(path.join(work, 'docs', 'b.txt'), 'b'.repeat(2000))
    const up = await cli(['upload', path.join(work, 'report.txt'), path.join(work, 'docs'), '/'], env)
    assert.equal(up.code, 0, up.stderr)
  })
  after(async () => {
    await server?.close()
    await fsp.rm(work, { recursive: true, force: true })
    await fsp.rm(env?.XDG_CONFIG_HOME ?? '', { recursive: true, force: true })
  })

  it('rm moves to the bin; bin ls lists it (JSON and table); restore hits a conflict, then renames', async () => {
    const rm = await cliJson<{ removed: { path: string; entryId: string; purgeTaskId: string | null }[]; failed: unknown[] }>(['rm', '/report.txt'], env)
    assert.equal(rm.removed.length, 1)
    assert.equal(rm.removed[0].purgeTaskId, null, 'to the bin, not purged')
    const entryId = rm.removed[0].entryId

    const bin = await cliJson<{ items: Entry[]; total: number; nextCursor: string | null }>(['bin', 'ls'], env)
    assert.equal(bin.total, 1)
    assert.equal(bin.items[0].id, entryId)
    assert.equal(bin.items[0].name, 'report.txt')
    assert.equal(bin.items[0].originalPath, '/report.txt')
    assert.equal(bin.items[0].removedBy, 'alice')
    const table = await cli(['bin', 'ls'], env)
    assert.match(table.stdout, /^\s*ID\s+NAME\s+SIZE\s+REMOVED\s+BY\s+FROM\s+PURGED$/m)
    assert.match(table.stdout, new RegExp(`^\\s*${entryId}\\s+report\\.txt\\s+11 B\\s+just now\\s+alice\\s+/\\s+in 30 days$`, 'm'))

    // A new file takes the name back.
    await fsp.writeFile(path.join(work, 'report.txt'), 'version two!')
    assert.equal((await cli(['upload', path.join(work, 'report.txt'), '/'], env)).code, 0)

    const failed = await cli(['bin', 'restore', entryId, '--on-conflict', 'fail', '--json'], env)
    assert.equal(failed.code, 1, 'every restore failed')
    const f = JSON.parse(failed.stdout) as { outcomes: Outcome[] }
    assert.equal(f.outcomes[0].status, 'failed')
    assert.equal(f.outcomes[0].error?.code, 'node.name_conflict')

    const dry = await cliJson<{ dryRun: boolean; outcomes: Outcome[] }>(['bin', 'restore', entryId, '--dry-run'], env)
    assert.equal(dry.dryRun, true)
    assert.equal(dry.outcomes[0].path, '/report (1).txt')
    assert.equal((await cliJson<{ total: number }>(['bin', 'ls'], env)).total, 1, 'a dry run changes nothing')

    const ok = await cliJson<{ outcomes: Outcome[] }>(['bin', 'restore', entryId, '--on-conflict', 'rename'], env)
    assert.equal(ok.outcomes[0].status, 'restored')
    assert.equal(ok.outcomes[0].renamed, true)
    const names = (await cliJson<{ items: { name: string }[] }>(['ls', '/'], env)).items.map((i) => i.name)
    assert.deepEqual(names, ['docs', 'report (1).txt', 'report.txt'])
    assert.equal((await cliJson<{ total: number }>(['bin', 'ls'], env)).total, 0)
  })

  it('restores --all-matching a filter; partial failure exits 3', async () => {
    const rm = await cli(['rm', '/docs/a.txt', '/docs/b.txt', '/docs/missing.txt'], env)
    assert.equal(rm.code, 3, 'two removed, one missing: partial success')
    assert.match(rm.stdout, /moved \/docs\/a\.txt to the bin/)
    assert.match(rm.stderr, /No such file or folder: \/docs\/missing\.txt/)

    const restored = await cliJson<{ outcomes: Outcome[] }>(['bin', 'restore', '--all-matching', 'a.t', '--removed-by', 'alice', '--removed-after', '1h'], env)
    assert.deepEqual(
      restored.outcomes.map((o) => [o.status, o.path]),
      [['restored', '/docs/a.txt']],
    )
    const left = await cliJson<{ items: Entry[] }>(['bin', 'ls', '--origin', '/docs'], env)
    assert.deepEqual(
      left.items.map((e) => e.name),
      ['b.txt'],
    )
    const usage = await cli(['bin', 'restore'], env)
    assert.equal(usage.code, 2)
    assert.match(usage.stderr, /Nothing to restore/)
    const bad = await cli(['bin', 'ls', '--sort', 'owner'], env)
    assert.equal(bad.code, 2, 'a bad choice is a usage error')
  })

  it('bin empty --wait follows the task to the end; usage and tasks report it', async () => {
    const refused = await cli(['bin', 'empty'], env)
    assert.equal(refused.code, 2, 'no terminal to ask on and no --yes')
    assert.match(refused.stderr, /--yes/)
    const before = await cliJson<{ trashBytes: number; trashEntries: number }>(['usage'], env)
    assert.equal(before.trashEntries, 1)
    assert.equal(before.trashBytes, 2000)

    const emptied = await cliJson<{ taskId: string; entries: number; task: { id: string; state: string; done: number; total: number } }>(['bin', 'empty', '--yes', '--wait'], env)
    assert.equal(emptied.entries, 1)
    assert.equal(emptied.task.id, emptied.taskId)
    assert.equal(emptied.task.state, 'Succeed')
    assert.equal(emptied.task.done, emptied.task.total)

    const after = await cliJson<{ trashBytes: number; trashEntries: number; liveBytes: number }>(['usage'], env)
    assert.equal(after.trashEntries, 0)
    assert.equal(after.trashBytes, 0)
    const tasks = await cliJson<{ items: { id: string; state: string }[] }>(['tasks'], env)
    assert.ok(tasks.items.some((t) => t.id === emptied.taskId && t.state === 'Succeed'))
    const human = await cli(['tasks', emptied.taskId, '--watch'], env)
    assert.equal(human.code, 0)
    assert.match(human.stdout, new RegExp(`task ${emptied.taskId} \\(trash\\.purge\\) Succeed: 1/1 done`))
    const missing = await cli(['tasks', '999999'], env)
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /does not exist[\s\S]*trove tasks/)
  })

  it('albums: create, add, list, remove, delete', async () => {
    const a = await cliJson<{ id: string; name: string }>(['albums', 'create', 'Holidays'], env)
    assert.equal(a.name, 'Holidays')
    const added = await cliJson<{ added: string[] }>(['albums', 'add', 'Holidays', '/report.txt', '/docs/a.txt'], env)
    assert.equal(added.added.length, 2)
    const items = await cliJson<{ items: { name: string }[] }>(['albums', 'ls', a.id], env)
    assert.deepEqual(
      items.items.map((i) => i.name),
      ['report.txt', 'a.txt'],
    )
    assert.equal((await cliJson<{ removed: number }>(['albums', 'rm', 'Holidays', '/docs/a.txt'], env)).removed, 1)
    assert.equal((await cli(['albums', 'delete', 'Holidays'], env)).code, 0)
    assert.deepEqual((await cliJson<{ items: unknown[] }>(['albums', 'ls'], env)).items, [])
    const gone = await cli(['albums', 'ls', 'Holidays'], env)
    assert.equal(gone.code, 1)
    assert.match(gone.stderr, /No album "Holidays"/)
  })

  it('mkdir, mv, cp and tree; help has examples; bash completion completes subcommands and option values', async () => {
    assert.equal((await cli(['mkdir', '/archive'], env)).code, 0)
    const exists = await cli(['mkdir', '/archive'], env)
    assert.equal(exists.code, 1)
    assert.match(exists.stderr, /already exists[\s\S]*-p/)
    const mv = await cliJson<{ moved: { path: string }[] }>(['mv', '/report (1).txt', '/archive/old-report.txt'], env)
    assert.equal(mv.moved[0].path, '/archive/old-report.txt')
    const cp = await cliJson<{ copied: { path: string }[] }>(['cp', '/docs', '/archive'], env)
    assert.equal(cp.copied[0].path, '/archive/docs')
    const tree = await cli(['tree', '/archive'], env)
    assert.equal(tree.stdout, ['/archive', '├── docs/', '│   └── a.txt', '└── old-report.txt', '', '1 folder, 2 files', ''].join('\n'))

    const help = await cli(['bin', 'restore', '--help'], env)
    assert.equal(help.code, 0)
    assert.match(help.stdout, /Examples:\n {2}\$ trove bin restore 12 13/)

    const script = await cli(['completion', 'bash'], env)
    assert.equal(script.code, 0)
    const file = path.join(work, 'trove.bash')
    await fsp.writeFile(file, script.stdout)
    const complete = (words: string[]) =>
      new Promise<string>((resolve, reject) =>
        execFile('bash', ['-c', `source "$0"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _trove; echo "\${COMPREPLY[*]}"`, file], (e, out) =>
          e ? reject(e) : resolve(out.trim()),
        ),
      )
    assert.equal(await complete(['trove', 'bin', 'r']), 'restore rm')
    assert.equal(await complete(['trove', 'bin', 'restore', '--on-conflict', '']), 'rename overwrite fail')
    assert.equal(await complete(['trove', 'upl']), 'upload')
    assert.equal((await cli(['completion', 'fish'], env)).code, 2)
  })
})
