import { createHash } from 'node:crypto'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { apiError, IntegrityError } from './errors.ts'
import { hashFile, meter } from './hash.ts'
import type { Node } from './types.ts'
import type { TroveClient } from './index.ts'

export const PARTIAL_SUFFIX = '.trove-part'

export interface DownloadFileOptions {
  spaceId: string
  nodeId: string
  localPath: string
  /** The node, when the caller already has it (saves a request). */
  node?: Node
  onProgress?: (receivedBytes: number, totalBytes: number) => void
  signal?: AbortSignal
}

export interface DownloadResult {
  /** `skipped`: an identical file is already at localPath; `resumed`: a partial download was continued with Range. */
  status: 'downloaded' | 'resumed' | 'skipped'
  /** Bytes transferred by this call. */
  bytes: number
  node: Node
}

/**
 * Downloads a file to `localPath` through `<localPath>.trove-part`, renamed into place only once the SHA-256 matches
 * the server's: a file at localPath is always complete. An interrupted download leaves the .trove-part, and the next
 * call asks only for the missing bytes (`Range: bytes=N-`). If the remote content changed in between, the checksum
 * fails and the file is fetched again from the start, once.
 */
export async function downloadFile(client: TroveClient, o: DownloadFileOptions): Promise<DownloadResult> {
  const node =
    o.node ?? (await client.unwrap(client.api.GET('/trove/v1/spaces/{spaceId}/nodes/{nodeId}', { params: { path: { spaceId: o.spaceId, nodeId: o.nodeId } }, signal: o.signal })))
  if (node.kind !== 'file') throw new Error(`${node.name} is a folder; download it with downloadTree`)
  const done = await fsp.stat(o.localPath).catch(() => null)
  if (done?.isFile() && done.size === node.sizeBytes && (await hashFile(o.localPath, { signal: o.signal })) === node.sha256) {
    o.onProgress?.(node.sizeBytes, node.sizeBytes)
    return { status: 'skipped', bytes: 0, node }
  }
  await fsp.mkdir(path.dirname(o.localPath), { recursive: true })
  const part = o.localPath + PARTIAL_SUFFIX
  const partial = await fsp.stat(part).catch(() => null)
  const offset = partial && partial.size < node.sizeBytes ? partial.size : 0
  let got = await fetchInto(client, o, node, part, offset)
  let status: DownloadResult['status'] = got.resumedFrom > 0 ? 'resumed' : 'downloaded'
  if (got.sha256 !== node.sha256 && got.resumedFrom > 0) {
    // The partial bytes belonged to another version: start over.
    got = await fetchInto(client, o, node, part, 0)
    status = 'downloaded'
  }
  if (got.sha256 !== node.sha256) {
    await fsp.rm(part, { force: true })
    throw new IntegrityError(`Downloaded bytes of ${node.name} do not match its SHA-256 (${got.sha256} ≠ ${node.sha256})`)
  }
  await fsp.rename(part, o.localPath)
  const mtime = new Date(node.modifiedAt)
  await fsp.utimes(o.localPath, mtime, mtime).catch(() => {})
  return { status, bytes: got.bytes, node }
}

async function fetchInto(client: TroveClient, o: DownloadFileOptions, node: Node, part: string, offset: number): Promise<{ sha256: string; bytes: number; resumedFrom: number }> {
  const { data, error, response } = await client.api.GET('/trove/v1/spaces/{spaceId}/nodes/{nodeId}/content', {
    params: { path: { spaceId: o.spaceId, nodeId: node.id } },
    headers: offset > 0 ? { range: `bytes=${offset}-`, 'if-range': `"${node.sha256}"` } : {},
    parseAs: 'stream',
    signal: o.signal,
  })
  if (!response.ok) throw apiError(response, error)
  // 206: the server sent the rest; 200: it ignored the range (or the content changed), so start from zero.
  const from = response.status === 206 ? offset : 0
  const hash = createHash('sha256')
  if (from > 0) for await (const chunk of fs.createReadStream(part, { end: from - 1 })) hash.update(chunk as Buffer)
  const m = meter((n) => o.onProgress?.(n, node.sizeBytes), hash, from)
  o.onProgress?.(from, node.sizeBytes)
  const body = data ? Readable.fromWeb(data as unknown as WebReadableStream) : Readable.from([])
  await pipeline(body, m.stream, fs.createWriteStream(part, from > 0 ? { flags: 'r+', start: from } : { flags: 'w' }), { signal: o.signal })
  if (from > 0) await fsp.truncate(part, m.bytes())
  return { sha256: m.digest(), bytes: m.bytes() - from, resumedFrom: from }
}
