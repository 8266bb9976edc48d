import { useEffect, useState } from 'preact/hooks'
import { errorMessage } from '../api/http.ts'
import { isImage, listChildren } from '../api/nodes.ts'
import type { DriveNode } from '../api/types.ts'
import { plural } from '../lib/format.ts'
import { Dialog } from './Dialog.tsx'
import { ErrorText } from './ErrorText.tsx'
import { Thumb } from './Thumb.tsx'
import { Icon } from './Icon.tsx'

/** Browse folders and tick images to add to an album. The files stay where they are. */
export function AddFromFiles(props: { spaceId: string; albumName: string; onAdd: (nodeIds: string[]) => Promise<void>; onClose: () => void }) {
  const [trail, setTrail] = useState<{ id: string; name: string }[]>([{ id: 'root', name: 'My files' }])
  const [nodes, setNodes] = useState<DriveNode[]>([])
  const [cursor, setCursor] = useState<string | null>(null)
  const [picked, setPicked] = useState<Set<string>>(new Set())
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const here = trail[trail.length - 1]

  const load = async (more: boolean) => {
    try {
      const page = await listChildren(props.spaceId, here.id, { sort: 'name', limit: 200, cursor: more ? cursor : null })
      const useful = page.items.filter((n) => n.kind === 'folder' || isImage(n))
      setNodes((prev) => (more ? [...prev, ...useful] : useful))
      setCursor(page.nextCursor)
      setError(null)
    } catch (e) {
      setError(errorMessage(e))
    }
  }
  useEffect(() => {
    void load(false)
  }, [here.id])

  const add = async () => {
    setBusy(true)
    setError(null)
    try {
      await props.onAdd([...picked])
      props.onClose()
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Dialog title={`Add photos to “${props.albumName}”`} onClose={props.onClose} wide>
      <nav aria-label="Folder path" class="crumbs">
        <ol>
          {trail.map((t, i) => (
            <li key={t.id}>
              {i === trail.length - 1 ? (
                <span aria-current="location">{t.name}</span>
              ) : (
                <button type="button" class="link" onClick={() => setTrail(trail.slice(0, i + 1))}>
                  {t.name}
                </button>
              )}
            </li>
          ))}
        </ol>
      </nav>
      <ul class="grid small-grid" aria-label={`Images and folders in ${here.name}`}>
        {nodes.map((n) =>
          n.kind === 'folder' ? (
            <li key={n.id} class="card-tile">
              <button type="button" class="tile-button" onClick={() => setTrail([...trail, { id: n.id, name: n.name }])}>
                <span class="thumb placeholder" aria-hidden="true">
                  <Icon name="folder" size={40} />
                </span>
                <span class="tile-title">{n.name}</span>
              </button>
            </li>
          ) : (
            <li key={n.id} class={picked.has(n.id) ? 'card-tile picked' : 'card-tile'}>
              <label class="tile-pick">
                <Thumb spaceId={props.spaceId} nodeId={n.id} alt="" />
                <span class="tile-title">
                  <input
                    type="checkbox"
                    checked={picked.has(n.id)}
                    onChange={(e) => {
                      const s = new Set(picked)
                      ;(e.target as HTMLInputElement).checked ? s.add(n.id) : s.delete(n.id)
                      setPicked(s)
                    }}
                  />{' '}
                  {n.name}
                </span>
              </label>
            </li>
          ),
        )}
      </ul>
      {!nodes.length && <p class="muted">No images or folders here.</p>}
      {cursor && (
        <button type="button" class="small" onClick={() => load(true)}>
          More
        </button>
      )}
      <ErrorText error={error} />
      <div class="dialog-actions">
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
        <button type="button" class="primary" onClick={add} disabled={busy || !picked.size}>
          {busy ? 'Adding…' : `Add ${plural(picked.size, 'photo')}`}
        </button>
      </div>
    </Dialog>
  )
}
