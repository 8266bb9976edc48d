import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import pg from 'pg'
import { buildContainer, type Container, type ContainerOptions } from '../../src/app/container.ts'
import { loadConfig } from '../../src/config/load-config.ts'
import { ManualClock } from '../../src/shared/clock.ts'
import type { Actor } from '../../src/access/grants.ts'

export interface Harness {
  c: Container
  clock: ManualClock
  dataDir: string
  libraryId: string
  spaceId: string
  admin: Actor
  close(): Promise<void>
}

/** A real container over a fresh temporary data directory (SQLite file + disk blobs) and a clock the test moves. */
export async function makeHarness(opts: { quotaBytes?: number; env?: Record<string, string>; container?: ContainerOptions } = {}): Promise<Harness> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'trove-test-'))
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12))
  const engine = await testDatabaseEnv()
  const c = await buildContainer(loadConfig({ TROVE_DATA_DIR: dataDir, ...engine.env, ...opts.env }), { clock, ...opts.container })
  const lib = await c.libraries.create({ name: 'test' })
  const admin: Actor = { libraryId: lib.libraryId, userId: 'admin', grants: ['admin'], spaceIds: null }
  if (opts.quotaBytes !== undefined) await c.spaces.updateSettings(admin, lib.spaceId!, { quotaBytes: opts.quotaBytes })
  return {
    c,
    clock,
    dataDir,
    libraryId: lib.libraryId,
    spaceId: lib.spaceId!,
    admin,
    async close() {
      await c.close()
      await engine.drop()
      await fs.rm(dataDir, { recursive: true, force: true })
    },
  }
}

/**
 * The metadata engine under test: SQLite by default; with TROVE_TEST_DB=postgres, a fresh PostgreSQL schema per
 * harness (dropped on close), so parallel test files never see each other's rows.
 */
export async function testDatabaseEnv(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (process.env.TROVE_TEST_DB !== 'postgres') return { env: {}, drop: async () => {} }
  const url = process.env.TROVE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
  // Under scripts/test.sh every schema of the run shares a prefix, and whatever a crashed file leaves is dropped at the end.
  const run = process.env.TROVE_TEST_RUN
  const schema = `t_${run ?? 'x'}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  return {
    env: { TROVE_DATABASE_URL: url, TROVE_DATABASE_SCHEMA: schema },
    async drop() {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        await client.query(`drop schema if exists ${schema} cascade`)
      } finally {
        await client.end()
      }
    },
  }
}

export function body(content: string | Buffer): Readable {
  return Readable.from([typeof content === 'string' ? Buffer.from(content) : content])
}

export async function upload(h: Harness, parentId: string, name: string, content: string | Buffer = name, actor = h.admin) {
  return h.c.nodes.upload(actor, h.spaceId, { parentId, name, body: body(content) })
}

export async function mkdir(h: Harness, parentId: string, name: string) {
  return h.c.nodes.createFolder(h.admin, h.spaceId, parentId, name)
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer))
  return Buffer.concat(chunks)
}

/** Blob files currently on disk (for "no orphan bytes" assertions). */
export async function blobFiles(dataDir: string): Promise<string[]> {
  const root = path.join(dataDir, 'blobs', 'blobs')
  const out: string[] = []
  for (const a of await fs.readdir(root).catch(() => [])) {
    for (const b of await fs.readdir(path.join(root, a)).catch(() => [])) {
      for (const f of await fs.readdir(path.join(root, a, b)).catch(() => [])) out.push(f)
    }
  }
  return out.sort()
}
