import { useState } from 'preact/hooks'
import { errorMessage } from '../api/http.ts'
import { Dialog } from './Dialog.tsx'
import { ErrorText } from './ErrorText.tsx'

/** One text field (new folder, rename, new album); the server's answer to a bad name is shown under the field. */
export function PromptDialog(props: { title: string; label: string; initial?: string; submitLabel: string; onSubmit: (value: string) => Promise<void>; onClose: () => void }) {
  const [value, setValue] = useState(props.initial ?? '')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const submit = async (e: Event) => {
    e.preventDefault()
    if (!value.trim()) {
      setError('Enter a name.')
      return
    }
    setBusy(true)
    setError(null)
    try {
      await props.onSubmit(value.trim())
      props.onClose()
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <form onSubmit={submit} class="dialog-body">
        <label class="field">
          <span>{props.label}</span>
          <input
            type="text"
            value={value}
            autofocus
            onInput={(e) => setValue((e.target as HTMLInputElement).value)}
            onFocus={(e) => {
              // Select the name without its extension, as file managers do.
              const input = e.target as HTMLInputElement
              const dot = input.value.lastIndexOf('.')
              input.setSelectionRange(0, dot > 0 ? dot : input.value.length)
            }}
          />
        </label>
        <ErrorText error={error} />
        <div class="dialog-actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Working…' : props.submitLabel}
          </button>
        </div>
      </form>
    </Dialog>
  )
}
