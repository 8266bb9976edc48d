import { api, query } from './http.ts'
import { sp } from './nodes.ts'
import type { Entry, EntryPage, PurgeAccepted, RestoreOutcome } from './types.ts'

/** Recycle-bin calls, batched: the API takes at most 1,000 entries per request. */
export const BATCH = 1000

export interface BinQuery {
  sort: string
  order: 'asc' | 'desc'
  name?: string
  /** YYYY-MM-DD (local day), inclusive */
  from?: string
  /** YYYY-MM-DD (local day), inclusive */
  to?: string
}

function dayStart(day: string, plusDays = 0): string {
  const [y, m, d] = day.split('-').map(Number)
  return new Date(y, m - 1, d + plusDays).toISOString()
}

export function binQueryString(q: BinQuery, extra: Record<string, string | number | null | undefined> = {}): string {
  return query({
    sort: q.sort,
    order: q.order,
    name: q.name,
    removedAfter: q.from ? dayStart(q.from) : undefined,
    removedBefore: q.to ? dayStart(q.to, 1) : undefined,
    ...extra,
  })
}

export function listBin(spaceId: string, q: BinQuery, page: { limit: number; cursor?: string | null }): Promise<EntryPage> {
  return api<EntryPage>('GET', sp(spaceId, `/trash${binQueryString(q, { limit: page.limit, cursor: page.cursor })}`))
}

/** Every entry matching the filters, by keyset pages of 1,000 (for "select all matching"). */
export async function collectMatching(spaceId: string, q: BinQuery, onProgress: (got: number, total: number) => void): Promise<Entry[]> {
  const out: Entry[] = []
  let cursor: string | null = null
  do {
    const page: EntryPage = await listBin(spaceId, q, { limit: BATCH, cursor })
    out.push(...page.items)
    cursor = page.nextCursor
    onProgress(out.length, page.total)
  } while (cursor)
  return out
}

export interface RestoreChoice {
  onConflict: 'rename' | 'overwrite' | 'fail'
  onMissingParent: 'recreate' | 'root' | 'fail'
  dryRun?: boolean
}

export async function restoreEntries(spaceId: string, ids: string[], choice: RestoreChoice): Promise<RestoreOutcome[]> {
  const out: RestoreOutcome[] = []
  for (let i = 0; i < ids.length; i += BATCH) {
    const r = await api<{ outcomes: RestoreOutcome[] }>('POST', sp(spaceId, '/trash/restore'), { entryIds: ids.slice(i, i + BATCH), ...choice })
    out.push(...r.outcomes)
  }
  return out
}

export async function deleteEntries(spaceId: string, ids: string[]): Promise<{ taskIds: string[]; accepted: number; rejected: PurgeAccepted['rejected'] }> {
  const taskIds: string[] = []
  const rejected: PurgeAccepted['rejected'] = []
  let accepted = 0
  for (let i = 0; i < ids.length; i += BATCH) {
    const r = await api<PurgeAccepted>('POST', sp(spaceId, '/trash/delete'), { entryIds: ids.slice(i, i + BATCH) })
    if (r.taskId) taskIds.push(r.taskId)
    accepted += r.accepted.length
    rejected.push(...r.rejected)
  }
  return { taskIds, accepted, rejected }
}
