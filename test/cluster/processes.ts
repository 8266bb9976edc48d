import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const BIN = path.join(ROOT, 'bin', 'trove')

/** One `bin/trove` process of a cluster: `serve`, `serve --no-worker` or `worker`. */
export class TroveProcess {
  child: ChildProcess | null = null
  out = ''
  err = ''
  url = ''

  constructor(
    readonly name: string,
    readonly args: string[],
    readonly env: Record<string, string>,
  ) {}

  get pid(): number {
    return this.child?.pid ?? -1
  }

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null
  }

  async start(timeoutMs = 30_000): Promise<this> {
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('TROVE_')) env[k] = v
    Object.assign(env, { TROVE_HOST: '127.0.0.1', TROVE_PORT: '0', TROVE_LOG_LEVEL: 'warn', NODE_NO_WARNINGS: '1' }, this.env)
    this.out = ''
    const child = spawn(process.execPath, [BIN, ...this.args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    this.child = child
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.out += d))
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.err += d))
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      const url = /Trove is running at (http:\/\/\S+)/.exec(this.out)?.[1]
      if (url && (!/First start/.test(this.out) || /somewhere safe/.test(this.out))) {
        this.url = url
        return this
      }
      if (/Trove worker \S+ started/.test(this.out)) return this
      if (!this.alive) throw new Error(`${this.name} exited early\n${this.out}\n${this.err}`)
      await new Promise((r) => setTimeout(r, 25))
    }
    this.kill()
    throw new Error(`${this.name} not ready in ${timeoutMs} ms\n${this.out}\n${this.err}`)
  }

  field(label: string): string {
    const m = new RegExp(`^  ${label}:\\s+(\\S+)\\s*$`, 'm').exec(this.out)
    if (!m) throw new Error(`${this.name} printed no "${label}"`)
    return m[1]
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child
    if (!child || !this.alive) return Promise.resolve()
    const gone = new Promise<void>((r) => child.once('exit', () => r()))
    child.kill(signal)
    return gone
  }
}
