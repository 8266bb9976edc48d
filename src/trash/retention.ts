import { DAY_MS } from '../shared/clock.ts'

/** Pure retention arithmetic; no I/O, unit-tested. */
export function expiresAt(removedAt: number, retentionDays: number): number {
  return removedAt + retentionDays * DAY_MS
}

/** Whole days left before the server purges the entry; partial days do not count, never negative. */
export function remainingDays(expiresAtMs: number, now: number): number {
  return Math.max(0, Math.floor((expiresAtMs - now) / DAY_MS))
}

export type EntryTransition = 'trash' | 'restore' | 'purge' | 'cancel-purge' | 'finish-purge'

/** The recycle entry's state machine: live node → trashed → (restored | purging → gone). */
export function canTransition(from: 'live' | 'trashed' | 'purging' | 'gone', to: 'live' | 'trashed' | 'purging' | 'gone'): boolean {
  switch (from) {
    case 'live':
      return to === 'trashed' || to === 'purging'
    case 'trashed':
      return to === 'live' || to === 'purging'
    case 'purging':
      return to === 'gone' || to === 'trashed'
    case 'gone':
      return false
  }
}
