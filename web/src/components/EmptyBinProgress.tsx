import { useEffect, useState } from 'preact/hooks'
import { api, errorMessage } from '../api/http.ts'
import type { Task } from '../api/types.ts'
import { plural } from '../lib/format.ts'
import { Progress } from './Progress.tsx'

/** Live progress of the purge task behind "Empty bin", polled until it finishes. */
export function EmptyBinProgress(props: { taskId: string; onFinished: () => void; onDismiss: () => void }) {
  const [task, setTask] = useState<Task | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    let stop = false
    let timer: number | undefined
    const tick = async () => {
      try {
        const t = await api<Task>('GET', `/tasks/${props.taskId}`)
        if (stop) return
        setTask(t)
        if (t.state !== 'Running') return props.onFinished()
      } catch (e) {
        if (!stop) setError(errorMessage(e))
      }
      if (!stop) timer = window.setTimeout(tick, 400)
    }
    void tick()
    return () => {
      stop = true
      window.clearTimeout(timer)
    }
  }, [props.taskId])
  const running = !task || task.state === 'Running'
  return (
    <div class="panel" data-testid="empty-progress" data-state={task?.state ?? 'Running'}>
      <Progress
        label={running ? 'Emptying the recycle bin' : task.state === 'Succeed' ? 'Recycle bin emptied' : `Emptying the bin: ${task.state}`}
        done={task ? task.done + task.failed : 0}
        total={task ? task.total : 1}
        detail={task ? `${plural(task.done, 'item')} deleted of ${task.total.toLocaleString()}${task.failed ? `, ${task.failed} failed` : ''}` : 'Starting…'}
      />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!running && (
        <button type="button" class="small" onClick={props.onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  )
}
