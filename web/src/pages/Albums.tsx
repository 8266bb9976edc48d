import { useEffect, useState } from 'preact/hooks'
import { api, errorMessage, query } from '../api/http.ts'
import { sp } from '../api/nodes.ts'
import type { Album } from '../api/types.ts'
import { useApp } from '../lib/app-context.ts'
import { plural } from '../lib/format.ts'
import { linkClick, navigate } from '../lib/router.ts'
import { ErrorText } from '../components/ErrorText.tsx'
import { PromptDialog } from '../components/PromptDialog.tsx'
import { Thumb } from '../components/Thumb.tsx'

/** Albums of this space as a grid of covers, and "New album". */
export function AlbumsPage() {
  const app = useApp()
  const spaceId = app.space.id
  const [albums, setAlbums] = useState<Album[]>([])
  const [cursor, setCursor] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [loading, setLoading] = useState(true)
  const [creating, setCreating] = useState(false)

  const load = async (more: boolean) => {
    setLoading(true)
    try {
      const r = await api<{ items: Album[]; nextCursor: string | null }>('GET', sp(spaceId, `/albums${query({ limit: 60, cursor: more ? cursor : null })}`))
      setAlbums((prev) => (more ? [...prev, ...r.items] : r.items))
      setCursor(r.nextCursor)
      setError(null)
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setLoading(false)
    }
  }
  useEffect(() => {
    void load(false)
  }, [spaceId])

  return (
    <section aria-labelledby="albums-title">
      <div class="page-head">
        <h1 id="albums-title">Albums</h1>
        <div class="toolbar">
          <button type="button" class="primary" onClick={() => setCreating(true)}>
            New album
          </button>
        </div>
      </div>
      <ErrorText error={error} />
      <ul class="grid" aria-label="Albums">
        {albums.map((a) => (
          <li key={a.id} class="card-tile">
            <a href={`/albums/${a.id}`} onClick={(e) => linkClick(e, `/albums/${a.id}`)}>
              <Thumb spaceId={spaceId} nodeId={a.coverNodeId} alt="" />
              <span class="tile-title">{a.name}</span>
              <span class="muted small">{plural(a.itemCount, 'photo')}</span>
            </a>
          </li>
        ))}
      </ul>
      {!loading && !albums.length && !error && <p class="empty">No albums yet. Create one, then add photos from your files.</p>}
      {cursor && (
        <button type="button" onClick={() => load(true)}>
          Load more
        </button>
      )}
      {creating && (
        <PromptDialog
          title="New album"
          label="Album name"
          submitLabel="Create"
          onClose={() => setCreating(false)}
          onSubmit={async (name) => {
            const a = await api<Album>('POST', sp(spaceId, '/albums'), { name })
            navigate(`/albums/${a.id}`)
          }}
        />
      )}
    </section>
  )
}
