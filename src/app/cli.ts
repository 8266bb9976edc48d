import { Command, CommanderError, Option } from 'commander'
import { loadConfig } from '../config/load-config.ts'
import { buildContainer } from './container.ts'
import { serve } from './server.ts'
import { runWorker } from './worker.ts'
import { isDomainError } from '../shared/errors.ts'
import { formatReport } from '../fsck/fsck.service.ts'
import { registerClientCommands } from '../cli/index.ts'
import { registerBackupCommands } from '../backup/backup.commands.ts'

/**
 * `bin/trove`: the server and the admin commands. Admin commands open the data directory directly (TROVE_DATA_DIR),
 * with or without a running server, and call the same services as the API.
 */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('trove').description('Trove: a self-hosted drive with a first-class recycle bin').showHelpAfterError()
  // Usage mistakes (unknown command, missing option) exit 2, failures 1: scripts can tell them apart.
  program.exitOverride()

  program
    .command('serve')
    .description('Start the server (API, task worker and scheduler)')
    .option('--no-worker', 'API only: do not run background tasks')
    .action(async (opts: { worker: boolean }) => {
      const cfg = loadConfig({ ...process.env, ...(opts.worker ? {} : { TROVE_WORKER: '0' }) })
      const server = await serve(cfg)
      const stop = async () => {
        await server.close()
        process.exit(0)
      }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })

  program
    .command('worker')
    .description('Run background tasks and scheduled jobs only (no HTTP)')
    .action(async () => {
      const worker = await runWorker(loadConfig(process.env))
      const stop = async () => {
        await worker.close()
        process.exit(0)
      }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })

  const withContainer = async <T>(fn: (c: Awaited<ReturnType<typeof buildContainer>>) => Promise<T>): Promise<T> => {
    const c = await buildContainer(loadConfig(process.env))
    try {
      return await fn(c)
    } finally {
      await c.close()
    }
  }
  const print = (json: boolean, value: Record<string, unknown>, human: string) => process.stdout.write((json ? JSON.stringify(value) : human) + '\n')

  const library = program.command('library').description('Manage libraries (tenants)')
  library
    .command('create')
    .requiredOption('--name <name>', 'library name')
    .option('--multi-space', 'the library holds several spaces (default: exactly one)')
    .option('--json', 'print JSON')
    .action((opts: { name: string; multiSpace?: boolean; json?: boolean }) =>
      withContainer(async (c) => {
        const lib = await c.libraries.create({ name: opts.name, multiSpace: !!opts.multiSpace })
        const out: Record<string, unknown> = { libraryId: lib.libraryId, librarySecret: lib.librarySecret }
        if (lib.spaceId) out.spaceId = lib.spaceId
        print(!!opts.json, out, `library ${lib.libraryId} created\nsecret: ${lib.librarySecret}${lib.spaceId ? `\nspace: ${lib.spaceId}` : ''}`)
      }),
    )

  const space = program.command('space').description('Manage spaces (drives)')
  space
    .command('create')
    .requiredOption('--library <id>', 'library id')
    .option('--quota <bytes>', 'quota in bytes', (v) => parseInteger(v, '--quota'))
    .option('--retention-days <days>', 'recycle-bin retention in days (default 30)', (v) => parseInteger(v, '--retention-days'))
    .option('--json', 'print JSON')
    .action((opts: { library: string; quota?: number; retentionDays?: number; json?: boolean }) =>
      withContainer(async (c) => {
        const s = await c.spaces.createInLibrary(opts.library, { quotaBytes: opts.quota ?? null, retentionDays: opts.retentionDays })
        print(!!opts.json, { spaceId: s.id }, `space ${s.id} created`)
      }),
    )

  const token = program.command('token').description('Manage access tokens')
  token
    .command('create')
    .requiredOption('--library <id>', 'library id')
    .requiredOption('--user <name>', 'user id (created if missing)')
    .option('--space <id>', 'limit the token to this space (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--grant <grants>', 'comma-separated grants (none = read-only)', '')
    .option('--ttl <seconds>', 'validity period in seconds, renewed on use (300 – 315360000, default 86400)', (v) => parseInteger(v, '--ttl'))
    .option('--json', 'print JSON')
    .action((opts: { library: string; user: string; space: string[]; grant: string; ttl?: number; json?: boolean }) =>
      withContainer(async (c) => {
        const t = await c.auth.issueToken({
          libraryId: opts.library,
          userId: opts.user,
          spaceIds: opts.space.length ? opts.space : null,
          grants: opts.grant.split(',').map((g) => g.trim()).filter(Boolean),
          periodSeconds: opts.ttl,
        })
        print(!!opts.json, { accessToken: t.accessToken, expiresIn: t.expiresIn }, `token: ${t.accessToken}\nexpires in ${t.expiresIn} s (renewed on use)`)
      }),
    )

  const user = program.command('user').description('Manage users')
  user
    .command('password')
    .requiredOption('--library <id>', 'library id')
    .requiredOption('--user <name>', 'user id (created if missing)')
    .addOption(new Option('--password <password>', 'new password (or TROVE_PASSWORD)').env('TROVE_PASSWORD').makeOptionMandatory())
    .action((opts: { library: string; user: string; password: string }) =>
      withContainer(async (c) => {
        await c.auth.setPassword(opts.library, opts.user, opts.password)
        process.stdout.write(`password set for ${opts.user}\n`)
      }),
    )

  program
    .command('migrate')
    .description('Bring the metadata schema up to date (the server also does this at start-up)')
    .action(() => withContainer(async () => void process.stdout.write('schema is up to date\n')))

  program
    .command('fsck')
    .description('Check every invariant of the data directory (read-only unless --repair); exit 1 when problems remain')
    .option('--repair', 'fix what is safe (orphan blobs past the grace period, counters, stuck purges, stale staging)')
    .option('--json', 'print the report as JSON')
    .option('--quick', 'check blob sizes but do not hash their contents')
    .option('--orphan-grace <seconds>', 'with --repair: delete orphan blobs older than this (default 3600)', (v) => parseInteger(v, '--orphan-grace'))
    .action((opts: { repair?: boolean; json?: boolean; quick?: boolean; orphanGrace?: number }) =>
      withContainer(async (c) => {
        const quick = !!opts.quick
        const report = opts.repair ? await c.fsck.repair({ quick, orphanGraceMs: (opts.orphanGrace ?? 3600) * 1000 }) : await c.fsck.check({ quick })
        process.stdout.write((opts.json ? JSON.stringify(report) : formatReport(report)) + '\n')
        // exitCode, not exit(): the container must still close (flush SQLite, end the PostgreSQL pool).
        process.exitCode = report.ok ? 0 : 1
      }),
    )

  registerBackupCommands(program, process.env) // backup DEST, restore-backup SRC: the embedded default only
  registerClientCommands(program, process.env) // login, ls, upload, bin, …: a running server over HTTP

  try {
    await program.parseAsync(argv)
  } catch (e) {
    if (e instanceof CommanderError) process.exit(e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2)
    process.stderr.write(`trove: ${isDomainError(e) ? `${e.message} (${e.code})` : (e as Error).message}\n`)
    process.exit(1)
  }
}

function parseInteger(value: string, flag: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${flag} must be a non-negative integer`)
  return n
}
