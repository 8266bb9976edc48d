import type { ColumnDefinitionBuilder, Dialect, Kysely } from 'kysely'
import type { DomainError } from '../../shared/errors.ts'

/**
 * The one seam between SQL engines. Repositories ask the kit, never `if (postgres)`.
 */
export interface DialectKit {
  name: 'sqlite' | 'postgres'
  dialect: Dialect
  capabilities: {
    /** Row locks with SKIP LOCKED exist (PostgreSQL); SQLite has one writer, so a plain UPDATE is already exclusive. */
    skipLocked: boolean
    /** Several processes may write at once. */
    concurrentWriters: boolean
    /** INSERT/UPDATE/DELETE inside WITH (PostgreSQL): several writes in one statement, one round trip. */
    writableCtes: boolean
  }
  /** Column type and constraints for an auto-increment 64-bit primary key. */
  idColumn: { type: 'integer' | 'bigserial'; build: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder }
  /** Maps engine errors (unique violation, busy) to domain errors; returns null for anything else. */
  translateError(e: unknown): DomainError | null
  /** Schema holding Kysely's migration tables when not the default (PostgreSQL with TROVE_DATABASE_SCHEMA). */
  migrationSchema?: string
  /** Runs before migrations (e.g. creating the configured PostgreSQL schema). */
  prepare?(db: Kysely<any>): Promise<void>
  /** True for failures that a fresh attempt of the whole transaction may not hit (deadlock, serialisation). */
  isRetryable(e: unknown): boolean
  /** True when the error is a unique-constraint violation. */
  isUniqueViolation(e: unknown): boolean
}
