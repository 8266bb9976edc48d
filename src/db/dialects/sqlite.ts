import Database from 'better-sqlite3'
import { SqliteDialect } from 'kysely'
import { DomainError } from '../../shared/errors.ts'
import type { DialectKit } from './kit.ts'

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
    dialect: new SqliteDialect({ database }),
    capabilities: { skipLocked: false, concurrentWriters: false },
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
