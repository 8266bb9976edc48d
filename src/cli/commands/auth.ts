import type { Command } from 'commander'
import { createClient, signIn } from '../../client/index.ts'
import { deleteCredentials, readCredentials, writeCredentials } from '../credentials.ts'
import { ask, readStdinLine } from '../prompt.ts'
import { relativeTime } from '../format.ts'
import { common, examples, out, printJson, run, usageError, usageExits, type ClientContext, type CommonOptions } from '../context.ts'

interface LoginOptions extends CommonOptions {
  user?: string
  library?: string
  passwordStdin?: boolean
  ttl?: string
}

/** `trove login URL`, `trove logout`, `trove whoami`. */
export function registerAuthCommands(program: Command, ctx: ClientContext): void {
  const login = program
    .command('login')
    .description('Sign in to a Trove server with a user name and password; the token is saved for the other commands')
    .argument('<url>', 'server URL, e.g. http://127.0.0.1:8080')
    .option('-u, --user <name>', 'user name (asked for on a terminal)')
    .option('--library <id>', 'library id (needed only when the server holds several)')
    .option('--password-stdin', 'read the password from the first line of stdin (else TROVE_PASSWORD, else asked for)')
    .option('--ttl <seconds>', 'token validity in seconds, renewed on each use (default 30 days)')
  common(login)
  usageExits(login)
  examples(login, [
    'trove login http://127.0.0.1:8080                      # asks for user and password',
    'trove login https://drive.example.org -u alice --password-stdin < pw.txt',
    'TROVE_PASSWORD=… trove login http://127.0.0.1:8080 -u alice --json',
  ])
  login.action(
    run(ctx, async (url: string, opts: LoginOptions) => {
      if (!/^https?:\/\/[^/]/.test(url)) throw usageError(`Not a server URL: ${url}`, 'Give it with its scheme, e.g. http://127.0.0.1:8080')
      const baseUrl = url.replace(/\/+$/, '')
      const tty = !!process.stdin.isTTY
      const userId = opts.user ?? (tty ? (await ask('User: ')).trim() : undefined)
      if (!userId) throw usageError('No user name.', 'Pass --user NAME.')
      let password: string | undefined
      if (opts.passwordStdin) password = await readStdinLine()
      else if (ctx.env.TROVE_PASSWORD) password = ctx.env.TROVE_PASSWORD
      else if (tty) password = await ask('Password: ', { hidden: true })
      if (!password) throw usageError('No password.', 'Type it when asked, or use --password-stdin or TROVE_PASSWORD.')
      const ttl = opts.ttl === undefined ? 30 * 86_400 : Number(opts.ttl)
      if (!Number.isSafeInteger(ttl) || ttl < 300) throw usageError('--ttl must be a whole number of seconds, at least 300')
      const spaceIds = opts.space ? [opts.space] : undefined

      const token = await signIn(baseUrl, { userId, password, libraryId: opts.library, expiresIn: ttl, spaceIds })
      const client = createClient({ baseUrl, token: token.accessToken })
      const { items: spaces } = await client.unwrap(client.api.GET('/trove/v1/spaces'))
      const spaceId = opts.space ?? (spaces.length === 1 ? spaces[0].id : undefined)
      await writeCredentials(ctx.credentialsFile, { url: baseUrl, accessToken: token.accessToken, userId: token.userId, libraryId: token.libraryId, ...(spaceId ? { spaceId } : {}), savedAt: new Date().toISOString() })
      if (opts.json) {
        printJson({ url: baseUrl, userId: token.userId, libraryId: token.libraryId, spaceId: spaceId ?? null, grants: token.grants, expiresIn: token.expiresIn, credentialsFile: ctx.credentialsFile })
      } else {
        out(`Logged in to ${baseUrl} as ${token.userId} (library ${token.libraryId}).`)
        out(spaceId ? `Space: ${spaceId}.` : `You can use ${spaces.length} spaces: pass --space ID (${spaces.map((s) => s.id).join(', ')}).`)
        out(`Token saved to ${ctx.credentialsFile} (readable by you only).`)
      }
    }),
  )

  const logout = program.command('logout').description('Revoke the saved token on the server and delete it locally')
  common(logout, { space: false })
  usageExits(logout)
  examples(logout, ['trove logout'])
  logout.action(
    run(ctx, async (opts: CommonOptions) => {
      const stored = await readCredentials(ctx.credentialsFile)
      let revoked = false
      if (stored) {
        const client = createClient({ baseUrl: stored.url, token: stored.accessToken })
        // Best effort: an expired token or an unreachable server must not stop the local logout.
        revoked = await client
          .unwrap(client.api.DELETE('/trove/v1/tokens/current'))
          .then(() => true)
          .catch(() => false)
      }
      const removed = await deleteCredentials(ctx.credentialsFile)
      if (opts.json) printJson({ loggedOut: removed, revoked, credentialsFile: ctx.credentialsFile })
      else out(removed ? `Logged out of ${stored!.url}${revoked ? '' : ' (the server could not be told; the token expires on its own)'}.` : 'Not logged in.')
    }),
  )

  const whoami = program.command('whoami').description('Show the server, user, library, grants and spaces of the current token')
  common(whoami, { space: false })
  usageExits(whoami)
  examples(whoami, ['trove whoami', 'TROVE_URL=http://127.0.0.1:8080 TROVE_TOKEN=… trove whoami --json'])
  whoami.action(
    run(ctx, async (opts: CommonOptions) => {
      const s = await ctx.connect()
      const me = await s.client.unwrap(s.client.api.GET('/trove/v1/me'))
      const { items: spaces } = await s.client.unwrap(s.client.api.GET('/trove/v1/spaces'))
      const from = s.source === 'env' ? 'TROVE_TOKEN' : ctx.credentialsFile
      if (opts.json) return printJson({ url: s.url, ...me, spaces: spaces.map((sp) => ({ id: sp.id, name: sp.name })), tokenFrom: from })
      out(`${me.userId} in library ${me.libraryId} at ${s.url}`)
      out(`grants:  ${me.grants.length ? me.grants.join(', ') : '(none: read-only)'}`)
      out(`spaces:  ${spaces.map((sp) => sp.id + (sp.name ? ` (${sp.name})` : '')).join(', ') || '(none)'}${me.spaceIds ? ' (token limited to these)' : ''}`)
      if (me.expiresAt) out(`expires: ${relativeTime(me.expiresAt)} unless used (each use renews it)`)
      out(`token:   from ${from}`)
    }),
  )
}
