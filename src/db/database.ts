import { Kysely, Migrator, type Migration, type MigrationProvider } from 'kysely'
import type { DB } from './schema.ts'
import type { DialectKit } from './dialects/kit.ts'
import * as m001 from './migrations/001-initial.ts'
import * as m002 from './migrations/002-albums.ts'
import * as m003 from './migrations/003-pds.ts'
import * as m004 from './migrations/004-koodrive.ts'
import * as m005 from './migrations/005-smh.ts'
import * as m006 from './migrations/006-sessions.ts'
import * as m007 from './migrations/007-part-blobs.ts'
import * as m008 from './migrations/008-sign-in-throttle.ts'
import * as m009 from './migrations/009-bin-partial-indexes.ts'

export type Db = Kysely<DB>

export interface Database {
  db: Db
  kit: DialectKit
}

/** Migrations in code, in order. Each receives the kit so it can branch on the engine in one place. */
const MIGRATIONS: Record<string, { up: (db: Kysely<any>, kit: DialectKit) => Promise<void> }> = {
  '001-initial': m001,
  '002-albums': m002,
  '003-pds': m003,
  '004-koodrive': m004,
  '005-smh': m005,
  '006-sessions': m006,
  '007-part-blobs': m007,
  '008-sign-in-throttle': m008,
  '009-bin-partial-indexes': m009,
}
export const SCHEMA_VERSION = Object.keys(MIGRATIONS).at(-1)!

export function openDatabase(kit: DialectKit): Database {
  return { db: new Kysely<DB>({ dialect: kit.dialect }), kit }
}

export async function migrate(database: Database): Promise<void> {
  const provider: MigrationProvider = {
    async getMigrations() {
      const out: Record<string, Migration> = {}
      for (const [name, m] of Object.entries(MIGRATIONS)) out[name] = { up: (db) => m.up(db, database.kit) }
      return out
    },
  }
  await database.kit.prepare?.(database.db)
  await refuseNewerSchema(database)
  const migrator = new Migrator({ db: database.db, provider, migrationTableSchema: database.kit.migrationSchema, allowUnorderedMigrations: true })
  const { error, results } = await migrator.migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName
    throw new Error(`Database migration ${failed ?? ''} failed: ${(error as Error).message}`, { cause: error })
  }
}

/** A node must never run against a schema written by a newer build: it would misread what it does not know. */
async function refuseNewerSchema(database: Database): Promise<void> {
  const table = database.kit.migrationSchema ? `${database.kit.migrationSchema}.kysely_migration` : 'kysely_migration'
  const applied = await database.db
    .selectFrom(table as never)
    .select('name' as never)
    .execute()
    .catch(() => [] as { name: string }[])
  const unknown = (applied as { name: string }[]).map((r) => r.name).filter((n) => !(n in MIGRATIONS))
  if (unknown.length) {
    throw new Error(`The database schema is newer than this Trove build knows (unknown migrations: ${unknown.join(', ')}); upgrade Trove before starting it on this database`)
  }
}
