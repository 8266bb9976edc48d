/**
 * "Did this request change anything?" — a snapshot of the metadata database and the data directory's files.
 *
 * Database: per table, the row count and a hash of every row (order-independent). On SQLite the test opens its own
 * read-only connection to the server's file; `PRAGMA data_version` on that connection changes whenever any other
 * connection commits, so an unchanged data_version proves the database is unchanged and the (cached) table hashes are
 * reused: a snapshot costs one pragma unless something was committed. On PostgreSQL every snapshot hashes every table
 * of the harness's schema (md5 in the server).
 *
 * Files: every file under the data directory (blobs, staging, thumbnails…) with its size, except the
 * SQLite files themselves.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { sql } from 'kysely'
import type { Container } from '../../../src/app/container.ts'

export interface TableState {
  count: number
  hash: string
}

export interface Snapshot {
  tables: Record<string, TableState>
  files: string[]
}

export interface Snapshotter {
  take(): Promise<Snapshot>
  close(): void
}

const SQLITE_FILE = /^trove\.sqlite(-wal|-shm|-journal)?$/
/**
 * Tables a refused request is meant to change: the sign-in limits count every failed password attempt
 * (src/users/sign-in-throttle.ts), and a failed attempt is refused by definition. Left out of the snapshot.
 */
const CHANGED_BY_REFUSALS = new Set(['sign_in_throttle'])

export function makeSnapshotter(c: Container, dataDir: string): Snapshotter {
  const files = cachedFileLister(dataDir)
  const db = c.config.db
  if (db.kind === 'sqlite') {
    const conn = new Database(db.file, { readonly: true, fileMustExist: true })
    const tables = (conn.prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`).all() as { name: string }[])
      .map((r) => r.name)
      .filter((t) => !CHANGED_BY_REFUSALS.has(t))
    const stmts = tables.map((t) => [t, conn.prepare(`select * from "${t.replaceAll('"', '""')}"`).raw(true)] as const)
    const version = conn.prepare('pragma data_version').pluck()
    let cached: { version: unknown; tables: Record<string, TableState> } | null = null
    const hashAll = (): Record<string, TableState> => {
      const out: Record<string, TableState> = {}
      // One read transaction, so all tables are seen at the same instant.
      conn.transaction(() => {
        for (const [t, stmt] of stmts) out[t] = hashRows(stmt.all() as unknown[][])
      })()
      return out
    }
    return {
      async take() {
        const v = version.get()
        if (!cached || cached.version !== v) {
          const tablesNow = hashAll()
          // Committed while we were hashing? Take it again at a settled version.
          const after = version.get()
          cached = { version: after, tables: after === v ? tablesNow : hashAll() }
        }
        return { tables: cached.tables, files: files() }
      },
      close: () => conn.close(),
    }
  }
  const schema = db.schema ?? 'public'
  return {
    async take() {
      const names = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = ${schema} and table_type = 'BASE TABLE' order by table_name`.execute(c.store.database.db)
      const out: Record<string, TableState> = {}
      for (const { table_name: t } of names.rows) {
        if (CHANGED_BY_REFUSALS.has(t)) continue
        const ref = sql.id(schema, t)
        const r = await sql<{ n: string; h: string | null }>`select count(*)::text as n, md5(string_agg(md5(x::text), '' order by md5(x::text))) as h from ${ref} x`.execute(c.store.database.db)
        out[t] = { count: Number(r.rows[0].n), hash: r.rows[0].h ?? '' }
      }
      return { tables: out, files: files() }
    },
    close: () => undefined,
  }
}

function hashRows(rows: unknown[][]): TableState {
  const lines = rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).sort()
  const h = createHash('sha1')
  for (const l of lines) h.update(l).update('\n')
  return { count: rows.length, hash: h.digest('hex') }
}

/** Relative path and size of every file under `root` (SQLite's own files excluded). */
export function listFiles(root: string): string[] {
  const out: string[] = []
  const walk = (dir: string, rel: string) => {
    let entries: fs.Dirent[]
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) walk(path.join(dir, e.name), r)
      else if (!(rel === '' && SQLITE_FILE.test(e.name))) {
        let size = -1
        try {
          size = fs.statSync(path.join(dir, e.name)).size
        } catch {
          // vanished between readdir and stat: still listed, so a difference shows
        }
        out.push(`${r}:${size}`)
      }
    }
  }
  walk(root, '')
  return out.sort()
}

/**
 * `listFiles`, cached: an entry added to, removed from or renamed in a directory changes that directory's mtime, so
 * when no directory's mtime (or inode) moved since the last listing, the listing still holds and costs one `stat` per
 * directory instead of a `readdir` per directory and a `stat` per file.
 */
export function cachedFileLister(root: string): () => string[] {
  let cache: { dirs: string[]; ino: number[]; mtime: number[]; ctime: number[]; files: string[] } | null = null
  return () => {
    if (cache) {
      let same = true
      for (let i = 0; i < cache.dirs.length; i++) {
        const st = fs.statSync(cache.dirs[i], { throwIfNoEntry: false })
        if (!st || st.ino !== cache.ino[i] || st.mtimeMs !== cache.mtime[i] || st.ctimeMs !== cache.ctime[i]) {
          same = false
          break
        }
      }
      if (same) return cache.files
    }
    // Record directory states before listing: a change during the listing then invalidates it next time.
    const next = { dirs: [] as string[], ino: [] as number[], mtime: [] as number[], ctime: [] as number[], files: [] as string[] }
    const collect = (dir: string) => {
      const st = fs.statSync(dir, { throwIfNoEntry: false })
      if (!st) return
      next.dirs.push(dir)
      next.ino.push(st.ino)
      next.mtime.push(st.mtimeMs)
      next.ctime.push(st.ctimeMs)
      let entries: fs.Dirent[]
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true })
      } catch {
        return
      }
      for (const e of entries) if (e.isDirectory()) collect(path.join(dir, e.name))
    }
    collect(root)
    next.files = listFiles(root)
    cache = next
    return cache.files
  }
}

/** Human-readable differences; empty when the snapshots are identical. */
export function diffSnapshots(a: Snapshot, b: Snapshot): string[] {
  const out: string[] = []
  for (const t of new Set([...Object.keys(a.tables), ...Object.keys(b.tables)])) {
    const x = a.tables[t]
    const y = b.tables[t]
    if (!x || !y) out.push(`table ${t}: ${x ? 'dropped' : 'created'}`)
    else if (x.count !== y.count) out.push(`table ${t}: ${x.count} → ${y.count} rows`)
    else if (x.hash !== y.hash) out.push(`table ${t}: rows changed (${x.count} rows)`)
  }
  const before = new Set(a.files)
  const after = new Set(b.files)
  for (const f of a.files) if (!after.has(f)) out.push(`file gone: ${f}`)
  for (const f of b.files) if (!before.has(f)) out.push(`file new: ${f}`)
  return out
}
