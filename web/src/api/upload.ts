import { API, csrfHeaders, parseError, type ApiError } from './http.ts'
import type { DriveNode } from './types.ts'

export type ConflictChoice = 'fail' | 'rename' | 'overwrite'

export interface UploadHandle {
  /** Resolves with the new file, or rejects with an ApiError (or 'aborted'). */
  done: Promise<DriveNode>
  abort(): void
}

/**
 * Uploads one file with XMLHttpRequest, because fetch cannot report upload progress. `xhr.send(file)` hands the
 * browser the File itself: it streams the bytes from disk, so a 1 GiB file is never read into page memory, and the
 * server streams it on to the blob store.
 */
export function uploadFile(spaceId: string, parentId: string, file: File, onConflict: ConflictChoice, onProgress: (sent: number, total: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest()
  const q = new URLSearchParams({ parentId, name: file.name, onConflict })
  const done = new Promise<DriveNode>((resolve, reject) => {
    xhr.open('PUT', `${API}/spaces/${encodeURIComponent(spaceId)}/files?${q}`)
    for (const [k, v] of Object.entries(csrfHeaders())) xhr.setRequestHeader(k, v)
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream')
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size)
    xhr.onload = () => {
      if (xhr.status === 201) resolve(JSON.parse(xhr.responseText) as DriveNode)
      else reject(parseError(xhr.status, xhr.responseText) satisfies ApiError)
    }
    xhr.onerror = () => reject(new TypeError('network error'))
    xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'))
    xhr.send(file)
  })
  return { done, abort: () => xhr.abort() }
}
