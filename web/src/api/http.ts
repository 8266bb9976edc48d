/**
 * The one way the UI talks to the server: JSON over fetch with the session cookie, the CSRF header on writes, and API
 * errors turned into ApiError with the server's code and message (shown to the user as they are).
 */
export const API = '/trove/v1'

let csrfToken: string | null = null
let onSignedOut: (() => void) | null = null

export function setCsrfToken(token: string | null): void {
  csrfToken = token
}

export function csrfHeaders(): Record<string, string> {
  return csrfToken ? { 'X-Trove-CSRF': csrfToken } : {}
}

/** Called when the server answers 401: the session ended (signed out elsewhere, or expired). */
export function onUnauthenticated(fn: () => void): void {
  onSignedOut = fn
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message)
  }
}

export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message
  if (e instanceof TypeError) return 'The server could not be reached. Check your connection and try again.'
  return e instanceof Error ? e.message : String(e)
}

export function parseError(status: number, text: string): ApiError {
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; details?: Record<string, unknown> } }
    if (body.error?.code) return new ApiError(status, body.error.code, body.error.message ?? body.error.code, body.error.details ?? {})
  } catch {
    // not JSON: fall through
  }
  return new ApiError(status, 'http.' + status, `The server answered ${status}${text ? `: ${text.slice(0, 200)}` : ''}`)
}

export async function api<T>(method: string, path: string, body?: unknown, opts: { quiet401?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (method !== 'GET' && method !== 'HEAD') Object.assign(headers, csrfHeaders())
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' })
  if (res.status === 204) return undefined as T
  const text = await res.text()
  if (!res.ok) {
    const err = parseError(res.status, text)
    if (res.status === 401 && !opts.quiet401) onSignedOut?.()
    throw err
  }
  return (text ? JSON.parse(text) : undefined) as T
}

export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  const s = q.toString()
  return s ? `?${s}` : ''
}
