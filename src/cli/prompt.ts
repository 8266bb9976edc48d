import readline from 'node:readline'
import { CliError, EXIT, usageError } from './context.ts'

/** Asks on the terminal (stderr), answering from stdin. The caller checks that stdin is a TTY first. */
export async function ask(question: string, opts: { hidden?: boolean } = {}): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true })
  if (opts.hidden) {
    // Echo nothing while the password is typed; readline writes through _writeToOutput.
    const r = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WritableStream }
    r._writeToOutput = (s: string) => {
      if (s.startsWith(question)) r.output.write(question)
      else if (s.includes('\n') || s.includes('\r')) r.output.write('\n')
    }
  }
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve))
  } finally {
    rl.close()
  }
}

/** The first line of stdin (for `--password-stdin`), without its line ending. */
export async function readStdinLine(): Promise<string> {
  let data = ''
  for await (const chunk of process.stdin) {
    data += String(chunk)
    const nl = data.indexOf('\n')
    if (nl >= 0) return data.slice(0, nl).replace(/\r$/, '')
  }
  return data.replace(/\r?\n$/, '')
}

/**
 * Asks before something that cannot be undone. `--yes` skips the question; without a terminal to ask on, the
 * command refuses (exit 2) rather than guess.
 */
export async function confirm(question: string, yes: boolean | undefined): Promise<void> {
  if (yes) return
  if (!process.stdin.isTTY) throw usageError('Refusing to delete permanently without confirmation.', 'Add --yes to confirm (no terminal to ask on).')
  const answer = await ask(`${question} [y/N] `)
  if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('Cancelled; nothing was deleted.', EXIT.failure, undefined, 'cli.cancelled')
}
