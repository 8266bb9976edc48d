/**
 * Progress of multi-file transfers. On a terminal: one bar per file in flight and an overall bar with rate and ETA,
 * redrawn in place on stderr (finished files scroll above them). Otherwise: one plain line per finished file on
 * stdout, which is what logs and scripts want. With --json: nothing until the summary.
 */
import { bar, ellipsize, formatBytes, formatDuration } from './format.ts'

export type ProgressMode = 'tty' | 'plain' | 'quiet'

export function progressMode(json: boolean): ProgressMode {
  if (json) return 'quiet'
  return process.stderr.isTTY && process.stdout.isTTY ? 'tty' : 'plain'
}

interface Active {
  size: number
  done: number
}

export class TransferProgress {
  private files = 0
  private bytes = 0
  private finished = 0
  private bytesDone = 0
  private readonly active = new Map<string, Active>()
  private drawn = 0
  private timer: NodeJS.Timeout | null = null
  private readonly started = Date.now()
  /** Rate over a sliding window of samples, so ETA reacts to a slowing link. */
  private samples: { t: number; b: number }[] = []

  constructor(private readonly mode: ProgressMode) {}

  planned(files: number, bytes: number): void {
    this.files = files
    this.bytes = bytes
    if (this.mode === 'tty') this.timer = setInterval(() => this.draw(), 120)
  }

  start(name: string, size: number): void {
    this.active.set(name, { size, done: 0 })
  }

  progress(name: string, done: number): void {
    const a = this.active.get(name)
    if (a) a.done = done
  }

  /** A file is over: `line` is what to print about it (`uploaded a/b.txt  1.2 MiB`). */
  done(name: string, size: number, line: string, counted = true): void {
    this.active.delete(name)
    if (counted) {
      this.finished++
      this.bytesDone += size
    }
    if (this.mode === 'plain') process.stdout.write(line + '\n')
    else if (this.mode === 'tty') {
      this.clear()
      process.stderr.write(line + '\n')
      this.draw()
    }
  }

  /** Stops redrawing and erases the bars. */
  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    if (this.mode === 'tty') this.clear()
  }

  private inFlightBytes(): number {
    let n = 0
    for (const a of this.active.values()) n += a.done
    return n
  }

  private rate(): number {
    const now = Date.now()
    const b = this.bytesDone + this.inFlightBytes()
    this.samples.push({ t: now, b })
    while (this.samples.length > 2 && now - this.samples[0].t > 5000) this.samples.shift()
    const first = this.samples[0]
    const dt = (now - first.t) / 1000
    return dt > 0.2 ? (b - first.b) / dt : b / Math.max(0.001, (now - this.started) / 1000)
  }

  private clear(): void {
    if (this.drawn) process.stderr.write(`\x1b[${this.drawn}A\x1b[J`)
    this.drawn = 0
  }

  private draw(): void {
    if (this.mode !== 'tty') return
    const cols = Math.max(40, process.stderr.columns || 80)
    const lines: string[] = []
    const tailWidth = 42
    const nameWidth = Math.max(10, cols - tailWidth - 4)
    for (const [name, a] of this.active) {
      const pct = a.size ? a.done / a.size : 1
      const tail = `${bar(pct, 12)} ${String(Math.round(pct * 100)).padStart(3)}%  ${formatBytes(a.done)}/${formatBytes(a.size)}`
      lines.push(`  ${ellipsize(name, nameWidth).padEnd(nameWidth)} ${tail}`.slice(0, cols - 1))
    }
    const done = this.bytesDone + this.inFlightBytes()
    const rate = this.rate()
    const eta = rate > 0 ? (this.bytes - done) / rate : NaN
    const pct = this.bytes ? done / this.bytes : this.files ? this.finished / this.files : 1
    const stats = `${this.finished}/${this.files} files ${String(Math.round(pct * 100)).padStart(3)}%  ${formatBytes(done)}/${formatBytes(this.bytes)}  ${formatBytes(rate)}/s  ETA ${formatDuration(eta)}`
    // The bar goes first and shrinks (or goes) on a narrow terminal, so rate and ETA always show.
    const room = cols - 1 - 2 - stats.length - 1
    lines.push(`  ${room >= 8 ? bar(pct, Math.min(24, room - 2)) + ' ' : ''}${stats}`.slice(0, cols - 1))
    this.clear()
    process.stderr.write(lines.join('\n') + '\n')
    this.drawn = lines.length
  }
}

/** One line that redraws itself on a terminal (task progress); plain mode prints only when the text changes. */
export class StatusLine {
  private last = ''
  constructor(private readonly mode: ProgressMode) {}
  update(text: string): void {
    if (text === this.last) return
    this.last = text
    if (this.mode === 'tty') process.stderr.write(`\r\x1b[K${text}`)
    else if (this.mode === 'plain') process.stdout.write(text + '\n')
  }
  end(): void {
    if (this.mode === 'tty' && this.last) process.stderr.write('\n')
  }
}
