import Database from 'better-sqlite3'
import { CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver, type DatabaseConnection, type DialectAdapter, type Driver } from 'kysely'
import { DomainError } from '../../shared/errors.ts'
import type { DialectKit } from './kit.ts'

/**
 * Transactions take the write lock when they begin (BEGIN IMMEDIATE). A deferred transaction that reads and then
 * writes fails at once with SQLITE_BUSY when another process (the CLI beside a server) committed in between; the busy
 * timeout only covers waiting for the lock, so the lock is taken first and waited for.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}

/** SQLite runs DDL in transactions; saying so makes Kysely's migrator run in one, so two processes migrating a fresh
 *  data dir take turns instead of both creating the same tables. */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true
  }
}

class TroveSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0]
  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config)
    this.#config = config
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config)
  }
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter()
  }
}

export function sqliteKit(file: string): DialectKit {
  const database = new Database(file)
  // WAL lets readers proceed during writes; FULL sync makes every acknowledged commit survive power loss too.
  database.pragma('journal_mode = WAL')
  database.pragma('synchronous = FULL')
  database.pragma('foreign_keys = ON')
  // The CLI may write while a server runs: wait instead of failing at once.
  database.pragma('busy_timeout = 30000')
  // SQLite's lower() folds ASCII only; case-insensitive search must fold `Ü` like PostgreSQL does.
  database.function('lower', { deterministic: true }, (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v))
  return {
    name: 'sqlite',
    dialect: new TroveSqliteDialect({ database }),
    capabilities: { skipLocked: false, concurrentWriters: false, writableCtes: false },
    idColumn: { type: 'integer', build: (c) => c.primaryKey().autoIncrement() },
    isRetryable: () => false,
    isUniqueViolation: (e) => (e as { code?: string })?.code === 'SQLITE_CONSTRAINT_UNIQUE' || (e as { code?: string })?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY',
    translateError(e) {
      const code = (e as { code?: string })?.code
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
        return new DomainError('service.busy', 'The database is busy; try again shortly', {}, { cause: e })
      }
      return null
    },
  }
}
