import { useEffect, useState } from 'preact/hooks'
import { api, errorMessage } from '../api/http.ts'
import { collectMatching, deleteEntries, listBin, restoreEntries, type BinQuery, type RestoreChoice } from '../api/bin.ts'
import { sp } from '../api/nodes.ts'
import type { Entry } from '../api/types.ts'
import { useApp } from '../lib/app-context.ts'
import { formatBytes, plural } from '../lib/format.ts'
import { navigate } from '../lib/router.ts'
import { BinFilters, type Filters } from '../components/BinFilters.tsx'
import { BinRow } from '../components/BinRow.tsx'
import { ConfirmDialog } from '../components/ConfirmDialog.tsx'
import { EmptyBinProgress } from '../components/EmptyBinProgress.tsx'
import { ErrorText } from '../components/ErrorText.tsx'
import { RestoreDialog } from '../components/RestoreDialog.tsx'
import { SortHeader, type Order } from '../components/SortHeader.tsx'

const PAGE = 50
const COLUMNS = [
  ['Name', 'name'],
  ['Original location', 'path'],
  ['Size', 'size'],
  ['Removed', 'removed'],
  ['Removed by', 'removedBy'],
  ['Days left', 'remaining'],
] as const

type Pending = { kind: 'restore'; ids: string[]; conflicts: string[]; missing: string[] } | { kind: 'delete'; entries: Entry[] } | { kind: 'empty' } | null

/**
 * The recycle bin: a sortable, filterable table paged by cursor (each page is an index range scan, so it stays fast
 * at a million entries), selection of one, a page or everything matching, restore with a conflict dialog,
 * permanent delete and Empty bin with confirmation, and "Show where it was".
 */
export function BinPage() {
  const app = useApp()
  const spaceId = app.space.id
  const [sort, setSort] = useState('removed')
  const [order, setOrder] = useState<Order>('desc')
  const [filters, setFilters] = useState<Filters>({ name: '', from: '', to: '' })
  const [cursors, setCursors] = useState<(string | null)[]>([null])
  const [items, setItems] = useState<Entry[]>([])
  const [total, setTotal] = useState(0)
  const [next, setNext] = useState<string | null>(null)
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState<string | null>(null)
  const [selected, setSelected] = useState<Map<string, Entry>>(new Map())
  const [allMatching, setAllMatching] = useState(false)
  const [pending, setPending] = useState<Pending>(null)
  const [busy, setBusy] = useState<string | null>(null)
  const [result, setResult] = useState<string | null>(null)
  const [emptyTask, setEmptyTask] = useState<string | null>(null)
  const [version, setVersion] = useState(0)

  const q: BinQuery = { sort, order, name: filters.name || undefined, from: filters.from || undefined, to: filters.to || undefined }
  const pageIndex = cursors.length - 1

  useEffect(() => {
    let stale = false
    setLoading(true)
    listBin(spaceId, q, { limit: PAGE, cursor: cursors[pageIndex] }).then(
      (p) => {
        if (stale) return
        setItems(p.items)
        setTotal(p.total)
        setNext(p.nextCursor)
        setError(null)
        setLoading(false)
      },
      (e) => {
        if (stale) return
        setError(errorMessage(e))
        setLoading(false)
      },
    )
    return () => {
      stale = true
    }
  }, [spaceId, sort, order, filters, cursors, version])

  const resetPaging = () => {
    setCursors([null])
    setSelected(new Map())
    setAllMatching(false)
  }
  const reload = () => {
    resetPaging()
    setVersion((v) => v + 1)
    void app.refreshSpace()
  }

  const pageAllSelected = items.length > 0 && items.every((e) => selected.has(e.id))
  const count = allMatching ? total : selected.size
  const togglePage = (on: boolean) => {
    const m = new Map(selected)
    for (const e of items) on ? m.set(e.id, e) : m.delete(e.id)
    setSelected(m)
    if (!on) setAllMatching(false)
  }

  /** The entries an action applies to: the checked ones, or every match (fetched page by page). */
  const target = async (): Promise<Entry[]> => {
    if (!allMatching) return [...selected.values()]
    setBusy(`Collecting the ${plural(total, 'matching item')}…`)
    try {
      return await collectMatching(spaceId, q, (got, all) => setBusy(`Collecting ${got.toLocaleString()} of ${all.toLocaleString()}…`))
    } finally {
      setBusy(null)
    }
  }

  const startRestore = async (entries: Entry[]) => {
    setResult(null)
    setError(null)
    try {
      setBusy('Checking where the items go back…')
      const ids = entries.map((e) => e.id)
      const dry = await restoreEntries(spaceId, ids, { onConflict: 'fail', onMissingParent: 'fail', dryRun: true })
      const byId = new Map(entries.map((e) => [e.id, e.name]))
      const conflicts = dry.filter((o) => o.error?.code === 'node.name_conflict').map((o) => byId.get(o.entryId) ?? o.entryId)
      const missing = dry.filter((o) => o.error?.code === 'trash.parent_missing').map((o) => byId.get(o.entryId) ?? o.entryId)
      setBusy(null)
      if (conflicts.length || missing.length) setPending({ kind: 'restore', ids, conflicts, missing })
      else await runRestore(ids, { onConflict: 'rename', onMissingParent: 'recreate' })
    } catch (e) {
      setBusy(null)
      setError(errorMessage(e))
    }
  }

  const runRestore = async (ids: string[], choice: RestoreChoice) => {
    setBusy(`Restoring ${plural(ids.length, 'item')}…`)
    try {
      const out = await restoreEntries(spaceId, ids, choice)
      const ok = out.filter((o) => o.status === 'restored')
      const renamed = ok.filter((o) => o.renamed).length
      const failed = out.filter((o) => o.status === 'failed')
      const skipped = failed.filter((o) => o.error?.code === 'node.name_conflict' && choice.onConflict === 'fail').length
      const other = failed.length - skipped
      const parts = [`Restored ${plural(ok.length, 'item')}${renamed ? ` (${renamed} under a new name)` : ''}.`]
      if (skipped) parts.push(`${plural(skipped, 'item')} skipped.`)
      if (other) parts.push(`${plural(other, 'item')} could not be restored: ${failed.find((o) => !(o.error?.code === 'node.name_conflict' && choice.onConflict === 'fail'))?.error?.message ?? ''}`)
      setResult(parts.join(' '))
      if (ok.length === 1 && ids.length === 1) app.toast({ message: `Restored to ${ok[0].path}.` })
      reload()
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(null)
    }
  }

  const showWhere = async (e: Entry) => {
    try {
      const folder = await api<{ id: string; parentId: string | null }>('GET', sp(spaceId, `/nodes/${e.originalParentId}`))
      navigate(folder.parentId === null ? '/files' : `/files/${folder.id}`)
    } catch {
      const parent = e.originalPath.slice(0, e.originalPath.lastIndexOf('/')) || '/'
      setError(`The folder “${e.name}” was in (${parent}) no longer exists, or is itself in the bin. Restoring “${e.name}” can recreate it.`)
    }
  }

  const onSort = (key: string, o: Order) => {
    setSort(key)
    setOrder(o)
    resetPaging()
  }

  const usage = app.space.usage
  return (
    <section aria-labelledby="bin-title">
      <div class="page-head">
        <h1 id="bin-title">Recycle bin</h1>
        <div class="toolbar">
          <button type="button" class="danger" onClick={() => app.refreshSpace().then(() => setPending({ kind: 'empty' }))} disabled={!usage.trashEntries && !total}>
            Empty bin
          </button>
        </div>
      </div>
      <p class="muted small">
        Items stay here for {plural(app.space.retentionDays, 'day')} after they are removed{app.space.hold ? '; this space is on hold, so nothing is purged' : ''}. They still count
        against your storage: {formatBytes(usage.trashBytes)} in {plural(usage.trashEntries, 'item')}.
      </p>
      {emptyTask && <EmptyBinProgress
          taskId={emptyTask}
          onFinished={() => {
            reload()
            app.pokeTasks()
          }}
          onDismiss={() => setEmptyTask(null)}
        />}
      <BinFilters
        value={filters}
        onChange={(f) => {
          setFilters(f)
          resetPaging()
        }}
      />
      <ErrorText error={error} />
      {result && (
        <p class="notice" role="status">
          {result}
        </p>
      )}
      {busy && (
        <p class="notice" role="status" aria-busy="true">
          {busy}
        </p>
      )}
      {count > 0 && (
        <div class="selection-bar" role="region" aria-label="Selection">
          <span>
            <b>{plural(count, 'item')}</b> selected{allMatching ? ' (everything matching)' : ''}
          </span>
          <button type="button" class="primary small" disabled={!!busy} onClick={async () => startRestore(await target())}>
            Restore
          </button>
          <button type="button" class="danger small" disabled={!!busy} onClick={async () => setPending({ kind: 'delete', entries: await target() })}>
            Delete permanently
          </button>
          <button type="button" class="small" onClick={() => (setSelected(new Map()), setAllMatching(false))}>
            Clear selection
          </button>
        </div>
      )}
      {pageAllSelected && !allMatching && total > items.length && (
        <p class="notice">
          All {items.length} items on this page are selected.{' '}
          <button type="button" class="link" onClick={() => setAllMatching(true)}>
            Select all {total.toLocaleString()} matching items
          </button>
        </p>
      )}
      <div class="table-wrap">
        <table class="table bin-table">
          <caption class="visually-hidden">Items in the recycle bin</caption>
          <thead>
            <tr>
              <th scope="col" class="col-check">
                <input type="checkbox" checked={pageAllSelected} onChange={(e) => togglePage((e.target as HTMLInputElement).checked)} aria-label="Select all items on this page" />
              </th>
              {COLUMNS.map(([label, key]) => (
                <SortHeader key={key} label={label} sortKey={key} sort={sort} order={order} onSort={onSort} />
              ))}
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <BinRow
                key={e.id}
                entry={e}
                checked={allMatching || selected.has(e.id)}
                onCheck={(on) => {
                  const m = new Map(selected)
                  on ? m.set(e.id, e) : m.delete(e.id)
                  setSelected(m)
                  setAllMatching(false)
                }}
                onRestore={() => startRestore([e])}
                onShowWhere={() => showWhere(e)}
              />
            ))}
          </tbody>
        </table>
      </div>
      {!loading && !items.length && !error && <p class="empty">{filters.name || filters.from || filters.to ? 'Nothing in the bin matches.' : 'The recycle bin is empty.'}</p>}
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={pageIndex === 0 || loading} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous
        </button>
        <span class="muted small" aria-live="polite">
          {total ? `${(pageIndex * PAGE + 1).toLocaleString()}–${(pageIndex * PAGE + items.length).toLocaleString()} of ${total.toLocaleString()}` : ''}
        </span>
        <button type="button" disabled={!next || loading} onClick={() => setCursors([...cursors, next])}>
          Next
        </button>
      </nav>
      {pending?.kind === 'restore' && <RestoreDialog total={pending.ids.length} conflicts={pending.conflicts} missing={pending.missing} onClose={() => setPending(null)} onRestore={(c) => runRestore(pending.ids, c)} />}
      {pending?.kind === 'delete' && (
        <ConfirmDialog
          title="Delete permanently?"
          confirmLabel={`Delete ${plural(pending.entries.length, 'item')}`}
          danger
          onClose={() => setPending(null)}
          onConfirm={async () => {
            const r = await deleteEntries(
              spaceId,
              pending.entries.map((e) => e.id),
            )
            app.pokeTasks()
            setResult(`Deleting ${plural(r.accepted, 'item')} permanently.${r.rejected.length ? ` ${plural(r.rejected.length, 'item')} could not be deleted: ${r.rejected[0].message}` : ''}`)
            reload()
          }}
        >
          <p>
            {plural(pending.entries.length, 'item')} ({formatBytes(pending.entries.reduce((s, e) => s + e.sizeBytes, 0))}) will be deleted for good. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
      {pending?.kind === 'empty' && (
        <ConfirmDialog
          title="Empty the recycle bin?"
          confirmLabel="Empty bin"
          danger
          onClose={() => setPending(null)}
          onConfirm={async () => {
            const r = await api<{ taskId: string; entries: number }>('POST', sp(spaceId, '/trash/empty'))
            setResult(null)
            setEmptyTask(r.taskId)
            app.pokeTasks()
            reload()
          }}
        >
          <p>
            All {plural(app.space.usage.trashEntries, 'item')} ({formatBytes(app.space.usage.trashBytes)}) in the bin will be deleted for good. Items on hold are kept. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </section>
  )
}
