import { useEffect, useState } from 'preact/hooks'
import { api, errorMessage, query } from '../api/http.ts'
import { sp } from '../api/nodes.ts'
import type { Album, AlbumItem } from '../api/types.ts'
import { useApp } from '../lib/app-context.ts'
import { plural } from '../lib/format.ts'
import { linkClick, navigate } from '../lib/router.ts'
import { AddFromFiles } from '../components/AddFromFiles.tsx'
import { ConfirmDialog } from '../components/ConfirmDialog.tsx'
import { ErrorText } from '../components/ErrorText.tsx'
import { PromptDialog } from '../components/PromptDialog.tsx'
import { Thumb } from '../components/Thumb.tsx'

/**
 * One album: its photos as thumbnails, "Add from files", and "Remove from album" (the file itself stays). Files in
 * the recycle bin are not listed by the server, and come back here when restored.
 */
export function AlbumPage(props: { albumId: string }) {
  const app = useApp()
  const spaceId = app.space.id
  const base = sp(spaceId, `/albums/${encodeURIComponent(props.albumId)}`)
  const [album, setAlbum] = useState<Album | null>(null)
  const [items, setItems] = useState<AlbumItem[]>([])
  const [cursor, setCursor] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [dialog, setDialog] = useState<'add' | 'rename' | 'delete' | null>(null)

  const load = async (more: boolean) => {
    try {
      const [a, page] = await Promise.all([api<Album>('GET', base), api<{ items: AlbumItem[]; nextCursor: string | null }>('GET', `${base}/items${query({ limit: 60, cursor: more ? cursor : null })}`)])
      setAlbum(a)
      setItems((prev) => (more ? [...prev, ...page.items] : page.items))
      setCursor(page.nextCursor)
      setError(null)
    } catch (e) {
      setError(errorMessage(e))
    }
  }
  useEffect(() => {
    void load(false)
  }, [base])

  const remove = async (item: AlbumItem) => {
    try {
      await api('POST', `${base}/items/remove`, { nodeIds: [item.id] })
      setItems((xs) => xs.filter((x) => x.id !== item.id))
      setAlbum((a) => a && { ...a, itemCount: Math.max(0, a.itemCount - 1) })
      app.toast({ message: `Removed “${item.name}” from the album (the file is still in your files).` })
    } catch (e) {
      setError(errorMessage(e))
    }
  }

  return (
    <section aria-labelledby="album-title">
      <nav aria-label="Breadcrumb" class="crumbs">
        <ol>
          <li>
            <a href="/albums" onClick={(e) => linkClick(e, '/albums')}>
              Albums
            </a>
          </li>
          <li>
            <span aria-current="page">{album?.name ?? '…'}</span>
          </li>
        </ol>
      </nav>
      <div class="page-head">
        <h1 id="album-title">
          {album?.name ?? 'Album'} <span class="muted small">{album ? plural(album.itemCount, 'photo') : ''}</span>
        </h1>
        <div class="toolbar">
          <button type="button" class="primary" onClick={() => setDialog('add')} disabled={!album}>
            Add from files
          </button>
          <button type="button" onClick={() => setDialog('rename')} disabled={!album}>
            Rename
          </button>
          <button type="button" class="danger-text" onClick={() => setDialog('delete')} disabled={!album}>
            Delete album
          </button>
        </div>
      </div>
      <ErrorText error={error} />
      <ul class="grid" aria-label="Photos">
        {items.map((it) => (
          <li key={it.id} class="card-tile" data-photo={it.name}>
            <Thumb spaceId={spaceId} nodeId={it.id} alt={it.name} />
            <span class="tile-title">{it.name}</span>
            <button type="button" class="small" onClick={() => remove(it)} aria-label={`Remove ${it.name} from the album`}>
              Remove from album
            </button>
          </li>
        ))}
      </ul>
      {album && !items.length && !error && <p class="empty">This album is empty. Use “Add from files” to add photos.</p>}
      {cursor && (
        <button type="button" onClick={() => load(true)}>
          Load more
        </button>
      )}
      {dialog === 'add' && album && (
        <AddFromFiles
          spaceId={spaceId}
          albumName={album.name}
          onClose={() => setDialog(null)}
          onAdd={async (nodeIds) => {
            const r = await api<{ added: string[]; alreadyPresent: string[]; rejected: { message: string }[] }>('POST', `${base}/items`, { nodeIds })
            const note = [`Added ${plural(r.added.length, 'photo')}.`]
            if (r.alreadyPresent.length) note.push(`${plural(r.alreadyPresent.length, 'was', 'were')} already in the album.`)
            if (r.rejected.length) note.push(`${r.rejected.length} could not be added: ${r.rejected[0].message}`)
            app.toast({ message: note.join(' '), tone: r.rejected.length ? 'error' : 'info' })
            await load(false)
          }}
        />
      )}
      {dialog === 'rename' && album && (
        <PromptDialog
          title="Rename album"
          label="Album name"
          initial={album.name}
          submitLabel="Rename"
          onClose={() => setDialog(null)}
          onSubmit={async (name) => setAlbum(await api<Album>('PATCH', base, { name }))}
        />
      )}
      {dialog === 'delete' && album && (
        <ConfirmDialog
          title="Delete this album?"
          confirmLabel="Delete album"
          danger
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await api('DELETE', base)
            navigate('/albums')
          }}
        >
          <p>The album “{album.name}” goes away; its {plural(album.itemCount, 'photo')} stay in your files.</p>
        </ConfirmDialog>
      )}
    </section>
  )
}
