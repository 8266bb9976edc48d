/**
 * What every client command shares: where the server and token come from (TROVE_URL / TROVE_TOKEN, else the
 * credentials file), which space to use, how results print (human or --json) and how failures become exit codes:
 * 0 ok, 1 failure, 2 usage (wrong arguments, not logged in), 3 partial success.
 */
import { Command, CommanderError, Option } from 'commander'
import { createClient, isTroveApiError, type TroveClient } from '../client/index.ts'
import { credentialsPath, readCredentials, type Credentials } from './credentials.ts'

export const EXIT = { ok: 0, failure: 1, usage: 2, partial: 3 } as const

/** The environment the client commands read (passed in by the CLI entry point; nothing here reads process.env). */
export interface ClientEnv {
  TROVE_URL?: string
  TROVE_TOKEN?: string
  TROVE_SPACE?: string
  TROVE_PASSWORD?: string
  XDG_CONFIG_HOME?: string
  HOME?: string
  NO_COLOR?: string
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
    readonly hint?: string,
    readonly code = 'cli.error',
  ) {
    super(message)
  }
}

export const usageError = (message: string, hint?: string) => new CliError(message, EXIT.usage, hint, 'cli.usage')
/** A name that is already taken, found on the client side (same code and hint as the server's refusal). */
export const conflictError = (message: string, hint = HINTS['node.name_conflict']) => new CliError(message, EXIT.failure, hint, 'node.name_conflict')

export interface CommonOptions {
  json?: boolean
  space?: string
}

export interface Session {
  url: string
  client: TroveClient
  /** `env` when TROVE_TOKEN supplied the token. */
  source: 'env' | 'file'
  credentials: Credentials | null
}

export class ClientContext {
  private session: Promise<Session> | null = null
  private spaces = new Map<string, Promise<string>>()

  constructor(readonly env: ClientEnv) {}

  get credentialsFile(): string {
    return credentialsPath(this.env)
  }

  /** The server and token to use; refuses with exit 2 and what to do when there are none. */
  connect(): Promise<Session> {
    this.session ??= (async () => {
      const stored = await readCredentials(this.credentialsFile)
      const url = this.env.TROVE_URL || stored?.url
      const token = this.env.TROVE_TOKEN || (stored && (!this.env.TROVE_URL || sameServer(this.env.TROVE_URL, stored.url)) ? stored.accessToken : undefined)
      if (!url || !token) {
        throw usageError('Not logged in.', 'Run `trove login URL` (or set TROVE_URL and TROVE_TOKEN).')
      }
      return { url, client: createClient({ baseUrl: url, token }), source: this.env.TROVE_TOKEN ? 'env' : 'file', credentials: stored }
    })()
    return this.session
  }

  async client(): Promise<TroveClient> {
    return (await this.connect()).client
  }

  /**
   * The space to act on: `--space`, else TROVE_SPACE, else the one saved at login, else the token's only space.
   * With several and no choice made, a usage error that lists them.
   */
  async spaceId(opts: CommonOptions): Promise<string> {
    const key = opts.space ?? ''
    let p = this.spaces.get(key)
    if (!p) {
      p = (async () => {
        const explicit = opts.space || this.env.TROVE_SPACE
        if (explicit) return explicit
        const s = await this.connect()
        if (s.source === 'file' && s.credentials?.spaceId) return s.credentials.spaceId
        const { items } = await s.client.unwrap(s.client.api.GET('/trove/v1/spaces'))
        if (items.length === 1) return items[0].id
        if (!items.length) throw new CliError('This token sees no space.', EXIT.failure, 'Ask an admin for access to a space.')
        const list = items.map((sp) => `${sp.id}${sp.name ? ` (${sp.name})` : ''}`).join(', ')
        throw usageError(`This token sees ${items.length} spaces: ${list}.`, 'Pick one with --space ID (or TROVE_SPACE).')
      })()
      this.spaces.set(key, p)
    }
    return p
  }
}

function sameServer(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '')
}

/** Adds the options every client command takes. */
export function common(cmd: Command, opts: { space?: boolean } = { space: true }): Command {
  cmd.option('--json', 'print JSON for scripts')
  if (opts.space !== false) cmd.addOption(new Option('--space <id>', 'space to use (default: your only space, or TROVE_SPACE)'))
  return cmd
}

/** `Examples:` after the help of a command. */
export function examples(cmd: Command, lines: string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`)
}

/** Usage errors of a client command (unknown option, missing argument, bad choice) exit 2; --help exits 0. */
export function usageExits(cmd: Command): Command {
  return cmd.exitOverride((err: CommanderError) => {
    process.exit(err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : EXIT.usage)
  })
}

/** What to do next, by the server's error code. */
const HINTS: Record<string, string> = {
  'auth.unauthenticated': 'Your token is missing, wrong or expired: run `trove login URL` again (or set TROVE_TOKEN).',
  'auth.forbidden': 'This token lacks the grant for that; ask an admin for a token with it.',
  'auth.too_many_attempts': 'Too many wrong passwords for this user name or from this address: wait as long as the message says, then try again.',
  'space.not_found': 'Check --space (or TROVE_SPACE); `trove whoami` shows what your token can see.',
  'path.not_found': 'List the folder with `trove ls`.',
  'node.not_found': 'List the folder with `trove ls`; it may be in the bin (`trove bin ls`).',
  'node.name_conflict': 'Choose another name, or pass --on-conflict rename (or overwrite, which moves the old file to the bin).',
  'node.in_trash': 'Restore it first (`trove bin ls`, `trove bin restore ID`).',
  'quota.exceeded': 'See `trove usage`; files in the bin count until purged (`trove bin empty`).',
  'trash.restore_conflict': 'Pass --on-conflict rename (keeps both) or overwrite.',
  'trash.parent_missing': 'Pass --missing-parent recreate or root.',
  'trash.entry_not_found': 'List the bin with `trove bin ls`.',
  'trash.entry_held': 'The entry is on hold; release it first.',
  'task.not_found': 'List tasks with `trove tasks`.',
  'album.not_found': 'List albums with `trove albums ls`.',
  'service.busy': 'The server is busy; try again in a moment.',
}

/** Writes a failure to stderr (as one JSON line with --json) and returns its exit code. */
export function reportError(e: unknown, json: boolean, url?: string): number {
  let code = 'cli.error'
  let message = e instanceof Error ? e.message : String(e)
  let hint: string | undefined
  let exitCode: number = EXIT.failure
  if (e instanceof CliError) {
    ;({ code, exitCode, hint } = e)
  } else if (isTroveApiError(e)) {
    code = e.code
    hint = HINTS[e.code]
  } else if (isUnreachable(e)) {
    code = 'cli.unreachable'
    message = `Cannot reach the server${url ? ` at ${url}` : ''} (${causeCode(e)}).`
    hint = 'Is it running? Check the URL given to `trove login` (or TROVE_URL).'
  } else if ((e as NodeJS.ErrnoException)?.code === 'ENOENT' && (e as NodeJS.ErrnoException).path) {
    code = 'local.not_found'
    message = `No such local file or directory: ${(e as NodeJS.ErrnoException).path}`
    exitCode = EXIT.usage
  }
  if (json) process.stderr.write(JSON.stringify({ error: { code, message, ...(hint ? { hint } : {}), exitCode } }) + '\n')
  else process.stderr.write(`trove: ${message}${hint ? `\n  ${hint}` : ''}\n`)
  return exitCode
}

function causeCode(e: unknown): string {
  const c = (e as { cause?: { code?: string; message?: string } }).cause
  return c?.code ?? c?.message ?? (e as Error).message
}

function isUnreachable(e: unknown): boolean {
  const c = (e as { cause?: { code?: string } })?.cause?.code
  return e instanceof TypeError && (e.message === 'fetch failed' || !!c) && ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', undefined].includes(c)
}

/**
 * Wraps a command action: runs it, turns any failure into a message and exit code, and ends the process once output
 * is flushed (an idle keep-alive socket must not hold the CLI open).
 */
export function run<A extends unknown[]>(ctx: ClientContext, fn: (...args: A) => Promise<number | void>) {
  return async (...args: A): Promise<void> => {
    const cmd = args[args.length - 1] as Command
    const json = !!cmd.opts?.().json
    let code: number
    try {
      code = (await fn(...args)) ?? EXIT.ok
    } catch (e) {
      const url = await ctx
        .connect()
        .then((s) => s.url)
        .catch(() => undefined)
      code = reportError(e, json, url)
    }
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()))
    process.exit(code)
  }
}

/** One line to stdout. */
export function out(line = ''): void {
  process.stdout.write(line + '\n')
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n')
}

/** 0 when nothing failed, 3 when some things failed and some succeeded, 1 when everything failed. */
export function partialExit(succeeded: number, failed: number): number {
  if (!failed) return EXIT.ok
  return succeeded ? EXIT.partial : EXIT.failure
}
