import type { DriveNode } from '../api/types.ts'
import { contentUrl } from '../api/nodes.ts'
import { formatBytes, formatDate, plural } from '../lib/format.ts'
import { linkClick } from '../lib/router.ts'
import { Icon } from './Icon.tsx'

export type RowAction = 'rename' | 'move' | 'delete'

/** One file or folder: name (a folder opens), size, modified, and its actions, each labelled with the item's name. */
export function FileRow(props: { node: DriveNode; spaceId: string; onAction: (action: RowAction, node: DriveNode) => void }) {
  const n = props.node
  const href = `/files/${n.id}`
  return (
    <tr data-name={n.name}>
      <td class="col-name">
        {n.kind === 'folder' ? (
          <a href={href} onClick={(e) => linkClick(e, href)} class="node-name">
            <Icon name="folder" /> 
            {n.name}
          </a>
        ) : (
          <span class="node-name">
            <Icon name="file" /> 
            {n.name}
          </span>
        )}
        <span class="muted small narrow-only">
          {n.kind === 'folder' ? plural(n.itemCount, 'item') : formatBytes(n.sizeBytes)} · {formatDate(n.modifiedAt)}
        </span>
      </td>
      <td class="col-size wide-only">{n.kind === 'folder' ? plural(n.itemCount, 'item') : formatBytes(n.sizeBytes)}</td>
      <td class="col-date wide-only">{formatDate(n.modifiedAt)}</td>
      <td class="col-actions">
        {n.kind === 'file' && (
          <a class="button small" href={contentUrl(props.spaceId, n.id)} download={n.name} aria-label={`Download ${n.name}`}>
            Download
          </a>
        )}
        <button type="button" class="small" onClick={() => props.onAction('rename', n)} aria-label={`Rename ${n.name}`}>
          Rename
        </button>
        <button type="button" class="small" onClick={() => props.onAction('move', n)} aria-label={`Move ${n.name}`}>
          Move
        </button>
        <button type="button" class="small danger-text" onClick={() => props.onAction('delete', n)} aria-label={`Delete ${n.name}`}>
          Delete
        </button>
      </td>
    </tr>
  )
}
