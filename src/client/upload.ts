import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { IntegrityError } from './errors.ts'
import { meter } from './hash.ts'
import type { ConflictPolicy, Node } from './types.ts'
import type { TroveClient } from './index.ts'

export interface UploadFileOptions {
  spaceId: string
  /** Folder id, default `root`. */
  parentId?: string
  localPath: string
  /** Remote name, default the local file's name. */
  name?: string
  /** What to do when the name is taken (server default `fail`; `overwrite` moves the old file to the bin). */
  onConflict?: ConflictPolicy
  contentType?: string
  /** Known SHA-256 of the content: the server then refuses bytes that do not match before storing them. */
  sha256?: string
  onProgress?: (sentBytes: number, totalBytes: number) => void
  signal?: AbortSignal
}

/**
 * Streams a local file to `PUT /spaces/{id}/files` with its Content-Length (so the quota is checked before any byte
 * is stored), hashing it on the way; the SHA-256 the server computed must equal ours, or IntegrityError.
 */
export async function uploadFile(client: TroveClient, o: UploadFileOptions): Promise<Node> {
  const stat = await fsp.stat(o.localPath)
  if (!stat.isFile()) throw new Error(`${o.localPath} is not a regular file`)
  const size = stat.size
  const m = meter((sent) => o.onProgress?.(sent, size))
  const source = fs.createReadStream(o.localPath, { signal: o.signal })
  // pipeline (not pipe) so a read error reaches the request body and the request fails instead of hanging.
  const piped = pipeline(source, m.stream).catch((e: unknown) => m.stream.destroy(e as Error))
  o.onProgress?.(0, size)
  const request = client.unwrap(
    client.api.PUT('/trove/v1/spaces/{spaceId}/files', {
      params: { path: { spaceId: o.spaceId }, query: { parentId: o.parentId ?? 'root', name: o.name ?? path.basename(o.localPath), onConflict: o.onConflict, sha256: o.sha256 } },
      body: Readable.toWeb(m.stream) as never,
      bodySerializer: (b: unknown) => b,
      headers: { 'content-type': o.contentType ?? 'application/octet-stream', 'content-length': String(size) },
      duplex: 'half',
      signal: o.signal,
    }),
  )
  // A refusal can arrive before the body is read (quota, name taken): close the file rather than leave it open.
  const node = await request.catch((e: unknown) => {
    source.destroy()
    throw e
  })
  await piped
  if (m.bytes() !== size) throw new IntegrityError(`${o.localPath} changed while it was uploaded (${m.bytes()} bytes read, ${size} expected)`)
  if (node.sha256 !== m.digest()) throw new IntegrityError(`The server stored different bytes for ${o.localPath} (sha256 ${node.sha256} ≠ ${m.digest()})`)
  return node
}
