import { promises as fsp } from 'node:fs'

/** Filesystem helpers for the disk-backed blob code: a missing file is an answer, not an error. */
export function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code
}

/** Returns whether a file was actually removed. */
export async function unlinkIfExists(file: string): Promise<boolean> {
  try {
    await fsp.unlink(file)
    return true
  } catch (err) {
    if (errCode(err) === 'ENOENT') return false
    throw err
  }
}

export async function readdirIfExists(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir)
  } catch (err) {
    if (errCode(err) === 'ENOENT') return []
    throw err
  }
}

export async function statIfExists(file: string) {
  try {
    return await fsp.stat(file)
  } catch (err) {
    if (errCode(err) === 'ENOENT') return null
    throw err
  }
}
