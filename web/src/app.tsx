import { useCallback, useEffect, useMemo, useState } from 'preact/hooks'
import { api, errorMessage, onUnauthenticated, setCsrfToken } from './api/http.ts'
import type { Session, Space } from './api/types.ts'
import { AppContext, type AppState, type ToastInput } from './lib/app-context.ts'
import { matchPath, navigate, useLocation } from './lib/router.ts'
import { useUploads } from './lib/uploads.ts'
import { NavBar } from './components/NavBar.tsx'
import { Toasts, type Toast } from './components/Toasts.tsx'
import { TasksTray } from './components/TasksTray.tsx'
import { UploadPanel } from './components/UploadPanel.tsx'
import { SignIn } from './pages/SignIn.tsx'
import { FilesPage } from './pages/Files.tsx'
import { BinPage } from './pages/Bin.tsx'
import { AlbumsPage } from './pages/Albums.tsx'
import { AlbumPage } from './pages/Album.tsx'
import { SpacePage } from './pages/Space.tsx'

const SPACE_KEY = 'trove.space'
let toastId = 1

/** Loads the session (the cookie is HttpOnly, so the server says who we are), then shows sign-in or the app. */
export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined)
  const [notice, setNotice] = useState<string | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)

  const load = useCallback(async () => {
    try {
      const s = await api<Session>('GET', '/session', undefined, { quiet401: true })
      setCsrfToken(s.csrfToken)
      setSession(s)
    } catch (e) {
      if ((e as { status?: number }).status === 401) setSession(null)
      else setLoadError(errorMessage(e))
    }
  }, [])

  useEffect(() => {
    onUnauthenticated(() => {
      setCsrfToken(null)
      setNotice('Your session has ended. Sign in again to continue.')
      setSession(null)
    })
    void load()
  }, [load])

  if (loadError)
    return (
      <main class="center-page">
        <p class="error" role="alert">
          {loadError}
        </p>
        <button type="button" onClick={() => location.reload()}>
          Try again
        </button>
      </main>
    )
  if (session === undefined) return <main class="center-page" aria-busy="true">Loading…</main>
  if (session === null)
    return (
      <SignIn
        notice={notice}
        onSignedIn={(s) => {
          setCsrfToken(s.csrfToken)
          setNotice(null)
          setSession(s)
        }}
      />
    )
  return <SignedIn session={session} setSession={setSession} />
}

function SignedIn(props: { session: Session; setSession: (s: Session | null) => void }) {
  const { session } = props
  const loc = useLocation()
  const [spaceId, setSpaceIdState] = useState(() => {
    const saved = localStorage.getItem(SPACE_KEY)
    return session.spaces.some((s) => s.id === saved) ? saved! : session.spaces[0]?.id
  })
  const [spaces, setSpaces] = useState<Space[]>(session.spaces)
  const [toasts, setToasts] = useState<Toast[]>([])
  const [poke, setPoke] = useState(0)
  const uploading = useUploads().some((u) => u.status === 'uploading' || u.status === 'queued')

  useEffect(() => {
    if (!uploading) return
    const warn = (e: BeforeUnloadEvent) => e.preventDefault()
    window.addEventListener('beforeunload', warn)
    return () => window.removeEventListener('beforeunload', warn)
  }, [uploading])

  const dismiss = useCallback((id: number) => setToasts((ts) => ts.filter((t) => t.id !== id)), [])
  const toast = useCallback(
    (t: ToastInput) => {
      const id = toastId++
      setToasts((ts) => [...ts.slice(-3), { ...t, id }])
      const ms = t.timeoutMs ?? (t.tone === 'error' ? 0 : 8000)
      if (ms) window.setTimeout(() => dismiss(id), ms)
    },
    [dismiss],
  )

  const space = spaces.find((s) => s.id === spaceId)
  const state = useMemo<AppState | null>(
    () =>
      space
        ? {
            session,
            space,
            canManage: session.grants.includes('admin') || session.grants.includes('space_admin'),
            setSpaceId: (id) => {
              localStorage.setItem(SPACE_KEY, id)
              setSpaceIdState(id)
              navigate('/files')
            },
            refreshSpace: async () => {
              try {
                const s = await api<Space>('GET', `/spaces/${space.id}`)
                setSpaces((all) => all.map((x) => (x.id === s.id ? s : x)))
              } catch (e) {
                toast({ message: errorMessage(e), tone: 'error' })
              }
            },
            signOut: async () => {
              try {
                await api('DELETE', '/session')
              } catch {
                // signed out already: fine
              }
              setCsrfToken(null)
              props.setSession(null)
              navigate('/', { replace: true })
            },
            toast,
            pokeTasks: () => setPoke((p) => p + 1),
          }
        : null,
    [session, space, toast],
  )

  if (!state)
    return (
      <main class="center-page">
        <p role="alert">This account has no space to show. Ask an admin to give you access to one.</p>
        <button type="button" onClick={() => api('DELETE', '/session').finally(() => props.setSession(null))}>
          Sign out
        </button>
      </main>
    )

  return (
    <AppContext.Provider value={state}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <NavBar path={loc.path} />
      <main id="main" tabIndex={-1}>
        <Page path={loc.path} search={loc.search} key={state.space.id} />
      </main>
      <div class="dock">
        <UploadPanel />
        <TasksTray spaceId={state.space.id} poke={poke} />
      </div>
      <Toasts toasts={toasts} dismiss={dismiss} />
    </AppContext.Provider>
  )
}

function Page(props: { path: string; search: URLSearchParams }) {
  const { path } = props
  if (path === '/' || path === '/files') return <FilesPage folderId="root" />
  let m = matchPath('/files/:folderId', path)
  if (m) return <FilesPage folderId={m.folderId} key={m.folderId} />
  if (path === '/bin') return <BinPage />
  if (path === '/albums') return <AlbumsPage />
  m = matchPath('/albums/:albumId', path)
  if (m) return <AlbumPage albumId={m.albumId} key={m.albumId} />
  if (path === '/space') return <SpacePage />
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is no page at <code>{path}</code>. <a href="/files">Go to your files</a>.
      </p>
    </section>
  )
}
