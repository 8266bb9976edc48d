import { useState } from 'preact/hooks'
import type { RestoreChoice } from '../api/bin.ts'
import { plural } from '../lib/format.ts'
import { Dialog } from './Dialog.tsx'

/**
 * Asked only when a dry run found trouble: items whose name is taken where they go back (rename / overwrite / skip),
 * and items whose folder no longer exists (recreate it / put them at the top level).
 */
export function RestoreDialog(props: { total: number; conflicts: string[]; missing: string[]; onRestore: (c: RestoreChoice) => void; onClose: () => void }) {
  const [onConflict, setOnConflict] = useState<RestoreChoice['onConflict']>('rename')
  const [onMissingParent, setOnMissingParent] = useState<RestoreChoice['onMissingParent']>('recreate')
  const names = (xs: string[]) => xs.slice(0, 5).map((n) => `“${n}”`).join(', ') + (xs.length > 5 ? ` and ${xs.length - 5} more` : '')
  return (
    <Dialog title={`Restore ${plural(props.total, 'item')}`} onClose={props.onClose}>
      <form
        class="dialog-body"
        onSubmit={(e) => {
          e.preventDefault()
          props.onRestore({ onConflict, onMissingParent })
          props.onClose()
        }}
      >
        {props.conflicts.length > 0 && (
          <fieldset>
            <legend>
              {plural(props.conflicts.length, 'item')} cannot go back under the same name, because something else has it now: {names(props.conflicts)}.
            </legend>
            <label class="radio">
              <input type="radio" name="conflict" checked={onConflict === 'rename'} onChange={() => setOnConflict('rename')} />
              Keep both: restore under a new name, such as “name (1).ext”
            </label>
            <label class="radio">
              <input type="radio" name="conflict" checked={onConflict === 'overwrite'} onChange={() => setOnConflict('overwrite')} />
              Replace: the file there now goes to the recycle bin (files only)
            </label>
            <label class="radio">
              <input type="radio" name="conflict" checked={onConflict === 'fail'} onChange={() => setOnConflict('fail')} />
              Skip these items (they stay in the bin)
            </label>
          </fieldset>
        )}
        {props.missing.length > 0 && (
          <fieldset>
            <legend>
              {plural(props.missing.length, 'item')} came from a folder that no longer exists: {names(props.missing)}.
            </legend>
            <label class="radio">
              <input type="radio" name="missing" checked={onMissingParent === 'recreate'} onChange={() => setOnMissingParent('recreate')} />
              Recreate the folder where it was
            </label>
            <label class="radio">
              <input type="radio" name="missing" checked={onMissingParent === 'root'} onChange={() => setOnMissingParent('root')} />
              Put them at the top level (My files)
            </label>
          </fieldset>
        )}
        <div class="dialog-actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="primary">
            Restore
          </button>
        </div>
      </form>
    </Dialog>
  )
}
