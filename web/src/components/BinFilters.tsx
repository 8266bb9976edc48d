import { useEffect, useState } from 'preact/hooks'

export interface Filters {
  name: string
  from: string
  to: string
}

/** Search by name (as you type, debounced) and removal date range. */
export function BinFilters(props: { value: Filters; onChange: (f: Filters) => void }) {
  const [name, setName] = useState(props.value.name)
  useEffect(() => {
    if (name === props.value.name) return
    const t = window.setTimeout(() => props.onChange({ ...props.value, name }), 300)
    return () => window.clearTimeout(t)
  }, [name])
  return (
    <form class="filters" role="search" aria-label="Filter the recycle bin" onSubmit={(e) => (e.preventDefault(), props.onChange({ ...props.value, name }))}>
      <label class="field inline">
        <span>Search by name</span>
        <input type="search" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} placeholder="Name contains…" />
      </label>
      <label class="field inline">
        <span>Removed from</span>
        <input type="date" value={props.value.from} max={props.value.to || undefined} onChange={(e) => props.onChange({ ...props.value, from: (e.target as HTMLInputElement).value })} />
      </label>
      <label class="field inline">
        <span>Removed until</span>
        <input type="date" value={props.value.to} min={props.value.from || undefined} onChange={(e) => props.onChange({ ...props.value, to: (e.target as HTMLInputElement).value })} />
      </label>
      {(props.value.name || props.value.from || props.value.to) && (
        <button
          type="button"
          class="small"
          onClick={() => {
            setName('')
            props.onChange({ name: '', from: '', to: '' })
          }}
        >
          Clear filters
        </button>
      )}
    </form>
  )
}
