import { useState } from 'preact/hooks'
import { errorMessage } from '../api/http.ts'
import { isImage } from '../api/nodes.ts'
import { useFolderBrowser } from '../lib/folder-browser.ts'
import { PickerTrail } from './PickerTrail.tsx'
import { plural } from '../lib/format.ts'
import { Dialog } from './Dialog.tsx'
import { ErrorText } from './ErrorText.tsx'
import { Thumb } from './Thumb.tsx'
import { Icon } from './Icon.tsx'

/** Browse folders and tick images to add to an album. The files stay where they are. */
export function AddFromFiles(props: { spaceId: string; albumName: string; onAdd: (nodeIds: string[]) => Promise<void>; onClose: () => void }) {
  const browser = useFolderBrowser(props.spaceId, (n) => n.kind === 'folder' || isImage(n))
  const { here, setError } = browser
  const [picked, setPicked] = useState<Set<string>>(new Set())
  const [busy, setBusy] = useState(false)

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
      <PickerTrail trail={browser.trail} onBack={browser.backTo} />
      <ul class="grid small-grid" aria-label={`Images and folders in ${here.name}`}>
        {browser.items.map((n) =>
          n.kind === 'folder' ? (
            <li key={n.id} class="card-tile">
              <button type="button" class="tile-button" onClick={() => browser.enter(n)}>
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
      {!browser.items.length && <p class="muted">No images or folders here.</p>}
      {browser.hasMore && (
        <button type="button" class="small" onClick={browser.loadMore}>
          More
        </button>
      )}
      <ErrorText error={browser.error} />
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
