import type { Client } from 'openapi-fetch'
import type { paths } from './api-types.d.ts'
import { apiError } from './errors.ts'

type CursorBody = { items: unknown[]; nextCursor: string | null }
/** Every GET path whose 200 body is `{ items, nextCursor }`: the keyset-paged lists of the native API. */
export type CursorPath = {
  [P in keyof paths]: paths[P] extends { get: { responses: { 200: { content: { 'application/json': CursorBody } } } } } ? P : never
}[keyof paths]
export type ListParams<P extends CursorPath> = paths[P] extends { get: { parameters: infer X } } ? X : never
export type ItemOf<P extends CursorPath> = paths[P] extends { get: { responses: { 200: { content: { 'application/json': { items: (infer I)[] } } } } } } ? I : never

/**
 * Iterates every item of a cursor list, fetching page after page (`nextCursor`) only as the caller consumes them.
 * `params` are those of the first request; the cursor is filled in for the following ones.
 */
export async function* paginate<P extends CursorPath>(api: Client<paths>, path: P, params: ListParams<P>, opts: { signal?: AbortSignal } = {}): AsyncGenerator<ItemOf<P>> {
  const base = params as { query?: Record<string, unknown> }
  let cursor: string | undefined = (base.query?.cursor as string | undefined) ?? undefined
  for (;;) {
    const query = { ...(base.query ?? {}), ...(cursor ? { cursor } : {}) }
    const { data, error, response } = await api.GET(path as never, { params: { ...base, query } as never, signal: opts.signal } as never)
    if (!response.ok) throw apiError(response, error)
    const page = data as unknown as CursorBody
    for (const item of page.items) yield item as ItemOf<P>
    if (!page.nextCursor) return
    cursor = page.nextCursor
  }
}
