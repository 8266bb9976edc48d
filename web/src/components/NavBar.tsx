import { useApp } from '../lib/app-context.ts'
import { linkClick } from '../lib/router.ts'
import { UsageBar } from './UsageBar.tsx'

const LINKS = [
  ['/files', 'Files'],
  ['/bin', 'Recycle bin'],
  ['/albums', 'Albums'],
  ['/space', 'Space'],
] as const

/** The header: navigation, the space (when there are several), compact usage, and sign-out. */
export function NavBar(props: { path: string }) {
  const app = useApp()
  return (
    <header class="topbar">
      <a class="brand" href="/files" onClick={(e) => linkClick(e, '/files')}>
        Trove
      </a>
      <nav aria-label="Main">
        <ul>
          {LINKS.map(([href, label]) => (
            <li key={href}>
              <a href={href} aria-current={(props.path === '/' ? '/files' : props.path).startsWith(href) ? 'page' : undefined} onClick={(e) => linkClick(e, href)}>
                {label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div class="topbar-right">
        {app.session.spaces.length > 1 && (
          <label class="space-select">
            <span class="visually-hidden">Space</span>
            <select value={app.space.id} onChange={(e) => app.setSpaceId((e.target as HTMLSelectElement).value)}>
              {app.session.spaces.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name || `Space ${s.id}`}
                </option>
              ))}
            </select>
          </label>
        )}
        <a class="usage-link" href="/space" onClick={(e) => linkClick(e, '/space')} aria-label="Storage used: open the space page">
          <UsageBar usage={app.space.usage} compact />
        </a>
        <span class="user" title={`Library ${app.session.libraryId}`}>
          {app.session.userId}
        </span>
        <button type="button" class="small" onClick={() => app.signOut()}>
          Sign out
        </button>
      </div>
    </header>
  )
}
