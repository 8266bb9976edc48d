import { BinWritesRepository } from '../trash/bin-writes.repository.ts'
import type { Database, Db } from './database.ts'
import { LibrariesRepository } from '../libraries/libraries.repository.ts'
import { SpacesRepository } from '../spaces/spaces.repository.ts'
import { UsersRepository } from '../users/users.repository.ts'
import { NodesRepository } from '../nodes/nodes.repository.ts'
import { BlobsRepository } from '../blobs/blobs.repository.ts'
import { TrashRepository } from '../trash/trash.repository.ts'
import { TasksRepository } from '../tasks/tasks.repository.ts'
import { AuditRepository } from '../audit/audit.repository.ts'
import { AlbumsRepository } from '../albums/albums.repository.ts'
import { UploadSessionsRepository } from '../uploads/upload-sessions.repository.ts'
import { BlobChecksumsRepository } from '../blobs/blob-checksums.repository.ts'
import { SharedSecretRepository } from '../signing/shared-secret.repository.ts'
import { TaskResultsRepository } from '../tasks/task-results.repository.ts'
import { NodeQueriesRepository } from '../nodes/node-queries.repository.ts'
import { SpaceDeletionRepository } from '../spaces/space-deletion.repository.ts'
import { PartUploadsRepository } from '../uploads/part-uploads.repository.ts'
import { MultipartUploadsRepository } from '../uploads/multipart-uploads.repository.ts'
import { NodeFinderRepository } from '../nodes/node-finder.repository.ts'
import { NodeDescriptionsRepository } from '../nodes/node-descriptions.repository.ts'
import { isDomainError } from '../shared/errors.ts'

/** Every repository bound to one connection or transaction. */
export class Repos {
  readonly libraries: LibrariesRepository
  readonly spaces: SpacesRepository
  readonly users: UsersRepository
  readonly nodes: NodesRepository
  readonly blobs: BlobsRepository
  readonly trash: TrashRepository
  readonly tasks: TasksRepository
  readonly audit: AuditRepository
  readonly albums: AlbumsRepository
  readonly multipartUploads: MultipartUploadsRepository
  readonly nodeFinder: NodeFinderRepository
  readonly nodeDescriptions: NodeDescriptionsRepository
  readonly uploadSessions: UploadSessionsRepository
  readonly blobChecksums: BlobChecksumsRepository
  readonly sharedSecret: SharedSecretRepository
  readonly taskResults: TaskResultsRepository
  readonly nodeQueries: NodeQueriesRepository
  readonly spaceDeletion: SpaceDeletionRepository
  readonly partUploads: PartUploadsRepository
  readonly binWrites: BinWritesRepository

  constructor(db: Db, database: Database) {
    this.libraries = new LibrariesRepository(db)
    this.spaces = new SpacesRepository(db, database.kit)
    this.users = new UsersRepository(db)
    this.nodes = new NodesRepository(db)
    this.blobs = new BlobsRepository(db)
    this.trash = new TrashRepository(db)
    this.tasks = new TasksRepository(db, database.kit)
    this.audit = new AuditRepository(db)
    this.albums = new AlbumsRepository(db)
    this.multipartUploads = new MultipartUploadsRepository(db)
    this.nodeFinder = new NodeFinderRepository(db)
    this.nodeDescriptions = new NodeDescriptionsRepository(db)
    this.uploadSessions = new UploadSessionsRepository(db)
    this.blobChecksums = new BlobChecksumsRepository(db)
    this.sharedSecret = new SharedSecretRepository(db)
    this.taskResults = new TaskResultsRepository(db)
    this.nodeQueries = new NodeQueriesRepository(db)
    this.spaceDeletion = new SpaceDeletionRepository(db)
    this.partUploads = new PartUploadsRepository(db)
    this.binWrites = new BinWritesRepository(db, database.kit)
  }
}

/** A savepoint scope inside a batch transaction: work in it either all happens or none of it does. */
export type Attempt = <T>(fn: () => Promise<T>) => Promise<{ ok: true; value: T } | { ok: false; error: unknown }>

/**
 * The unit of work services see: repositories outside a transaction, or bound to one.
 * Services never touch Kysely; this is where transactions begin and end.
 */
export class Store {
  readonly repos: Repos

  constructor(readonly database: Database) {
    this.repos = new Repos(database.db, database)
  }

  async transaction<T>(fn: (r: Repos) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.database.db.transaction().execute((trx) => fn(new Repos(trx, this.database)))
      } catch (e) {
        // A deadlock or serialisation failure rolled everything back: run the whole unit again, a few times.
        if (attempt < 4 && this.database.kit.isRetryable(e)) {
          await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 20))
          continue
        }
        throw this.translate(e)
      }
    }
  }

  /**
   * One transaction with a savepoint per item, so one item's failure undoes only its own writes.
   * With `rollback`, everything is undone at the end: a dry run sees exactly what the real run would do.
   * With `savepoints: false` (a batch of one item whose other work only reads) a failed item rolls the whole transaction
   * back instead: the same outcome, two round trips fewer.
   */
  async batch<T>(fn: (r: Repos, attempt: Attempt) => Promise<T>, opts: { rollback: boolean; savepoints?: boolean }): Promise<T> {
    const trx = await this.database.db.startTransaction().execute()
    // Savepoint names are dynamic here; Kysely's typing wants them known statically.
    const sp = trx as unknown as Record<'savepoint' | 'releaseSavepoint' | 'rollbackToSavepoint', (name: string) => { execute(): Promise<unknown> }>
    let n = 0
    let failed = false
    const attempt: Attempt = async (work) => {
      if (opts.savepoints === false) {
        try {
          return { ok: true, value: await work() }
        } catch (error) {
          failed = true
          return { ok: false, error: this.translate(error) }
        }
      }
      const name = `sp${++n}`
      await sp.savepoint(name).execute()
      try {
        const value = await work()
        await sp.releaseSavepoint(name).execute()
        return { ok: true, value }
      } catch (error) {
        await sp.rollbackToSavepoint(name).execute()
        return { ok: false, error: this.translate(error) }
      }
    }
    try {
      const result = await fn(new Repos(trx, this.database), attempt)
      if (opts.rollback || failed) await trx.rollback().execute()
      else await trx.commit().execute()
      return result
    } catch (e) {
      await trx.rollback().execute().catch(() => undefined)
      throw this.translate(e)
    }
  }

  private translate(e: unknown): unknown {
    if (isDomainError(e)) return e
    return this.database.kit.translateError(e) ?? e
  }

  isUniqueViolation(e: unknown): boolean {
    return this.database.kit.isUniqueViolation(e)
  }
}

