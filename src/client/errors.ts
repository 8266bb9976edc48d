/**
 * Errors of the typed client. A refused request becomes a `TroveApiError` carrying the server's stable code
 * (`{"error":{"code","message","details"}}`); a server that cannot be reached stays the fetch error it was.
 */
export class TroveApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message)
    this.name = 'TroveApiError'
  }
}

export const isTroveApiError = (e: unknown): e is TroveApiError => e instanceof TroveApiError

/** Builds the error from a non-2xx response body (already parsed by openapi-fetch, or raw text). */
export function apiError(response: Response, body: unknown): TroveApiError {
  const err = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error
  if (err && typeof err.code === 'string') {
    return new TroveApiError(response.status, err.code, String(err.message ?? err.code), (err.details as Record<string, unknown>) ?? {})
  }
  const text = typeof body === 'string' && body ? `: ${body.slice(0, 200)}` : ''
  return new TroveApiError(response.status, `http.${response.status}`, `HTTP ${response.status} ${response.statusText}${text}`)
}

/** The local file changed, or the bytes stored differ from the bytes read: never silently accepted. */
export class IntegrityError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'IntegrityError'
  }
}
