import { Command } from 'commander'
import { registerClientCommands } from '../cli/index.ts'

/**
 * Fast path of `bin/trove` for the client commands (login, ls, upload, bin, …). They talk to a server over HTTP and
 * need none of the server code that src/app/cli.ts loads (Fastify, the database, every dialect): loading only them
 * starts in a fraction of a second instead of several. Returns false, having done nothing, for any other command
 * (admin commands, `serve`, `--help`, `completion`, which describes the whole program), which then go through cli.ts
 * where the same client commands are registered too.
 */
export async function runClientCommand(argv: string[]): Promise<boolean> {
  const program = new Command('trove').description('Trove: a self-hosted drive with a first-class recycle bin').showHelpAfterError()
  registerClientCommands(program, process.env)
  const name = argv[2]
  if (!name || name === 'completion' || !program.commands.some((c) => c.name() === name)) return false
  await program.parseAsync(argv)
  return true
}
