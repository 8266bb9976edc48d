import type { TaskState } from '../db/schema.ts'

export type { TaskState }

/** A durable asynchronous job, which is also the user-visible progress of long work. */
export interface Task {
  id: number
  libraryId: string
  spaceId: number | null
  kind: string
  state: TaskState
  payload: Record<string, unknown>
  total: number
  done: number
  failed: number
  failures: TaskFailure[]
  createdBy: string
  createdAt: number
  startedAt: number | null
  finishedAt: number | null
  cancelRequested: boolean
}

export interface TaskFailure {
  item: string
  code: string
  message: string
}

/** Per-item failures kept on the task are capped so a huge failing job cannot bloat its row. */
export const MAX_RECORDED_FAILURES = 100

export function finalState(t: Pick<Task, 'done' | 'failed'>): TaskState {
  if (t.failed === 0) return 'Succeed'
  return t.done > 0 ? 'PartialSucceed' : 'Failed'
}
