import { useEffect, useState } from 'preact/hooks'
import { errorMessage, ApiError } from '../api/http.ts'
import { uploadFile, type ConflictChoice, type UploadHandle } from '../api/upload.ts'

/**
 * The upload queue, shared by every page so uploads go on while the user browses. At most three files travel at
 * once; each has its own progress and cancel. A name that is taken stops that file with a choice (keep both / replace).
 */
export type UploadStatus = 'queued' | 'uploading' | 'done' | 'failed' | 'cancelled' | 'conflict'

export interface UploadItem {
  id: number
  name: string
  size: number
  sent: number
  status: UploadStatus
  error?: string
  spaceId: string
  parentId: string
  file: File
  onConflict: ConflictChoice
  handle?: UploadHandle
}

const PARALLEL = 3
let nextId = 1
let items: UploadItem[] = []
const listeners = new Set<() => void>()
const completions = new Set<(parentId: string) => void>()

function emit(): void {
  items = [...items]
  for (const l of listeners) l()
}

function update(id: number, patch: Partial<UploadItem>): void {
  const i = items.findIndex((x) => x.id === id)
  if (i >= 0) items[i] = { ...items[i], ...patch }
  emit()
}

function pump(): void {
  let running = items.filter((x) => x.status === 'uploading').length
  for (const item of items) {
    if (running >= PARALLEL) break
    if (item.status !== 'queued') continue
    running++
    start(item)
  }
}

function start(item: UploadItem): void {
  const handle = uploadFile(item.spaceId, item.parentId, item.file, item.onConflict, (sent) => update(item.id, { sent }))
  update(item.id, { status: 'uploading', handle, error: undefined, sent: 0 })
  handle.done.then(
    () => {
      update(item.id, { status: 'done', sent: item.size, handle: undefined })
      for (const c of completions) c(item.parentId)
      pump()
    },
    (e: unknown) => {
      if (e instanceof DOMException && e.name === 'AbortError') update(item.id, { status: 'cancelled', handle: undefined })
      else if (e instanceof ApiError && e.code === 'node.name_conflict') update(item.id, { status: 'conflict', error: `“${item.name}” already exists in this folder.`, handle: undefined })
      else update(item.id, { status: 'failed', error: errorMessage(e), handle: undefined })
      pump()
    },
  )
}

export const uploads = {
  add(files: Iterable<File>, spaceId: string, parentId: string): void {
    for (const file of files) {
      items.push({ id: nextId++, name: file.name, size: file.size, sent: 0, status: 'queued', spaceId, parentId, file, onConflict: 'fail' })
    }
    emit()
    pump()
  },
  cancel(id: number): void {
    const item = items.find((x) => x.id === id)
    if (!item) return
    if (item.handle) item.handle.abort()
    else if (item.status === 'queued' || item.status === 'conflict') update(id, { status: 'cancelled' })
  },
  /** After a name conflict: upload again, keeping both (`rename`) or replacing the existing file (`overwrite`). */
  retry(id: number, onConflict: ConflictChoice): void {
    update(id, { status: 'queued', onConflict, error: undefined })
    pump()
  },
  clearFinished(): void {
    items = items.filter((x) => x.status === 'queued' || x.status === 'uploading' || x.status === 'conflict')
    emit()
  },
  onCompleted(fn: (parentId: string) => void): () => void {
    completions.add(fn)
    return () => completions.delete(fn)
  },
}

export function useUploads(): UploadItem[] {
  const [, setTick] = useState(0)
  useEffect(() => {
    const l = () => setTick((t) => t + 1)
    listeners.add(l)
    return () => listeners.delete(l)
  }, [])
  return items
}
