import type { Entry } from '../api/types.ts'
import { formatBytes, formatDate, plural } from '../lib/format.ts'
import { Icon } from './Icon.tsx'

/** One recycle-bin entry: a checkbox, the six columns, and its own actions. */
export function BinRow(props: { entry: Entry; checked: boolean; onCheck: (on: boolean) => void; onRestore: () => void; onShowWhere: () => void }) {
  const e = props.entry
  const parent = e.originalPath.slice(0, e.originalPath.lastIndexOf('/')) || '/'
  return (
    <tr data-entry={e.name} class={props.checked ? 'selected' : undefined}>
      <td class="col-check">
        <input type="checkbox" checked={props.checked} onChange={(ev) => props.onCheck((ev.target as HTMLInputElement).checked)} aria-label={`Select ${e.name}`} />
      </td>
      <td class="col-name" data-label="Name">
        <Icon name={e.kind === 'folder' ? 'folder' : 'file'} /> 
        {e.name}
        {e.kind === 'folder' && <span class="muted small"> ({plural(Math.max(0, e.itemCount - 1), 'item')} inside)</span>}
      </td>
      <td data-label="Original location" class="col-path">
        {parent}
      </td>
      <td data-label="Size">{formatBytes(e.sizeBytes)}</td>
      <td data-label="Removed">{formatDate(e.removedAt)}</td>
      <td data-label="Removed by">{e.removedBy}</td>
      <td data-label="Days left">
        {e.held ? <span class="badge" title="On hold: never purged while held">On hold</span> : e.remainingDays}
      </td>
      <td class="col-actions">
        <button type="button" class="small" onClick={props.onRestore} aria-label={`Restore ${e.name}`}>
          Restore
        </button>
        <button type="button" class="small" onClick={props.onShowWhere} aria-label={`Show where ${e.name} was`}>
          Show where it was
        </button>
      </td>
    </tr>
  )
}
