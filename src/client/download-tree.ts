import fsp from 'node:fs/promises'
import path from 'node:path'
import { isTroveApiError } from './errors.ts'
import { forEachConcurrent } from '../shared/pool.ts'
import { downloadFile, type DownloadResult } from './download.ts'
import type { Node } from './types.ts'
import type { TroveClient } from './index.ts'

export type TreeDownloadEvent =
  | { type: 'planned'; files: number; bytes: number }
  | { type: 'file-start'; relPath: string; sizeBytes: number }
  | { type: 'file-progress'; relPath: string; receivedBytes: number; sizeBytes: number }
  | { type: 'file-done'; relPath: string; sizeBytes: number; status: DownloadResult['status'] | 'failed'; bytes: number; error?: Error }

export interface DownloadTreeOptions {
  spaceId: string
  /** Remote files and folders; a folder `photos` becomes `<localDir>/photos/…`. */
  nodes: Node[]
  localDir: string
  concurrency?: number
  onEvent?: (e: TreeDownloadEvent) => void
  signal?: AbortSignal
}

export interface DownloadTreeResult {
  files: number
  downloaded: number
  resumed: number
  skipped: number
  failed: { path: string; code: string; message: string }[]
  bytesTransferred: number
}

/** Refuses remote names that would escape the target directory or cannot be a local file name. */
function safeSegment(name: string): string {
  if (!name || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) throw new Error(`Refusing to write a local file named ${JSON.stringify(name)}`)
  return name
}

/** Downloads folders recursively and files, `concurrency` at a time; each file resumes or is skipped as downloadFile does. */
export async function downloadTree(client: TroveClient, o: DownloadTreeOptions): Promise<DownloadTreeResult> {
  const emit = o.onEvent ?? (() => {})
  const files: { node: Node; relPath: string }[] = []
  const dirs: string[] = []
  const walk = async (folder: Node, rel: string) => {
    dirs.push(rel)
    for await (const child of client.paginate('/trove/v1/spaces/{spaceId}/folders/{nodeId}/children', { path: { spaceId: o.spaceId, nodeId: folder.id }, query: { limit: 1000 } }, { signal: o.signal })) {
      const r = `${rel}/${safeSegment(child.name)}`
      if (child.kind === 'folder') await walk(child, r)
      else files.push({ node: child, relPath: r })
    }
  }
  for (const n of o.nodes) {
    if (n.kind === 'folder') await walk(n, n.parentId === null ? '' : safeSegment(n.name))
    else files.push({ node: n, relPath: safeSegment(n.name) })
  }
  const result: DownloadTreeResult = { files: files.length, downloaded: 0, resumed: 0, skipped: 0, failed: [], bytesTransferred: 0 }
  emit({ type: 'planned', files: files.length, bytes: files.reduce((s, f) => s + f.node.sizeBytes, 0) })
  for (const d of dirs) await fsp.mkdir(path.join(o.localDir, ...d.split('/').filter(Boolean)), { recursive: true })

  await forEachConcurrent(
    files,
    o.concurrency ?? 4,
    async ({ node, relPath }) => {
      emit({ type: 'file-start', relPath, sizeBytes: node.sizeBytes })
      try {
        const r = await downloadFile(client, {
          spaceId: o.spaceId,
          nodeId: node.id,
          node,
          localPath: path.join(o.localDir, ...relPath.split('/')),
          signal: o.signal,
          onProgress: (receivedBytes) => emit({ type: 'file-progress', relPath, receivedBytes, sizeBytes: node.sizeBytes }),
        })
        result[r.status]++
        result.bytesTransferred += r.bytes
        emit({ type: 'file-done', relPath, sizeBytes: node.sizeBytes, status: r.status, bytes: r.bytes })
      } catch (e) {
        if (o.signal?.aborted) throw e
        const err = e instanceof Error ? e : new Error(String(e))
        result.failed.push({ path: relPath, code: isTroveApiError(e) ? e.code : 'download.failed', message: err.message })
        emit({ type: 'file-done', relPath, sizeBytes: node.sizeBytes, status: 'failed', bytes: 0, error: err })
      }
    },
    o.signal,
  )
  return result
}
