import type { ComponentChildren } from 'preact'

export type Order = 'asc' | 'desc'

/** A column header that sorts: a button inside <th> with aria-sort, so the state is announced and keyboard works. */
export function SortHeader(props: { label: string; sortKey: string; sort: string; order: Order; onSort: (key: string, order: Order) => void; class?: string; children?: ComponentChildren }) {
  const active = props.sort === props.sortKey
  const next: Order = active && props.order === 'asc' ? 'desc' : 'asc'
  return (
    <th scope="col" class={props.class} aria-sort={active ? (props.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" class="sort" onClick={() => props.onSort(props.sortKey, active ? next : 'asc')}>
        {props.label}
        <span aria-hidden="true" class="sort-mark">
          {active ? (props.order === 'asc' ? '▲' : '▼') : ''}
        </span>
      </button>
    </th>
  )
}
