import fs from 'node:fs'
import path from 'node:path'
import type { Config } from '../config/load-config.ts'
import { openDatabase, migrate, type Database } from '../db/database.ts'
import { sqliteKit } from '../db/dialects/sqlite.ts'
import { Store } from '../db/store.ts'
import { systemClock, type Clock } from '../shared/clock.ts'
import { DiskBlobStore } from '../blobs/disk-blob-store.ts'
import type { BlobStore } from '../blobs/blob-store.ts'
import { BlobGarbageCollector } from '../blobs/blob-gc.ts'
import { SpacesService } from '../spaces/spaces.service.ts'
import { LibrariesService } from '../libraries/libraries.service.ts'
import { AuthService } from '../users/auth.service.ts'
import { NodesService } from '../nodes/nodes.service.ts'
import { TrashService, RETENTION_TASK_KIND } from '../trash/trash.service.ts'
import { TrashPurger, type PurgeSettings } from '../trash/purge.ts'
import { PURGE_TASK_KIND } from '../trash/trash-ops.ts'
import { TasksService } from '../tasks/tasks.service.ts'
import { TaskRunner } from '../tasks/task-runner.ts'
import { AuditService } from '../audit/audit.service.ts'
import { AlbumsService } from '../albums/albums.service.ts'
import { Metrics, countingBlobStore } from './metrics.ts'
import { MultipartUploadsService } from '../uploads/multipart-uploads.service.ts'
import { NodeFinderService } from '../nodes/node-finder.service.ts'
import { NodeDescriptionsService } from '../nodes/node-descriptions.service.ts'
import { BinClearService } from '../trash/bin-clear.service.ts'
import { UrlSigner } from '../signing/url-signer.ts'
import { UploadSessionsService } from '../uploads/upload-sessions.service.ts'
import { TrashBatchService, TRASH_BATCH_TASK_KIND, RESTORE_BATCH_TASK_KIND } from '../trash/trash-batch.service.ts'
import { NodeQueriesService } from '../nodes/node-queries.service.ts'
import { SpaceDeletionService } from '../spaces/space-deletion.service.ts'
import { PartUploadsService } from '../uploads/part-uploads.service.ts'
import { FsckService, stagingDirOf } from '../fsck/fsck.service.ts'
import { SessionsRepository } from '../sessions/sessions.repository.ts'
import { SessionsService } from '../sessions/sessions.service.ts'
import { SignInThrottle } from '../users/sign-in-throttle.ts'
import { SignInThrottleRepository } from '../users/sign-in-throttle.repository.ts'
import { ThumbnailsService } from '../thumbnails/thumbnails.service.ts'

export interface ContainerOptions {
  clock?: Clock
  database?: Database
  blobs?: BlobStore
  purge?: PurgeSettings
  log?: (msg: string, extra?: Record<string, unknown>) => void
}

/** The composition root: the only place that knows every concrete class. */
export async function buildContainer(cfg: Config, opts: ContainerOptions = {}) {
  fs.mkdirSync(cfg.dataDir, { recursive: true })
  const clock = opts.clock ?? (cfg.clockOffsetMs ? { now: () => Date.now() + cfg.clockOffsetMs } : systemClock)
  const database = opts.database ?? openDatabase(await dialectKitFor(cfg))
  await migrate(database)
  const store = new Store(database)
  const metrics = new Metrics(() => store.repos.tasks.queueStats(clock.now()))
  const blobs = countingBlobStore(opts.blobs ?? (await makeBlobStore(cfg, clock)), metrics)
  const runner = new TaskRunner({ store, clock, log: opts.log }, { leaseMs: cfg.jobs.leaseMs, pollMs: cfg.jobs.pollMs })
  const gc = new BlobGarbageCollector({ store, blobs, clock })
  const spaces = new SpacesService({ store, clock })
  const libraries = new LibrariesService({ store, clock, spaces })
  const auth = new AuthService({ store, clock })
  const nodes = new NodesService({ store, clock, blobs, spaces, gc })
  const trash = new TrashService({ store, clock, spaces, nodes, tasks: runner })
  const tasks = new TasksService({ store, clock })
  const audit = new AuditService({ store, spaces })
  const albums = new AlbumsService({ store, clock, spaces })
  const purger = new TrashPurger({ store, clock, gc, settings: opts.purge ?? cfg.purge, onPurged: (n) => metrics.purgedEntries.inc(n) })

  runner.register(PURGE_TASK_KIND, (task, ctx) => purger.run(task.id, ctx))
  runner.register(RETENTION_TASK_KIND, (task, ctx) => purger.runRetention(task.id, ctx, Number(task.payload.asOf ?? clock.now())))
  const multipartUploads = new MultipartUploadsService({ store, clock, blobs, gc, spaces, nodes })
  const nodeFinder = new NodeFinderService({ store, spaces })
  const nodeDescriptions = new NodeDescriptionsService({ store, clock, spaces, nodes })
  const binClear = new BinClearService({ store, clock, spaces, tasks: runner })
  const signer = new UrlSigner({ store, clock })
  const partUploads = new PartUploadsService({ store, clock, blobs, gc, spaces, nodes, signer })
  const uploads = new UploadSessionsService({ store, clock, blobs, gc, spaces, nodes })
  const trashBatches = new TrashBatchService({ store, clock, spaces, nodes, trash, tasks, runner })
  const nodeQueries = new NodeQueriesService({ store, clock, blobs, spaces, nodes, trash })
  const spaceDeletion = new SpaceDeletionService({ store, clock, spaces, gc })
  runner.register(TRASH_BATCH_TASK_KIND, (task) => trashBatches.runTrashTask(task.id, task.payload))
  runner.register(RESTORE_BATCH_TASK_KIND, (task) => trashBatches.runRestoreTask(task.id, task.payload))
  const fsck = new FsckService({ store, blobs, clock, kinds: runner.kinds(), stagingDir: stagingDirOf(cfg.blobs) })
  // Web UI: sign-in sessions (in the database, so every API node accepts the cookie) and an on-disk thumbnail cache.
  // Password sign-in limits (web and `trove login` alike), counted in the database so they hold on every API node.
  const signInThrottle = new SignInThrottle({ repo: new SignInThrottleRepository(database.db), clock })
  const sessions = new SessionsService({ sessions: new SessionsRepository(database.db), auth, throttle: signInThrottle, clock })
  const thumbnails = new ThumbnailsService({ nodes, cacheDir: path.join(cfg.dataDir, 'thumbnails') })

  return {
    config: cfg,
    clock,
    database,
    store,
    blobs,
    metrics,
    gc,
    runner,
    spaces,
    libraries,
    auth,
    nodes,
    trash,
    tasks,
    audit,
    albums,
    multipartUploads,
    nodeFinder,
    nodeDescriptions,
    binClear,
    signer,
    uploads,
    trashBatches,
    nodeQueries,
    spaceDeletion,
    partUploads,
    fsck,
    sessions,
    signInThrottle,
    thumbnails,
    async close() {
      await runner.stop()
      await database.db.destroy()
    },
  }
}

// The PostgreSQL driver and the AWS SDK are loaded only when configured: together they hold tens of MiB that the
// embedded default never uses.
async function dialectKitFor(cfg: Config) {
  if (cfg.db.kind !== 'postgres') return sqliteKit(cfg.db.file)
  const { postgresKit } = await import('../db/dialects/postgres.ts')
  return postgresKit(cfg.db.url, { schema: cfg.db.schema ?? undefined, max: cfg.db.poolSize, prepare: cfg.db.preparedStatements })
}

async function makeBlobStore(cfg: Config, clock: Clock): Promise<BlobStore> {
  if (cfg.blobs.kind === 'disk') return new DiskBlobStore({ rootDir: cfg.blobs.rootDir, now: () => clock.now() })
  const b = cfg.blobs
  const { S3BlobStore, s3ClientFromConfig } = await import('../blobs/s3-blob-store.ts')
  return new S3BlobStore({ client: s3ClientFromConfig(b), bucket: b.bucket, prefix: b.prefix, stagingDir: b.stagingDir, now: () => clock.now() })
}

export type Container = Awaited<ReturnType<typeof buildContainer>>
