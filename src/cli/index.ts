/**
 * The client commands of `bin/trove` (login, ls, upload, bin, …): they talk to a running server over HTTP through the
 * typed client (src/client), unlike the admin commands beside them, which open the data directory. One file per
 * command group in ./commands; the environment is passed in, never read here.
 */
import type { Command } from 'commander'
import { ClientContext, type ClientEnv } from './context.ts'
import { registerAuthCommands } from './commands/auth.ts'
import { registerBrowseCommands } from './commands/browse.ts'
import { registerOrganizeCommands } from './commands/organize.ts'
import { registerUploadCommand } from './commands/upload.ts'
import { registerDownloadCommand } from './commands/download.ts'
import { registerBinCommands } from './commands/bin.ts'
import { registerTasksCommand } from './commands/tasks.ts'
import { registerAlbumsCommands } from './commands/albums.ts'
import { registerUsageCommand } from './commands/usage.ts'
import { registerCompletionCommand } from './commands/completion.ts'

export function registerClientCommands(program: Command, env: ClientEnv): void {
  const ctx = new ClientContext(env)
  registerAuthCommands(program, ctx)
  registerBrowseCommands(program, ctx)
  registerOrganizeCommands(program, ctx)
  registerUploadCommand(program, ctx)
  registerDownloadCommand(program, ctx)
  registerBinCommands(program, ctx)
  registerTasksCommand(program, ctx)
  registerAlbumsCommands(program, ctx)
  registerUsageCommand(program, ctx)
  registerCompletionCommand(program, ctx)
}
