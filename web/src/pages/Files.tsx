import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { api, errorMessage } from '../api/http.ts'
import { ancestry, listChildren, sp } from '../api/nodes.ts'
import type { DriveNode, Entry } from '../api/types.ts'
import { useApp } from '../lib/app-context.ts'
import { uploads } from '../lib/uploads.ts'
import { Breadcrumbs } from '../components/Breadcrumbs.tsx'
import { ErrorText } from '../components/ErrorText.tsx'
import { FileRow, type RowAction } from '../components/FileRow.tsx'
import { FolderPicker } from '../components/FolderPicker.tsx'
import { PromptDialog } from '../components/PromptDialog.tsx'
import { ConfirmDialog } from '../components/ConfirmDialog.tsx'
import { SortHeader, type Order } from '../components/SortHeader.tsx'

const PAGE = 100
type Dialogs = { kind: 'new-folder' } | { kind: 'rename' | 'move' | 'delete-permanent'; node: DriveNode } | null

/**
 * A folder: breadcrumbs, the listing sorted by name, size or modified time with keyset "Load more" (each page costs
 * the same however big the folder), new folder, upload by picker or drop, and per-item actions. Deleting moves the
 * item to the recycle bin with an Undo toast.
 */
export function FilesPage(props: { folderId: string }) {
  const app = useApp()
  const spaceId = app.space.id
  const [chain, setChain] = useState<DriveNode[]>([])
  const [items, setItems] = useState<DriveNode[]>([])
  const [cursor, setCursor] = useState<string | null>(null)
  const [sort, setSort] = useState(() => localStorage.getItem('trove.files.sort') ?? 'name')
  const [order, setOrder] = useState<Order>(() => (localStorage.getItem('trove.files.order') as Order) ?? 'asc')
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState<string | null>(null)
  const [dialog, setDialog] = useState<Dialogs>(null)
  const [dragging, setDragging] = useState(false)
  const fileInput = useRef<HTMLInputElement>(null)
  const folder = chain[chain.length - 1]
  const folderId = folder?.id ?? props.folderId

  const load = useCallback(
    async (more: boolean) => {
      setLoading(true)
      try {
        const page = await listChildren(spaceId, props.folderId, { sort, order, limit: PAGE, cursor: more ? cursor : null })
        setItems((prev) => (more ? [...prev, ...page.items] : page.items))
        setCursor(page.nextCursor)
        setError(null)
      } catch (e) {
        setError(errorMessage(e))
      } finally {
        setLoading(false)
      }
    },
    [spaceId, props.folderId, sort, order, cursor],
  )

  useEffect(() => {
    ancestry(spaceId, props.folderId).then(setChain, (e) => setError(errorMessage(e)))
  }, [spaceId, props.folderId])
  useEffect(() => {
    void load(false)
  }, [spaceId, props.folderId, sort, order])
  // An upload into this folder finished: show it.
  useEffect(() => {
    let timer: number | undefined
    const off = uploads.onCompleted((parentId) => {
      if (parentId !== folderId && !(props.folderId === 'root' && parentId === 'root')) return
      window.clearTimeout(timer)
      timer = window.setTimeout(() => {
        void load(false)
        void app.refreshSpace()
      }, 250)
    })
    return () => {
      off()
      window.clearTimeout(timer)
    }
  }, [folderId, load])

  const onSort = (key: string, o: Order) => {
    setSort(key)
    setOrder(o)
    localStorage.setItem('trove.files.sort', key)
    localStorage.setItem('trove.files.order', o)
  }

  const addFiles = (files: File[]) => {
    if (files.length) uploads.add(files, spaceId, folderId)
  }

  const onDrop = (e: DragEvent) => {
    e.preventDefault()
    setDragging(false)
    const dt = e.dataTransfer
    if (!dt) return
    const files: File[] = []
    let skipped = 0
    const entries = Array.from(dt.items ?? [])
    if (entries.length) {
      for (const it of entries) {
        if (it.kind !== 'file') continue
        const entry = (it as DataTransferItem & { webkitGetAsEntry?: () => { isDirectory: boolean } | null }).webkitGetAsEntry?.()
        const f = it.getAsFile()
        if (entry?.isDirectory || !f) skipped++
        else files.push(f)
      }
    } else files.push(...Array.from(dt.files))
    if (skipped) app.toast({ message: `${skipped} folder${skipped === 1 ? ' was' : 's were'} skipped: drop files, or create the folder first.`, tone: 'error' })
    addFiles(files)
  }

  const trash = async (node: DriveNode) => {
    try {
      const r = await api<{ entry: Entry; purgeTaskId: string | null }>('DELETE', sp(spaceId, `/nodes/${node.id}`))
      setItems((xs) => xs.filter((x) => x.id !== node.id))
      void app.refreshSpace()
      if (r.purgeTaskId) {
        app.toast({ message: `“${node.name}” is being deleted permanently (this space has no recycle bin).` })
        app.pokeTasks()
        return
      }
      app.toast({
        message: `“${node.name}” moved to the recycle bin.`,
        timeoutMs: 12_000,
        action: {
          label: 'Undo',
          run: async () => {
            try {
              const out = await api<{ name: string }>('POST', sp(spaceId, `/trash/${r.entry.id}/restore`), { onConflict: 'rename', onMissingParent: 'recreate' })
              app.toast({ message: `Restored “${out.name}”.` })
              void load(false)
              void app.refreshSpace()
            } catch (e) {
              app.toast({ message: `Undo failed: ${errorMessage(e)}`, tone: 'error' })
            }
          },
        },
      })
    } catch (e) {
      app.toast({ message: `Could not delete “${node.name}”: ${errorMessage(e)}`, tone: 'error' })
    }
  }

  const onAction = (action: RowAction, node: DriveNode) => {
    if (action === 'delete') {
      if (app.space.recycleBinEnabled) void trash(node)
      else setDialog({ kind: 'delete-permanent', node })
    } else setDialog({ kind: action, node })
  }

  return (
    <section
      class={dragging ? 'files dropping' : 'files'}
      aria-labelledby="files-title"
      onDragOver={(e) => {
        if (e.dataTransfer?.types.includes('Files')) {
          e.preventDefault()
          setDragging(true)
        }
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false)
      }}
      onDrop={onDrop}
    >
      <div class="page-head">
        <h1 id="files-title" class="visually-hidden">
          Files
        </h1>
        <Breadcrumbs chain={chain} />
        <div class="toolbar">
          <button type="button" onClick={() => setDialog({ kind: 'new-folder' })}>
            New folder
          </button>
          <button type="button" class="primary" onClick={() => fileInput.current?.click()}>
            Upload files
          </button>
          <input
            ref={fileInput}
            type="file"
            multiple
            class="visually-hidden"
            aria-label="Choose files to upload"
            tabIndex={-1}
            onChange={(e) => {
              const input = e.target as HTMLInputElement
              addFiles(Array.from(input.files ?? []))
              input.value = ''
            }}
          />
        </div>
      </div>
      <p class="muted small drop-hint">Tip: drop files anywhere on this page to upload them here.</p>
      <ErrorText error={error} />
      <table class="table files-table">
        <thead>
          <tr>
            <SortHeader label="Name" sortKey="name" sort={sort} order={order} onSort={onSort} />
            <SortHeader label="Size" sortKey="size" sort={sort} order={order} onSort={onSort} />
            <SortHeader label="Modified" sortKey="modified" sort={sort} order={order} onSort={onSort} />
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((n) => (
            <FileRow key={n.id} node={n} spaceId={spaceId} onAction={onAction} />
          ))}
        </tbody>
      </table>
      {!loading && !items.length && !error && <p class="empty">This folder is empty. Upload files or create a folder.</p>}
      <div class="list-foot">
        {cursor && (
          <button type="button" onClick={() => load(true)} disabled={loading}>
            {loading ? 'Loading…' : 'Load more'}
          </button>
        )}
        <span class="muted small" aria-live="polite">
          {loading ? 'Loading…' : `${items.length.toLocaleString()} shown${cursor ? ', more below' : ''}`}
        </span>
      </div>
      {dragging && (
        <div class="drop-overlay" aria-hidden="true">
          Drop files to upload to “{folder?.parentId === null ? 'My files' : folder?.name}”
        </div>
      )}
      {dialog?.kind === 'new-folder' && (
        <PromptDialog
          title="New folder"
          label="Folder name"
          submitLabel="Create"
          onClose={() => setDialog(null)}
          onSubmit={async (name) => {
            await api('POST', sp(spaceId, '/folders'), { parentId: folderId, name })
            await load(false)
          }}
        />
      )}
      {dialog?.kind === 'rename' && (
        <PromptDialog
          title={`Rename “${dialog.node.name}”`}
          label="New name"
          initial={dialog.node.name}
          submitLabel="Rename"
          onClose={() => setDialog(null)}
          onSubmit={async (name) => {
            await api('PATCH', sp(spaceId, `/nodes/${dialog.node.id}`), { name })
            await load(false)
          }}
        />
      )}
      {dialog?.kind === 'move' && (
        <FolderPicker
          spaceId={spaceId}
          title={`Move “${dialog.node.name}”`}
          actionLabel="Move to"
          exclude={dialog.node.id}
          onClose={() => setDialog(null)}
          onPick={async (parentId) => {
            await api('PATCH', sp(spaceId, `/nodes/${dialog.node.id}`), { parentId })
            app.toast({ message: `Moved “${dialog.node.name}”.` })
            await load(false)
          }}
        />
      )}
      {dialog?.kind === 'delete-permanent' && (
        <ConfirmDialog title="Delete permanently?" confirmLabel="Delete permanently" danger onClose={() => setDialog(null)} onConfirm={() => trash(dialog.node)}>
          <p>This space has no recycle bin: “{dialog.node.name}” will be deleted for good.</p>
        </ConfirmDialog>
      )}
    </section>
  )
}
