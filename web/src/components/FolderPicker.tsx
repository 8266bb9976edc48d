import { useEffect, useState } from 'preact/hooks'
import { errorMessage } from '../api/http.ts'
import { listChildren } from '../api/nodes.ts'
import type { DriveNode } from '../api/types.ts'
import { Dialog } from './Dialog.tsx'
import { ErrorText } from './ErrorText.tsx'
import { Icon } from './Icon.tsx'

/** Pick a destination folder by browsing from the top; used by Move. The node being moved cannot be entered. */
export function FolderPicker(props: { spaceId: string; title: string; actionLabel: string; exclude?: string; onPick: (folderId: string) => Promise<void>; onClose: () => void }) {
  const [trail, setTrail] = useState<{ id: string; name: string }[]>([{ id: 'root', name: 'My files' }])
  const [folders, setFolders] = useState<DriveNode[]>([])
  const [cursor, setCursor] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const here = trail[trail.length - 1]

  const load = async (more: boolean) => {
    try {
      const page = await listChildren(props.spaceId, here.id, { sort: 'name', limit: 200, cursor: more ? cursor : null })
      const fs = page.items.filter((n) => n.kind === 'folder' && n.id !== props.exclude)
      setFolders((prev) => (more ? [...prev, ...fs] : fs))
      setCursor(page.nextCursor)
      setError(null)
    } catch (e) {
      setError(errorMessage(e))
    }
  }
  useEffect(() => {
    void load(false)
  }, [here.id])

  const pick = async () => {
    setBusy(true)
    setError(null)
    try {
      await props.onPick(here.id)
      props.onClose()
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Dialog title={props.title} onClose={props.onClose}>
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
      <ul class="picker-list" aria-label={`Folders in ${here.name}`}>
        {folders.map((f) => (
          <li key={f.id}>
            <button type="button" class="link" onClick={() => setTrail([...trail, { id: f.id, name: f.name }])}>
              <Icon name="folder" /> {f.name}
            </button>
          </li>
        ))}
        {!folders.length && <li class="muted">No folders here.</li>}
      </ul>
      {cursor && (
        <button type="button" class="small" onClick={() => load(true)}>
          More folders
        </button>
      )}
      <ErrorText error={error} />
      <div class="dialog-actions">
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
        <button type="button" class="primary" onClick={pick} disabled={busy}>
          {busy ? 'Working…' : `${props.actionLabel} “${here.name}”`}
        </button>
      </div>
    </Dialog>
  )
}
