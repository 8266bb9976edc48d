import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { Transform } from 'node:stream'

/** SHA-256 (hex) of a local file, read as a stream: constant memory whatever the size. `end` is inclusive. */
export async function hashFile(localPath: string, opts: { end?: number; signal?: AbortSignal } = {}): Promise<string> {
  const hash = createHash('sha256')
  if (opts.end !== undefined && opts.end < 0) return hash.digest('hex')
  for await (const chunk of fs.createReadStream(localPath, { end: opts.end, signal: opts.signal })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** A pass-through that hashes and counts what flows through it, reporting progress as it goes. */
export function meter(onBytes?: (total: number) => void, hash = createHash('sha256'), start = 0) {
  let total = start
  let digest: string | undefined
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk)
      total += chunk.length
      onBytes?.(total)
      cb(null, chunk)
    },
  })
  return { stream, digest: () => (digest ??= hash.digest('hex')), bytes: () => total }
}
