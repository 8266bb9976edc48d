/** Human output of the client commands: sizes in binary units, relative times, aligned tables. Pure functions. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']

/** 512 → `512 B`, 1536 → `1.5 KiB`, 5 GiB → `5.0 GiB`, 123 MiB → `123 MiB`. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '?'
  let v = Math.abs(n)
  let u = 0
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024
    u++
  }
  const s = u === 0 ? String(Math.round(v)) : v >= 100 ? v.toFixed(0) : v.toFixed(1)
  return `${n < 0 ? '-' : ''}${s} ${UNITS[u]}`
}

/** `just now`, `5 min ago`, `3 h ago`, `2 days ago`, `in 29 days`; past a year, the date. */
export function relativeTime(iso: string | number | null | undefined, now = Date.now()): string {
  if (iso === null || iso === undefined) return '-'
  const t = typeof iso === 'number' ? iso : Date.parse(iso)
  if (!Number.isFinite(t)) return String(iso)
  const d = t - now
  const a = Math.abs(d)
  const say = (n: number, unit: string) => (d < 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`)
  if (a < 45_000) return d < 0 ? 'just now' : 'in a moment'
  if (a < 3_600_000) return say(Math.round(a / 60_000), 'min')
  if (a < 86_400_000) return say(Math.round(a / 3_600_000), 'h')
  if (a < 2 * 86_400_000) return say(1, 'day')
  if (a < 365 * 86_400_000) return say(Math.round(a / 86_400_000), 'days')
  return new Date(t).toISOString().slice(0, 10)
}

/** Seconds → `42s`, `3m05s`, `1h02m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--'
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

export interface Column {
  header: string
  /** Right-align (numbers, sizes). */
  right?: boolean
}

/** Display width, counting each code point as one column (good enough for names; no East-Asian width table). */
const width = (s: string) => [...s].length

/** An aligned table: a header line and one line per row, columns separated by two spaces; the last column is not padded. */
export function table(columns: Column[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(width(c.header), ...rows.map((r) => width(r[i] ?? ''))))
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => {
        const pad = ' '.repeat(Math.max(0, widths[i] - width(cell)))
        if (columns[i].right) return pad + cell
        return i === cells.length - 1 ? cell : cell + pad
      })
      .join('  ')
      .trimEnd()
  return [line(columns.map((c) => c.header)), ...rows.map(line)].join('\n')
}

/** `[#########-----------]` */
export function bar(fraction: number, size = 20): string {
  const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0))
  const full = Math.round(f * size)
  return `[${'#'.repeat(full)}${'-'.repeat(size - full)}]`
}

/** Keeps the end of a long name: `…/photos/2024/img_0001.jpg`. */
export function ellipsize(s: string, max: number): string {
  const chars = [...s]
  return chars.length <= max ? s : '…' + chars.slice(chars.length - max + 1).join('')
}

/** `2d` `3h` `15m` → that long before `now`; anything else must be a date Date.parse understands. ISO string out. */
export function parseWhen(value: string, now = Date.now()): string {
  const m = /^(\d+)\s*(m|min|h|d|w)$/i.exec(value.trim())
  if (m) {
    const unit = { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }[m[2].toLowerCase() as 'm']
    return new Date(now - Number(m[1]) * unit).toISOString()
  }
  const t = Date.parse(value)
  if (!Number.isFinite(t)) throw new Error(`not a date or age: ${value} (try 2026-05-01, 2026-05-01T10:00:00Z, 7d, 12h, 30m)`)
  return new Date(t).toISOString()
}
