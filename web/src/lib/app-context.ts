import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { Session, Space } from '../api/types.ts'

export interface ToastInput {
  message: string
  tone?: 'info' | 'error'
  action?: { label: string; run: () => void | Promise<void> }
  /** Milliseconds on screen; default 8 s (errors stay until dismissed). */
  timeoutMs?: number
}

/** What every page may use: who is signed in, the current space, and the app-wide feedback channels. */
export interface AppState {
  session: Session
  space: Space
  /** May change space settings (retention, hold): `admin` or `space_admin`. */
  canManage: boolean
  setSpaceId(id: string): void
  /** Re-reads the space (usage bar, settings) after something changed it. */
  refreshSpace(): Promise<void>
  signOut(): Promise<void>
  toast(t: ToastInput): void
  /** Makes the tasks tray look again now (a task was just started). */
  pokeTasks(): void
}

export const AppContext = createContext<AppState | null>(null)

export function useApp(): AppState {
  const app = useContext(AppContext)
  if (!app) throw new Error('useApp outside the signed-in app')
  return app
}
