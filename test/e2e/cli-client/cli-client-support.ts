/**
 * Support for the CLI client tests: a real server in-process (container over a temp data dir, the real Fastify app,
 * listening on 127.0.0.1 with a free port, task worker running) and `bin/trove` driven as a child process with its own
 * XDG_CONFIG_HOME. The server's Node request listener is wrapped so a test can slow uploads down (to interrupt one
 * mid-way) and see the Range headers downloads send.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { loadConfig } from '../../../src/config/load-config.ts'
import { buildContainer, type Container } from '../../../src/app/container.ts'
import { buildApp } from '../../../src/http/build-app.ts'
import { bootstrapIfEmpty } from '../../../src/app/first-run.ts'
import { REPO_ROOT, TROVE_BIN } from '../../support/http.ts'

export const PASSWORD = 'correct horse battery'

export interface TestServer {
  url: string
  c: Container
  libraryId: string
  spaceId: string
  /** A token for direct API checks (admin of the library). */
  adminToken: string
  /** Every request seen: method, path and Range header. */
  requests: { method: string; url: string; range?: string }[]
  /** Milliseconds each upload (PUT) waits before the app sees it; 0 = none. */
  uploadDelayMs: number
  close(): Promise<void>
}

export async function startServer(): Promise<TestServer> {
  const dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'trove-cli-client-'))
  const c = await buildContainer(loadConfig({ TROVE_DATA_DIR: dataDir, TROVE_TASK_POLL_MS: '50', TROVE_LOG_LEVEL: 'warn' }))
  const creds = await bootstrapIfEmpty(c)
  if (!creds) throw new Error('expected an empty data directory')
  // A second user with a known password: the one the CLI logs in as.
  await c.auth.setPassword(creds.libraryId, 'alice', PASSWORD)
  const app = await buildApp(c)
  await app.listen({ host: '127.0.0.1', port: 0 })
  c.runner.start()
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const server: TestServer = {
    url: `http://127.0.0.1:${port}`,
    c,
    libraryId: creds.libraryId,
    spaceId: creds.spaceId,
    adminToken: creds.accessToken,
    requests: [],
    uploadDelayMs: 0,
    async close() {
      await app.close().catch(() => undefined)
      await c.close()
      await fsp.rm(dataDir, { recursive: true, force: true })
    },
  }
  const [handler] = app.server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[]
  app.server.removeAllListeners('request')
  app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    server.requests.push({ method: req.method ?? '', url: req.url ?? '', range: req.headers.range })
    if (req.method === 'PUT' && server.uploadDelayMs > 0) setTimeout(() => handler(req, res), server.uploadDelayMs)
    else handler(req, res)
  })
  return server
}

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** The environment of a CLI child: this process's, minus every TROVE_ variable, plus the test's. */
function cliEnv(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('TROVE_') && k !== 'XDG_CONFIG_HOME') out[k] = v
  return Object.assign(out, { NO_COLOR: '1' }, env)
}

/** Starts `bin/trove <args>`; `stdin` is written and closed (an empty stdin otherwise, never a terminal). */
export function spawnCli(args: string[], env: Record<string, string>, stdin = ''): ChildProcess & { result: Promise<CliResult>; stdoutSoFar(): string } {
  const child = spawn(process.execPath, [TROVE_BIN, ...args], { cwd: REPO_ROOT, env: cliEnv(env), stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  child.stdin!.end(stdin)
  const result = new Promise<CliResult>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })))
  return Object.assign(child, { result, stdoutSoFar: () => stdout })
}

export async function cli(args: string[], env: Record<string, string>, stdin = ''): Promise<CliResult> {
  const child = spawnCli(args, env, stdin)
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  try {
    return await child.result
  } finally {
    clearTimeout(timer)
  }
}

/** Runs the CLI with --json and returns the parsed stdout, asserting the exit code. */
export async function cliJson<T = Record<string, unknown>>(args: string[], env: Record<string, string>, expectCode = 0): Promise<T> {
  const r = await cli([...args, '--json'], env)
  if (r.code !== expectCode) throw new Error(`trove ${args.join(' ')} exited ${r.code} (expected ${expectCode})\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

/** A fresh config home for one test's credentials. */
export async function configHome(): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), 'trove-cli-config-'))
}

/** Writes a deterministic tree: `files` maps relative paths to byte lengths; the bytes depend on the path. */
export async function writeTree(root: string, files: Record<string, number>): Promise<void> {
  for (const [rel, size] of Object.entries(files)) {
    const p = path.join(root, rel)
    await fsp.mkdir(path.dirname(p), { recursive: true })
    const buf = Buffer.alloc(size)
    let x = [...rel].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7)
    for (let i = 0; i < size; i++) {
      x = (x * 1103515245 + 12345) >>> 0
      buf[i] = x >>> 24
    }
    await fsp.writeFile(p, buf)
  }
}

/** Relative path → file bytes, for every file under `root`. */
export async function readTree(root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>()
  const walk = async (dir: string, rel: string) => {
    for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) await walk(path.join(dir, e.name), r)
      else out.set(r, fs.readFileSync(path.join(dir, e.name)))
    }
  }
  await walk(root, '')
  return out
}

export async function tempDir(prefix: string): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), prefix))
}

/** Logs `alice` in through the CLI (password on stdin) into `home`; returns the env for later commands. */
export async function loginAlice(server: TestServer, home: string): Promise<Record<string, string>> {
  const env = { XDG_CONFIG_HOME: home }
  const r = await cli(['login', server.url, '--user', 'alice', '--password-stdin'], env, PASSWORD + '\n')
  if (r.code !== 0) throw new Error(`login failed (${r.code}): ${r.stderr}`)
  return env
}
