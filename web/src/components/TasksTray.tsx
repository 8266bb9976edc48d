import { useEffect, useState } from 'preact/hooks'
import { api, errorMessage, query } from '../api/http.ts'
import type { Task } from '../api/types.ts'
import { Progress } from './Progress.tsx'

const KIND_LABELS: Record<string, string> = {
  'trash.purge': 'Deleting permanently',
  'trash.purge-expired': 'Purging expired items',
  'trash.batch-trash': 'Moving to the bin',
  'trash.batch-restore': 'Restoring',
}
const STATE_LABELS: Record<string, string> = { Succeed: 'Done', PartialSucceed: 'Done, with failures', Failed: 'Failed', Cancelled: 'Cancelled' }
const RECENT_MS = 2 * 60_000
const DISMISSED_KEY = 'trove.tasks.dismissed'

/**
 * Background tasks of this space (emptying the bin, big restores) with progress. It reads them from the server, so
 * it shows the same thing after a reload: running tasks, and those that finished in the last two minutes.
 */
export function TasksTray(props: { spaceId: string; poke: number }) {
  const [tasks, setTasks] = useState<Task[]>([])
  const [error, setError] = useState<string | null>(null)
  // Folded by default on a phone, where it would cover the page.
  const [open, setOpen] = useState(() => !window.matchMedia('(max-width: 640px)').matches)
  const [dismissed, setDismissed] = useState<string[]>(() => JSON.parse(sessionStorage.getItem(DISMISSED_KEY) ?? '[]') as string[])

  useEffect(() => {
    let stop = false
    let timer: number | undefined
    const tick = async () => {
      let running = false
      try {
        const r = await api<{ items: Task[] }>('GET', `/tasks${query({ spaceId: props.spaceId, limit: 10 })}`)
        if (stop) return
        setTasks(r.items)
        setError(null)
        running = r.items.some((t) => t.state === 'Running')
      } catch (e) {
        if (!stop) setError(errorMessage(e))
      }
      if (!stop) timer = window.setTimeout(tick, running ? 700 : 4000)
    }
    void tick()
    return () => {
      stop = true
      window.clearTimeout(timer)
    }
  }, [props.spaceId, props.poke])

  const now = Date.now()
  const shown = tasks.filter((t) => !dismissed.includes(t.id) && (t.state === 'Running' || (t.finishedAt && now - Date.parse(t.finishedAt) < RECENT_MS)))
  if (!shown.length && !error) return null
  const dismiss = (id: string) => {
    const next = [...dismissed, id].slice(-50)
    setDismissed(next)
    sessionStorage.setItem(DISMISSED_KEY, JSON.stringify(next))
  }
  const cancel = async (id: string) => {
    try {
      await api('POST', `/tasks/${id}/cancel`)
    } catch (e) {
      setError(errorMessage(e))
    }
  }
  return (
    <aside class="tray" aria-label="Background tasks">
      <button type="button" class="tray-head" aria-expanded={open} onClick={() => setOpen(!open)}>
        Tasks ({shown.filter((t) => t.state === 'Running').length} running)
      </button>
      {open && (
        <ul class="tray-list">
          {error && (
            <li class="error" role="alert">
              {error}
            </li>
          )}
          {shown.map((t) => (
            <li key={t.id} data-task-id={t.id} data-state={t.state}>
              <Progress
                label={`${KIND_LABELS[t.kind] ?? t.kind}${t.state === 'Running' ? '' : ` — ${STATE_LABELS[t.state] ?? t.state}`}`}
                done={t.done + t.failed}
                total={t.total}
                detail={`${t.done.toLocaleString()} of ${t.total.toLocaleString()}${t.failed ? `, ${t.failed} failed` : ''}`}
              />
              {t.state === 'Running' ? (
                <button type="button" class="small" onClick={() => cancel(t.id)} disabled={t.cancelRequested}>
                  {t.cancelRequested ? 'Cancelling…' : 'Cancel'}
                </button>
              ) : (
                <button type="button" class="small" onClick={() => dismiss(t.id)}>
                  Dismiss
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </aside>
  )
}
