import { useState } from 'preact/hooks'
import { api, errorMessage } from '../api/http.ts'
import { sp } from '../api/nodes.ts'
import type { Space } from '../api/types.ts'
import { useApp } from '../lib/app-context.ts'
import { formatBytes, plural } from '../lib/format.ts'
import { ErrorText } from '../components/ErrorText.tsx'
import { UsageBar } from '../components/UsageBar.tsx'

/** Storage use of this space, and (for admins) how long the bin keeps items and whether the space is on hold. */
export function SpacePage() {
  const app = useApp()
  const s = app.space
  const [days, setDays] = useState(String(s.retentionDays))
  const [hold, setHold] = useState(s.hold)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [saved, setSaved] = useState<string | null>(null)

  const save = async (e: Event) => {
    e.preventDefault()
    const n = Number(days)
    if (!Number.isInteger(n) || n < 1 || n > 3650) {
      setError('Retention is a whole number of days from 1 to 3650.')
      return
    }
    setBusy(true)
    setError(null)
    setSaved(null)
    try {
      await api<Space>('PATCH', sp(s.id), { retentionDays: n, hold })
      await app.refreshSpace()
      setSaved('Saved.')
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section aria-labelledby="space-title">
      <h1 id="space-title">{s.name || 'Your space'}</h1>
      <h2>Storage</h2>
      <UsageBar usage={s.usage} />
      <p class="muted small">
        {formatBytes(s.usage.usedBytes)} used: {formatBytes(s.usage.liveBytes)} in your files and {formatBytes(s.usage.trashBytes)} in the recycle bin ({plural(s.usage.trashEntries, 'item')}). Items in
        the bin count until they are deleted for good.
      </p>
      <h2>Recycle bin</h2>
      {app.canManage ? (
        <form class="settings" onSubmit={save} noValidate>
          <label class="field">
            <span>Keep removed items for (days)</span>
            <input type="number" min={1} max={3650} step={1} value={days} onInput={(e) => setDays((e.target as HTMLInputElement).value)} />
          </label>
          <p class="muted small">A longer period also applies to items already in the bin; a shorter one only to items removed from now on.</p>
          <label class="checkbox">
            <input type="checkbox" checked={hold} onChange={(e) => setHold((e.target as HTMLInputElement).checked)} />
            Hold: never purge anything from this bin (retention, Delete permanently and Empty bin all stop)
          </label>
          <ErrorText error={error} />
          {saved && (
            <p class="notice" role="status">
              {saved}
            </p>
          )}
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
        </form>
      ) : (
        <p>
          Removed items are kept for {plural(s.retentionDays, 'day')}.{s.hold ? ' This space is on hold: nothing is purged.' : ''}
        </p>
      )}
    </section>
  )
}
