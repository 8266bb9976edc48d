import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

/** What `trove login` stores: one server and one token, readable by the user only (0600, in a 0700 directory). */
export interface Credentials {
  url: string
  accessToken: string
  userId: string
  libraryId: string
  /** The token's only space, when it has exactly one at login. */
  spaceId?: string
  savedAt: string
}

/** `$XDG_CONFIG_HOME/trove/credentials.json`, else `~/.config/trove/credentials.json`. */
export function credentialsPath(env: { XDG_CONFIG_HOME?: string; HOME?: string }): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(env.HOME || os.homedir(), '.config')
  return path.join(base, 'trove', 'credentials.json')
}

export async function readCredentials(file: string): Promise<Credentials | null> {
  let text: string
  try {
    text = await fs.readFile(file, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw e
  }
  const c = JSON.parse(text) as Partial<Credentials>
  if (typeof c.url !== 'string' || typeof c.accessToken !== 'string') throw new Error(`${file} is not a Trove credentials file (run \`trove login URL\` again)`)
  return c as Credentials
}

/**
 * Writes through a temp file created 0600 and renamed into place, so the token is never readable by others, not even
 * for an instant, and a crash never leaves half a file. The mode is set again explicitly in case of an odd umask.
 */
export async function writeCredentials(file: string, c: Credentials): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`
  await fs.writeFile(tmp, JSON.stringify(c, null, 2) + '\n', { mode: 0o600, flag: 'wx' })
  await fs.chmod(tmp, 0o600)
  await fs.rename(tmp, file)
}

export async function deleteCredentials(file: string): Promise<boolean> {
  try {
    await fs.unlink(file)
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw e
  }
}
