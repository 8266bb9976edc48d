import { useState } from 'preact/hooks'
import { api, errorMessage } from '../api/http.ts'
import type { Session } from '../api/types.ts'
import { ErrorText } from '../components/ErrorText.tsx'

/** Sign in with user name and password; the server sets an HttpOnly session cookie. */
export function SignIn(props: { notice: string | null; onSignedIn: (s: Session) => void }) {
  const [userId, setUserId] = useState('')
  const [password, setPassword] = useState('')
  const [libraryId, setLibraryId] = useState('')
  const [askLibrary, setAskLibrary] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  const submit = async (e: Event) => {
    e.preventDefault()
    if (!userId || !password) {
      setError('Enter your user name and password.')
      return
    }
    setBusy(true)
    setError(null)
    try {
      const s = await api<Session>('POST', '/session', { userId, password, ...(libraryId ? { libraryId } : {}) }, { quiet401: true })
      props.onSignedIn(s)
    } catch (err) {
      if ((err as { details?: { field?: string } }).details?.field === 'libraryId') setAskLibrary(true)
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <main class="signin">
      <form class="card" onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in to Trove</h1>
        {props.notice && <p class="notice">{props.notice}</p>}
        <label class="field">
          <span>User name</span>
          <input name="username" autocomplete="username" value={userId} onInput={(e) => setUserId((e.target as HTMLInputElement).value)} autofocus required />
        </label>
        <label class="field">
          <span>Password</span>
          <input name="password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} required />
        </label>
        {askLibrary && (
          <label class="field">
            <span>Library id</span>
            <input name="library" value={libraryId} onInput={(e) => setLibraryId((e.target as HTMLInputElement).value)} />
          </label>
        )}
        <ErrorText error={error} />
        <button type="submit" class="primary wide" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p class="muted small">
          The first start of the server prints the admin user name and password in its terminal. Other users get a password from an admin (
          <code>bin/trove user password</code>).
        </p>
      </form>
    </main>
  )
}
