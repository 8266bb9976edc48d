import type { DriveNode } from '../api/types.ts'
import { linkClick } from '../lib/router.ts'

/** Where this folder is, each ancestor a link; the current folder is marked for screen readers. */
export function Breadcrumbs(props: { chain: DriveNode[]; rootLabel?: string; onPick?: (node: DriveNode) => void }) {
  return (
    <nav aria-label="Breadcrumb" class="crumbs">
      <ol>
        {props.chain.map((n, i) => {
          const label = n.parentId === null ? (props.rootLabel ?? 'My files') : n.name
          const last = i === props.chain.length - 1
          const href = n.parentId === null ? '/files' : `/files/${n.id}`
          return (
            <li key={n.id}>
              {last ? (
                <span aria-current="page">{label}</span>
              ) : props.onPick ? (
                <button type="button" class="link" onClick={() => props.onPick!(n)}>
                  {label}
                </button>
              ) : (
                <a href={href} onClick={(e) => linkClick(e, href)}>
                  {label}
                </a>
              )}
            </li>
          )
        })}
      </ol>
    </nav>
  )
}
