import { createHash } from 'node:crypto'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import Database from 'better-sqlite3'
import type { Config } from '../config/load-config.ts'
import { DiskBlobStore } from '../blobs/disk-blob-store.ts'
import { BlobNotFoundError, isBlobKey } from '../blobs/blob-store.ts'
import { BLOB_REFERENCE_SOURCES, referenceSelect } from '../blobs/blob-references.ts'

/**
 * Backup and restore of a whole instance on the embedded default (SQLite + blobs on local disk).
 *
 * Backup, with the server running or not:
 *  1. the SQLite online backup API copies the live database into DEST in ONE step, i.e. inside one read transaction:
 *     a consistent snapshot, taken without stopping writers (WAL);
 *  2. the blobs that snapshot references are read from the snapshot (never from the live database) and copied from the
 *     live blob store, each one hashed on the way; bytes are immutable and content-addressed, so a copy is exact;
 *  3. a blob referenced by the snapshot but already gone from the live store was purged after the snapshot: a newer
 *     snapshot no longer references it, so the backup takes a new snapshot and copies what that one adds (a few rounds);
 *  4. blobs copied for an earlier snapshot and not referenced by the final one are removed, the database file is put in
 *     place, and `manifest.json` is written last: a backup without it is incomplete.
 *
 * DEST is laid out like a data directory (`trove.sqlite`, `blobs/blobs/ab/cd/<sha256>`). Restore copies it into an
 * empty data directory, hashing every blob again, and puts the database in place last.
 */

export const MANIFEST_FILE = 'manifest.json'
export const DATABASE_FILE = 'trove.sqlite'
export const BACKUP_FORMAT = 'trove-backup'
export const BACKUP_VERSION = 1
const MAX_SNAPSHOTS = 8
const COPY_CONCURRENCY = 4

export interface BackupManifest {
  format: typeof BACKUP_FORMAT
  version: typeof BACKUP_VERSION
  /** When the snapshot the backup holds was taken (ISO-8601): the instance as it was at that moment. */
  backupTime: string
  startedAt: string
  finishedAt: string
  /** Snapshots taken (more than one when purges freed blobs of an earlier snapshot while it was being copied). */
  snapshots: number
  database: { file: string; bytes: number; sha256: string }
  blobs: { count: number; bytes: number }
  counts: { libraries: number; spaces: number; folders: number; files: number; binEntries: number; unfinishedTasks: number }
}

export interface RestoreResult {
  manifest: BackupManifest
  dataDir: string
  blobs: { count: number; bytes: number }
}

/** A refusal or a failure the operator can act on (the CLI prints the message). */
export class BackupError extends Error {
  constructor(
    message: string,
    readonly code: 'backup.unsupported' | 'backup.destination_not_empty' | 'backup.source_invalid' | 'backup.blob_missing' | 'backup.blob_damaged' | 'backup.database_invalid',
  ) {
    super(message)
  }
}

export interface EmbeddedLayout {
  dataDir: string
  dbFile: string
  /** The disk blob store's root (`<data>/blobs`); blob files live below it in `blobs/ab/cd/<sha256>`. */
  blobsRoot: string
}

export const UNSUPPORTED_MESSAGE =
  'bin/trove backup and restore-backup work on the embedded default (SQLite and blobs on local disk). This instance keeps ' +
  'its metadata in PostgreSQL and/or its blobs in an S3 bucket: back those up with pg_dump (or base backups and WAL ' +
  'archiving) and bucket versioning or replication, the database first, as docs/deploy.md ("Backups") describes.'

/** The embedded layout of a configuration, or null when it is PostgreSQL and/or S3 (backed up with their own tools). */
export function embeddedLayout(cfg: Config): EmbeddedLayout | null {
  if (cfg.db.kind !== 'sqlite' || cfg.blobs.kind !== 'disk') return null
  return { dataDir: cfg.dataDir, dbFile: cfg.db.file, blobsRoot: cfg.blobs.rootDir }
}

export interface BackupHooks {
  /** After snapshot `n` is taken, before its blobs are copied (tests purge blobs here to exercise a new snapshot). */
  afterSnapshot?(n: number): Promise<void>
  /** After the blobs of snapshot `n` were copied. */
  afterCopy?(n: number): Promise<void>
}

export class BackupService {
  constructor(private readonly deps: { now?: () => number; log?: (msg: string) => void; hooks?: BackupHooks } = {}) {}

  private now(): number {
    return (this.deps.now ?? Date.now)()
  }

  /** Backs up the instance at `layout` into `dest` (which must not exist or be empty). */
  async backup(layout: EmbeddedLayout, dest: string): Promise<BackupManifest> {
    const startedAt = this.now()
    if (!fs.existsSync(layout.dbFile)) throw new BackupError(`No database at ${layout.dbFile}: is TROVE_DATA_DIR right?`, 'backup.source_invalid')
    dest = path.resolve(dest)
    if (isInside(dest, layout.dataDir)) throw new BackupError(`The backup destination ${dest} lies inside the data directory ${layout.dataDir}`, 'backup.destination_not_empty')
    await ensureEmptyDir(dest, 'The backup destination')
    const live = new DiskBlobStore({ rootDir: layout.blobsRoot })
    const target = new DiskBlobStore({ rootDir: path.join(dest, 'blobs') })
    const partial = path.join(dest, `${DATABASE_FILE}.partial`)
    const copied = new Map<string, number>()

    let snapshots = 0
    let snapshotAt = 0
    let wanted: Map<string, number | null> = new Map()
    for (;;) {
      snapshots++
      await fsp.rm(partial, { force: true })
      snapshotAt = this.now()
      await snapshotDatabase(layout.dbFile, partial)
      wanted = referencedBlobs(partial)
      await this.deps.hooks?.afterSnapshot?.(snapshots)
      const missing: string[] = []
      const todo = [...wanted].filter(([sha]) => !copied.has(sha))
      await pool(todo, COPY_CONCURRENCY, async ([sha, size]) => {
        try {
          copied.set(sha, await copyBlob(live, target, sha, size))
        } catch (e) {
          if (e instanceof BlobNotFoundError) missing.push(sha)
          else throw e
        }
      })
      await this.deps.hooks?.afterCopy?.(snapshots)
      if (!missing.length) break
      // Freed (purged) after the snapshot, or republished a moment later by an upload: a newer snapshot decides.
      if (snapshots >= MAX_SNAPSHOTS) {
        throw new BackupError(
          `${missing.length} blob(s) referenced by the database are missing from the blob store (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}); run bin/trove fsck`,
          'backup.blob_missing',
        )
      }
      this.deps.log?.(`${missing.length} blob(s) were freed after snapshot ${snapshots}; taking a new snapshot`)
      await sleep(100 * snapshots)
    }

    // Blobs an earlier snapshot wanted and the final one does not would be orphans in the restored instance.
    for (const sha of copied.keys()) {
      if (!wanted.has(sha)) {
        await target.delete(sha)
        copied.delete(sha)
      }
    }
    await fsp.rm(path.join(dest, 'blobs', 'staging'), { recursive: true, force: true })
    const counts = instanceCounts(partial)
    const dbFile = path.join(dest, DATABASE_FILE)
    await fsp.rename(partial, dbFile)
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      backupTime: new Date(snapshotAt).toISOString(),
      startedAt: new Date(startedAt).toISOString(),
      finishedAt: new Date(this.now()).toISOString(),
      snapshots,
      database: { file: DATABASE_FILE, bytes: (await fsp.stat(dbFile)).size, sha256: await hashFile(dbFile) },
      blobs: { count: copied.size, bytes: [...copied.values()].reduce((a, b) => a + b, 0) },
      counts,
    }
    await writeFileDurably(path.join(dest, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n')
    await fsyncDir(dest)
    return manifest
  }

  /**
   * Restores the backup at `src` into `layout.dataDir`, which must be empty (or not exist). Every blob is hashed while
   * it is copied; the database goes in place last, so an interrupted restore never looks like an instance.
   */
  async restore(src: string, layout: EmbeddedLayout): Promise<RestoreResult> {
    src = path.resolve(src)
    const manifest = await readManifest(src)
    const srcDb = path.join(src, manifest.database.file)
    if (!fs.existsSync(srcDb)) throw new BackupError(`The backup has no database file ${srcDb}`, 'backup.source_invalid')
    const dbHash = await hashFile(srcDb)
    if (dbHash !== manifest.database.sha256) throw new BackupError(`The backup's database ${srcDb} does not match its manifest (sha256 ${dbHash}, expected ${manifest.database.sha256})`, 'backup.database_invalid')
    checkDatabase(srcDb)
    const wanted = referencedBlobs(srcDb, { readonly: true })
    if (wanted.size !== manifest.blobs.count) throw new BackupError(`The backup's database references ${wanted.size} blobs, its manifest says ${manifest.blobs.count}`, 'backup.source_invalid')

    await ensureEmptyDir(layout.dataDir, 'TROVE_DATA_DIR')
    const created: string[] = []
    const track = async (p: string) => {
      if (!fs.existsSync(p)) created.push(p)
    }
    await track(layout.blobsRoot)
    const partial = path.join(layout.dataDir, `${DATABASE_FILE}.partial`)
    created.push(partial)
    try {
      const from = new DiskBlobStore({ rootDir: path.join(src, 'blobs') })
      const to = new DiskBlobStore({ rootDir: layout.blobsRoot })
      let bytes = 0
      const missing: string[] = []
      await pool([...wanted], COPY_CONCURRENCY, async ([sha, size]) => {
        try {
          const n = await copyBlob(from, to, sha, size)
          bytes += n
        } catch (e) {
          if (e instanceof BlobNotFoundError) missing.push(sha)
          else throw e
        }
      })
      if (missing.length) throw new BackupError(`${missing.length} blob(s) are missing from the backup (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''})`, 'backup.blob_missing')
      await fsp.rm(path.join(layout.blobsRoot, 'staging'), { recursive: true, force: true })
      await fsp.copyFile(srcDb, partial)
      if ((await hashFile(partial)) !== manifest.database.sha256) throw new BackupError('The database changed while it was being copied', 'backup.database_invalid')
      await fsyncFile(partial)
      await fsp.rename(partial, layout.dbFile)
      await fsyncDir(path.dirname(layout.dbFile))
      return { manifest, dataDir: layout.dataDir, blobs: { count: wanted.size, bytes } }
    } catch (e) {
      // Leave the data directory as empty as we found it, so a second attempt is not refused.
      for (const p of created.reverse()) await fsp.rm(p, { recursive: true, force: true }).catch(() => undefined)
      throw e
    }
  }
}

// ---- helpers ---------------------------------------------------------------------------------------------------------

/** One backup step over every page: one read transaction on the source, so the copy is one consistent snapshot. */
async function snapshotDatabase(liveFile: string, destFile: string): Promise<void> {
  const live = new Database(liveFile, { fileMustExist: true })
  try {
    live.pragma('busy_timeout = 5000')
    await live.backup(destFile, { progress: () => 0x7fffffff })
  } finally {
    live.close()
  }
  // The copy is a self-contained file (no -wal beside it), checked before anything is read from it.
  const copy = new Database(destFile, { fileMustExist: true })
  try {
    copy.pragma('journal_mode = DELETE')
  } finally {
    copy.close()
  }
  checkDatabase(destFile)
}

function checkDatabase(file: string): void {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    const rows = db.pragma('quick_check') as { quick_check: string }[]
    if (rows.length !== 1 || rows[0].quick_check !== 'ok') throw new BackupError(`${file} fails SQLite's quick_check: ${rows.map((r) => r.quick_check).join('; ')}`, 'backup.database_invalid')
    if (!tableExists(db, 'blobs') || !tableExists(db, 'nodes')) throw new BackupError(`${file} is not a Trove database`, 'backup.database_invalid')
  } finally {
    db.close()
  }
}

function tableExists(db: Database.Database, name: string): boolean {
  return !!db.prepare(`select 1 from sqlite_master where type = 'table' and name = ?`).get(name)
}

/**
 * Every blob whose bytes the database needs: rows with references (ref_count > 0) and anything a file, an upload part
 * or an upload session names, with the size the blob row records (null when there is no row).
 */
function referencedBlobs(file: string, opts: { readonly?: boolean } = {}): Map<string, number | null> {
  const db = new Database(file, { readonly: !!opts.readonly, fileMustExist: true })
  try {
    const out = new Map<string, number | null>()
    const sizes = new Map<string, number>()
    for (const r of db.prepare('select sha256, size_bytes, ref_count from blobs').iterate() as Iterable<{ sha256: string; size_bytes: number; ref_count: number }>) {
      sizes.set(r.sha256, Number(r.size_bytes))
      if (Number(r.ref_count) > 0) out.set(r.sha256, Number(r.size_bytes))
    }
    for (const source of BLOB_REFERENCE_SOURCES) {
      if (!tableExists(db, source.table)) continue
      for (const r of db.prepare(referenceSelect(source)).iterate() as Iterable<{ sha: string }>) out.set(r.sha, sizes.get(r.sha) ?? null)
    }
    for (const sha of out.keys()) if (!isBlobKey(sha)) throw new BackupError(`The database names an invalid blob key ${JSON.stringify(sha)}`, 'backup.database_invalid')
    return out
  } finally {
    db.close()
  }
}

function instanceCounts(file: string): BackupManifest['counts'] {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    const n = (q: string) => Number((db.prepare(q).get() as { n: number }).n)
    return {
      libraries: n('select count(*) as n from libraries'),
      spaces: n('select count(*) as n from spaces'),
      folders: n(`select count(*) as n from nodes where kind = 'folder'`),
      files: n(`select count(*) as n from nodes where kind = 'file'`),
      binEntries: n(`select count(*) as n from recycle_entries where state = 'trashed'`),
      unfinishedTasks: n(`select count(*) as n from tasks where state = 'Running'`),
    }
  } finally {
    db.close()
  }
}

/**
 * Copies one blob between two disk stores through the destination's staging (hashed and fsynced on the way, then
 * published by hard link). Returns its size; throws BlobNotFoundError when the source has no such blob and
 * BackupError when its bytes do not hash to its name.
 */
async function copyBlob(from: DiskBlobStore, to: DiskBlobStore, sha: string, expectedSize: number | null): Promise<number> {
  const staged = await to.stage(await from.get(sha))
  try {
    if (staged.sha256 !== sha || (expectedSize !== null && staged.sizeBytes !== expectedSize)) {
      throw new BackupError(
        `blob ${sha} is damaged: its ${staged.sizeBytes} bytes hash to ${staged.sha256}${expectedSize !== null ? ` (${expectedSize} bytes expected)` : ''}; run bin/trove fsck`,
        'backup.blob_damaged',
      )
    }
    await to.publish(staged)
    return staged.sizeBytes
  } finally {
    await to.discard(staged)
  }
}

async function readManifest(src: string): Promise<BackupManifest> {
  let raw: string
  try {
    raw = await fsp.readFile(path.join(src, MANIFEST_FILE), 'utf8')
  } catch {
    throw new BackupError(`${src} is not a complete Trove backup: it has no ${MANIFEST_FILE}`, 'backup.source_invalid')
  }
  let m: BackupManifest
  try {
    m = JSON.parse(raw)
  } catch {
    throw new BackupError(`${path.join(src, MANIFEST_FILE)} is not valid JSON`, 'backup.source_invalid')
  }
  if (m?.format !== BACKUP_FORMAT || m.version !== BACKUP_VERSION || typeof m.database?.sha256 !== 'string' || typeof m.blobs?.count !== 'number') {
    throw new BackupError(`${path.join(src, MANIFEST_FILE)} is not a ${BACKUP_FORMAT} version ${BACKUP_VERSION} manifest`, 'backup.source_invalid')
  }
  if (m.database.file !== DATABASE_FILE) throw new BackupError(`unexpected database file ${JSON.stringify(m.database.file)} in the manifest`, 'backup.source_invalid')
  return m
}

async function ensureEmptyDir(dir: string, what: string): Promise<void> {
  let entries: string[]
  try {
    entries = await fsp.readdir(dir)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
    await fsp.mkdir(dir, { recursive: true })
    return
  }
  if (entries.length) throw new BackupError(`${what} ${dir} is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}); use an empty or new directory`, 'backup.destination_not_empty')
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(path.resolve(parent), path.resolve(child))
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

async function writeFileDurably(file: string, text: string): Promise<void> {
  const tmp = `${file}.partial`
  await fsp.writeFile(tmp, text)
  await fsyncFile(tmp)
  await fsp.rename(tmp, file)
}

async function fsyncFile(file: string): Promise<void> {
  const h = await fsp.open(file, 'r+')
  try {
    await h.sync()
  } finally {
    await h.close()
  }
}

async function fsyncDir(dir: string): Promise<void> {
  try {
    const h = await fsp.open(dir, 'r')
    try {
      await h.sync()
    } finally {
      await h.close()
    }
  } catch {
    // some platforms cannot fsync a directory
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Runs `fn` over `items`, `concurrency` at a time; the first error stops new work and is thrown once all have stopped. */
async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  let failure: { error: unknown } | null = null
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (!failure && next < items.length) {
        try {
          await fn(items[next++])
        } catch (error) {
          failure ??= { error }
        }
      }
    }),
  )
  if (failure) throw (failure as { error: unknown }).error
}
