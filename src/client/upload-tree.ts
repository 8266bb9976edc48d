import fsp from 'node:fs/promises'
import path from 'node:path'
import { hashFile } from './hash.ts'
import { forEachConcurrent } from '../shared/pool.ts'
import { isTroveApiError } from './errors.ts'
import { uploadFile } from './upload.ts'
import { PathResolver } from './remote-paths.ts'
import type { ConflictPolicy, Node } from './types.ts'
import type { TroveClient } from './index.ts'

export type TreeUploadEvent =
  | { type: 'planned'; files: number; bytes: number; folders: number }
  | { type: 'file-start'; relPath: string; sizeBytes: number }
  | { type: 'file-progress'; relPath: string; sentBytes: number; sizeBytes: number }
  | { type: 'file-done'; relPath: string; sizeBytes: number; status: 'uploaded' | 'skipped' | 'failed'; reason?: string; node?: Node; error?: Error }
  | { type: 'folder-created'; relPath: string; node: Node }

export interface UploadTreeOptions {
  spaceId: string
  /** The remote folder the sources go into (id, default `root`). */
  parentId?: string
  /** Local files and directories. A directory `photos` becomes `<parent>/photos/…` (like `cp -r`). */
  sources: string[]
  /** Files uploaded at once (default 4). */
  concurrency?: number
  /**
   * When a remote file of the same name has different content (same content is always skipped: that is how an
   * interrupted upload resumes): `fail` (default; reported, the rest goes on), `skip`, `overwrite` (the old file goes
   * to the bin) or `rename` (`name (1).ext`).
   */
  onConflict?: ConflictPolicy | 'skip'
  onEvent?: (e: TreeUploadEvent) => void
  signal?: AbortSignal
  /** Reuse a resolver (and its cached listings) of the same space. */
  resolver?: PathResolver
}

export interface UploadTreeResult {
  files: number
  uploaded: number
  skipped: number
  failed: { path: string; code: string; message: string }[]
  foldersCreated: number
  bytesUploaded: number
  bytesSkipped: number
}

interface LocalFile {
  localPath: string
  relPath: string
  sizeBytes: number
}

/** Lists the sources: every regular file (symlinks to files followed, symlinked directories not) and every directory. */
export async function scanLocal(sources: string[]): Promise<{ files: LocalFile[]; dirs: string[]; ignored: string[] }> {
  const files: LocalFile[] = []
  const dirs: string[] = []
  const ignored: string[] = []
  const walk = async (dir: string, rel: string) => {
    dirs.push(rel)
    for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name)
      const r = `${rel}/${e.name}`
      if (e.isDirectory()) await walk(abs, r)
      else if (e.isFile()) files.push({ localPath: abs, relPath: r, sizeBytes: (await fsp.stat(abs)).size })
      else if (e.isSymbolicLink()) {
        const st = await fsp.stat(abs).catch(() => null)
        if (st?.isFile()) files.push({ localPath: abs, relPath: r, sizeBytes: st.size })
        else ignored.push(r)
      } else ignored.push(r)
    }
  }
  for (const src of sources) {
    const abs = path.resolve(src)
    const st = await fsp.stat(abs)
    if (st.isDirectory()) await walk(abs, path.basename(abs))
    else if (st.isFile()) files.push({ localPath: abs, relPath: path.basename(abs), sizeBytes: st.size })
    else ignored.push(src)
  }
  files.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0))
  dirs.sort()
  return { files, dirs, ignored }
}

/**
 * Uploads local trees into a remote folder, `concurrency` files at a time. Resumable by construction: before sending
 * a file it looks at the remote folder, and a file of the same name, size and SHA-256 is skipped. Uploads are atomic on
 * the server (a cut connection stores nothing), so re-running after an interruption sends exactly what is missing.
 */
export async function uploadTree(client: TroveClient, o: UploadTreeOptions): Promise<UploadTreeResult> {
  const resolver = o.resolver ?? new PathResolver(client, o.spaceId)
  const emit = o.onEvent ?? (() => {})
  const { files, dirs } = await scanLocal(o.sources)
  const result: UploadTreeResult = { files: files.length, uploaded: 0, skipped: 0, failed: [], foldersCreated: 0, bytesUploaded: 0, bytesSkipped: 0 }
  emit({ type: 'planned', files: files.length, bytes: files.reduce((s, f) => s + f.sizeBytes, 0), folders: dirs.length })

  const rootId = o.parentId ?? (await resolver.root()).id
  const folders = new Map<string, Promise<string>>([['', Promise.resolve(rootId)]])
  const ensureFolder = (rel: string): Promise<string> => {
    let p = folders.get(rel)
    if (!p) {
      p = (async () => {
        const parentId = await ensureFolder(rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '')
        const name = rel.slice(rel.lastIndexOf('/') + 1)
        const existing = (await resolver.children(parentId)).get(name)
        if (existing) {
          if (existing.kind !== 'folder') throw Object.assign(new Error(`\`${rel}\` exists remotely as a file, not a folder`), { code: 'node.name_conflict' })
          return existing.id
        }
        const node = await client.unwrap(client.api.POST('/trove/v1/spaces/{spaceId}/folders', { params: { path: { spaceId: o.spaceId } }, body: { parentId, name } }))
        resolver.remember(node)
        result.foldersCreated++
        emit({ type: 'folder-created', relPath: rel, node })
        return node.id
      })()
      folders.set(rel, p)
    }
    return p
  }

  const fail = (relPath: string, sizeBytes: number, e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e))
    const code = isTroveApiError(e) ? e.code : ((e as { code?: string }).code ?? 'upload.failed')
    result.failed.push({ path: relPath, code, message: err.message })
    emit({ type: 'file-done', relPath, sizeBytes, status: 'failed', error: err })
  }

  for (const d of dirs) {
    if (o.signal?.aborted) break
    await ensureFolder(d).catch((e) => fail(d + '/', 0, e))
  }

  await forEachConcurrent(
    files,
    o.concurrency ?? 4,
    async (f) => {
      const dir = f.relPath.includes('/') ? f.relPath.slice(0, f.relPath.lastIndexOf('/')) : ''
      const name = f.relPath.slice(f.relPath.lastIndexOf('/') + 1)
      try {
        const parentId = await ensureFolder(dir)
        const existing = (await resolver.children(parentId)).get(name)
        let onConflict: ConflictPolicy = 'fail'
        if (existing) {
          if (existing.kind === 'file' && existing.sizeBytes === f.sizeBytes && existing.sha256 === (await hashFile(f.localPath, { signal: o.signal }))) {
            result.skipped++
            result.bytesSkipped += f.sizeBytes
            emit({ type: 'file-done', relPath: f.relPath, sizeBytes: f.sizeBytes, status: 'skipped', reason: 'already there: same size and SHA-256', node: existing })
            return
          }
          const policy = o.onConflict ?? 'fail'
          if (policy === 'skip') {
            result.skipped++
            emit({ type: 'file-done', relPath: f.relPath, sizeBytes: f.sizeBytes, status: 'skipped', reason: 'a different file of that name exists; --on-conflict skip', node: existing })
            return
          }
          if (policy === 'fail') {
            const what = existing.kind === 'folder' ? 'a folder' : 'a different file'
            throw Object.assign(new Error(`${what} of that name already exists remotely; --on-conflict overwrite (old file to the bin), rename or skip`), { code: 'node.name_conflict' })
          }
          onConflict = policy
        }
        emit({ type: 'file-start', relPath: f.relPath, sizeBytes: f.sizeBytes })
        const node = await uploadFile(client, {
          spaceId: o.spaceId,
          parentId,
          localPath: f.localPath,
          name,
          onConflict,
          signal: o.signal,
          onProgress: (sentBytes) => emit({ type: 'file-progress', relPath: f.relPath, sentBytes, sizeBytes: f.sizeBytes }),
        })
        resolver.remember(node)
        result.uploaded++
        result.bytesUploaded += f.sizeBytes
        emit({ type: 'file-done', relPath: f.relPath, sizeBytes: f.sizeBytes, status: 'uploaded', node })
      } catch (e) {
        if (o.signal?.aborted) throw e
        fail(f.relPath, f.sizeBytes, e)
      }
    },
    o.signal,
  )
  return result
}
