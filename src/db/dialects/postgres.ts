import pg from 'pg'
import { PostgresDialect, sql } from 'kysely'
import { DomainError } from '../../shared/errors.ts'
import type { DialectKit } from './kit.ts'

// int8 columns (ids, bytes, epoch ms) stay below 2^53, so numbers are safe and keep one row type for both engines.
pg.types.setTypeParser(20, (v) => Number(v))

export function postgresKit(connectionString: string, opts: { schema?: string; max?: number } = {}): DialectKit {
  const pool = new pg.Pool({
    connectionString,
    max: opts.max ?? 10,
    // A per-run schema keeps test runs (and tenants of one cluster) apart.
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  })
  return {
    name: 'postgres',
    dialect: new PostgresDialect({ pool }),
    capabilities: { skipLocked: true, concurrentWriters: true, writableCtes: true },
    idColumn: { type: 'bigserial', build: (c) => c.primaryKey() },
    // Kysely looks for its migration tables across all schemas unless told which one is ours.
    migrationSchema: opts.schema,
    async prepare(db) {
      if (opts.schema) await sql`create schema if not exists ${sql.id(opts.schema)}`.execute(db)
    },
    isRetryable: (e) => ['40001', '40P01'].includes((e as { code?: string })?.code ?? ''),
    isUniqueViolation: (e) => (e as { code?: string })?.code === '23505',
    translateError(e) {
      const code = (e as { code?: string })?.code
      if (code === '40001' || code === '40P01' || code === '53300') {
        return new DomainError('service.busy', 'The database is busy; try again shortly', {}, { cause: e })
      }
      return null
    },
  }
}
