import { createHash } from 'node:crypto'
import pg from 'pg'
import { PostgresDialect, sql, type DatabaseIntrospector, type Kysely, type PostgresDialectConfig, type TableMetadata } from 'kysely'
import { DomainError } from '../../shared/errors.ts'
import type { DialectKit } from './kit.ts'

// int8 columns (ids, bytes, epoch ms) stay below 2^53, so numbers are safe and keep one row type for both engines.
pg.types.setTypeParser(20, (v) => Number(v))

/**
 * Statements with more parameters are left unprepared: an IN list prepares one statement per length. 64 covers the
 * trash's closing writes (≈ 40 parameters in one statement).
 */
const MAX_PREPARED_PARAMS = 64
/** Distinct statements prepared per process (each connection keeps a plan per statement it has run). */
const MAX_PREPARED_STATEMENTS = 1000
const preparedNames = new Map<string, string>()

/** The server-side name of a statement: derived from its text, so every connection of every node agrees on it. */
function preparedName(text: string): string | null {
  let name = preparedNames.get(text)
  if (name === undefined) {
    if (preparedNames.size >= MAX_PREPARED_STATEMENTS) return null
    name = 'trove_' + createHash('sha256').update(text).digest('base64url').slice(0, 32)
    preparedNames.set(text, name)
  }
  return name
}

/**
 * A client whose parameterised statements are prepared on the server the first time a connection runs them, then
 * only bound and executed: parse and plan are paid once per connection, not per call (≈ 20 % of a trash on this
 * machine, where every statement is a round trip). Only statements that spell out their result columns: a `*` would
 * change shape when a migration adds a column, and PostgreSQL then refuses the prepared plan
 * ("cached plan must not change result type") on every node still running it.
 */
class PreparingClient extends pg.Client {
  override query(...args: unknown[]): never {
    const [text, values, ...rest] = args
    const name = typeof text === 'string' && Array.isArray(values) && values.length > 0 && values.length <= MAX_PREPARED_PARAMS && !text.includes('*') ? preparedName(text) : null
    const call = super.query as (...a: unknown[]) => never
    return name ? call.call(this, { name, text, values }, ...rest) : call.apply(this, args)
  }
}

/**
 * What Kysely's migrator asks the database (do its tables exist?), answered from our schema alone. Kysely's own
 * introspector reads every table with its columns in every schema of the database: a node's start-up memory grew with
 * everything else in a shared database (≈ 100 MiB more heap beside 700 other schemas), and a schema dropped during the
 * scan failed the migration.
 */
class OwnSchemaIntrospector implements DatabaseIntrospector {
  constructor(
    private readonly db: Kysely<any>,
    private readonly schema: string | undefined,
  ) {}

  async getSchemas(): Promise<{ name: string }[]> {
    return (await sql<{ name: string }>`select nspname as name from pg_namespace`.execute(this.db)).rows
  }

  async getTables(): Promise<TableMetadata[]> {
    const schema = this.schema === undefined ? sql`current_schema()` : sql`${this.schema}`
    const { rows } = await sql<{ name: string; schema: string; is_view: boolean }>`
      select c.relname as name, n.nspname as schema, c.relkind = 'v' as is_view
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${schema} and c.relkind in ('r', 'p', 'v')`.execute(this.db)
    return rows.map((r) => ({ name: r.name, schema: r.schema, isView: r.is_view, columns: [] }))
  }

  async getMetadata(): Promise<{ tables: TableMetadata[] }> {
    return { tables: await this.getTables() }
  }
}

class TrovePostgresDialect extends PostgresDialect {
  constructor(
    config: PostgresDialectConfig,
    private readonly schema: string | undefined,
  ) {
    super(config)
  }

  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new OwnSchemaIntrospector(db, this.schema)
  }
}

export function postgresKit(connectionString: string, opts: { schema?: string; max?: number; prepare?: boolean } = {}): DialectKit {
  const pool = new pg.Pool({
    connectionString,
    max: opts.max ?? 10,
    // Off for poolers that cannot carry prepared statements between connections (PgBouncer before 1.21 in transaction mode).
    ...(opts.prepare === false ? {} : { Client: PreparingClient }),
    // A per-run schema keeps test runs (and tenants of one cluster) apart.
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  })
  return {
    name: 'postgres',
    dialect: new TrovePostgresDialect({ pool }, opts.schema),
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
