import { useState } from 'preact/hooks'
import { errorMessage } from '../api/http.ts'
import { useFolderBrowser } from '../lib/folder-browser.ts'
import { PickerTrail } from './PickerTrail.tsx'
import { Dialog } from './Dialog.tsx'
import { ErrorText } from './ErrorText.tsx'
import { Icon } from './Icon.tsx'

/** Pick a destination folder by browsing from the top; used by Move. The node being moved cannot be entered. */
export function FolderPicker(props: { spaceId: string; title: string; actionLabel: string; exclude?: string; onPick: (folderId: string) => Promise<void>; onClose: () => void }) {
  const browser = useFolderBrowser(props.spaceId, (n) => n.kind === 'folder' && n.id !== props.exclude)
  const { here, setError } = browser
  const [busy, setBusy] = useState(false)

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
      <PickerTrail trail={browser.trail} onBack={browser.backTo} />
      <ul class="picker-list" aria-label={`Folders in ${here.name}`}>
        {browser.items.map((f) => (
          <li key={f.id}>
            <button type="button" class="link" onClick={() => browser.enter(f)}>
              <Icon name="folder" /> {f.name}
            </button>
          </li>
        ))}
        {!browser.items.length && <li class="muted">No folders here.</li>}
      </ul>
      {browser.hasMore && (
        <button type="button" class="small" onClick={browser.loadMore}>
          More folders
        </button>
      )}
      <ErrorText error={browser.error} />
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
