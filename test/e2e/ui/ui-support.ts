/**
 * Web UI end-to-end support: the real server in this process (buildContainer + buildApp on port 0, over a fresh
 * temporary data directory, with the task worker running), the first-run admin from bootstrapIfEmpty, and Debian's
 * Chromium driven by playwright-core.
 *
 * - No /usr/bin/chromium: on a laptop the UI suites skip with a visible message; in CI (CI=true) they fail.
 * - web/dist missing: it is built once (`npm run build:web`), as `npm install` would have.
 * - Screenshots: every test saves one under a temp dir (printed); with TROVE_UI_SCREENSHOTS_DIR set, the page shots
 *   also go there under stable names (that is how docs/ui/ is refreshed:
 *   `TROVE_UI_SCREENSHOTS_DIR=docs/ui node --import tsx --test test/e2e/ui/*.e2e.test.ts`).
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { buildContainer, type Container } from '../../../src/app/container.ts'
import { bootstrapIfEmpty, type FirstRunCredentials } from '../../../src/app/first-run.ts'
import { loadConfig } from '../../../src/config/load-config.ts'
import { buildApp } from '../../../src/http/build-app.ts'
import { DEFAULT_WEB_ROOT } from '../../../src/http/web-ui.ts'
import type { App } from '../../../src/http/routes/types.ts'
import { REPO_ROOT } from '../../support/http.ts'

export const CHROMIUM = '/usr/bin/chromium'

/** Why the UI suites cannot run here, or null when they can. Throws in CI, where they must run. */
export function uiSkipReason(): string | null {
  if (fs.existsSync(CHROMIUM)) return null
  if (process.env.CI === 'true') throw new Error(`UI e2e: ${CHROMIUM} is missing, and in CI the UI suites must run (.ci/run installs it with apt-get)`)
  const msg = `UI e2e SKIPPED: ${CHROMIUM} is missing (apt-get install -y chromium to run the web UI suites)`
  process.stderr.write(`\n# ${msg}\n`)
  return msg
}

/**
 * Builds web/dist when it is missing or older than the UI's sources (a laptop that edited web/ since `npm install`).
 * Test files run in parallel processes, so one builds while the others wait on a lock directory.
 */
async function ensureBuilt(): Promise<void> {
  const web = path.join(REPO_ROOT, 'web')
  const index = path.join(DEFAULT_WEB_ROOT, 'index.html')
  const fresh = () => {
    const builtAt = fs.existsSync(index) ? fs.statSync(index).mtimeMs : 0
    const sources = [path.join(web, 'index.html'), path.join(web, 'vite.config.ts'), ...fs.readdirSync(path.join(web, 'src'), { recursive: true, encoding: 'utf8' }).map((f) => path.join(web, 'src', f))]
    return builtAt > 0 && sources.every((f) => fs.statSync(f).mtimeMs <= builtAt)
  }
  const lock = path.join(web, '.build-lock')
  for (const deadline = Date.now() + 180_000; !fresh(); ) {
    try {
      fs.mkdirSync(lock)
    } catch {
      if (Date.now() > deadline) throw new Error(`UI e2e: ${lock} is held for minutes; remove it if no build is running`)
      await new Promise((r) => setTimeout(r, 250))
      continue
    }
    try {
      execFileSync('npm', ['run', 'build:web'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] })
    } finally {
      fs.rmdirSync(lock)
    }
  }
}

export interface Ui {
  url: string
  c: Container
  app: App
  admin: FirstRunCredentials
  browser: Browser
  shotsDir: string
  /** A fresh browser context (own cookies) and page; desktop size unless a width is given. */
  page(opts?: { width?: number; height?: number }): Promise<Page>
  /** Signs in through the form as the first-run admin and waits for the files page. */
  signIn(page: Page): Promise<void>
  /** Saves a screenshot under the temp dir; a `publish`ed one also under TROVE_UI_SCREENSHOTS_DIR/<name>.png when set (docs/ui). */
  shot(page: Page, name: string, opts?: { fullPage?: boolean; publish?: boolean }): Promise<string>
  /** The native API with the admin token (for setting up data a test is not about). */
  api(method: string, urlPath: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any }>
  close(): Promise<void>
}

export async function startUi(): Promise<Ui> {
  await ensureBuilt()
  const dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'trove-ui-'))
  const shotsDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'trove-ui-shots-'))
  const cfg = loadConfig({ TROVE_DATA_DIR: dataDir, TROVE_HOST: '127.0.0.1', TROVE_PORT: '0', TROVE_TASK_POLL_MS: '100', TROVE_LOG_LEVEL: 'warn' })
  const c = await buildContainer(cfg)
  const admin = (await bootstrapIfEmpty(c))!
  const app = await buildApp(c)
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  c.runner.start()
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  const contexts: BrowserContext[] = []
  const publishDir = process.env.TROVE_UI_SCREENSHOTS_DIR ? path.resolve(REPO_ROOT, process.env.TROVE_UI_SCREENSHOTS_DIR) : null

  const ui: Ui = {
    url,
    c,
    app,
    admin,
    browser,
    shotsDir,
    async page(opts = {}) {
      const ctx = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 }, baseURL: url, acceptDownloads: true })
      contexts.push(ctx)
      const page = await ctx.newPage()
      page.setDefaultTimeout(10_000)
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(String(e)))
      ;(page as Page & { errors: string[] }).errors = errors
      return page
    },
    async signIn(page) {
      await page.goto('/')
      await page.getByLabel('User name').fill(admin.userId)
      await page.getByLabel('Password').fill(admin.password)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('button', { name: 'Upload files' }).waitFor()
    },
    async shot(page, name, opts = {}) {
      const file = path.join(shotsDir, `${name}.png`)
      await page.screenshot({ path: file, fullPage: opts.fullPage ?? false })
      if (publishDir && opts.publish) {
        await fsp.mkdir(publishDir, { recursive: true })
        await fsp.copyFile(file, path.join(publishDir, `${name}.png`))
      }
      process.stderr.write(`# screenshot: ${file}\n`)
      return file
    },
    async api(method, urlPath, body, headers = {}) {
      const isBuffer = Buffer.isBuffer(body)
      const r = await fetch(`${url}/trove/v1${urlPath}`, {
        method,
        headers: { authorization: `Bearer ${admin.accessToken}`, ...(body !== undefined && !isBuffer ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : isBuffer ? new Uint8Array(body as Buffer) : JSON.stringify(body),
      })
      const text = await r.text()
      return { status: r.status, json: text && (r.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : undefined }
    },
    async close() {
      for (const ctx of contexts) await ctx.close().catch(() => undefined)
      await browser.close().catch(() => undefined)
      await app.close().catch(() => undefined)
      await c.close().catch(() => undefined)
      await fsp.rm(dataDir, { recursive: true, force: true })
    },
  }
  return ui
}

/** Page errors (uncaught exceptions in the app) seen so far; a test asserts there were none. */
export function pageErrors(page: Page): string[] {
  return (page as Page & { errors?: string[] }).errors ?? []
}

/** True when nothing on the page is wider than the viewport (no sideways scrolling at 360 px). */
export async function fitsWidth(page: Page): Promise<{ ok: boolean; scrollWidth: number; width: number }> {
  return page.evaluate(() => ({ ok: document.documentElement.scrollWidth <= window.innerWidth, scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth }))
}
