import type { Db } from '../db/database.ts'

export interface Library {
  id: string
  name: string
  multiSpace: boolean
  secretHash: string
  createdAt: number
}

export class LibrariesRepository {
  constructor(private readonly db: Db) {}

  async insert(lib: Library): Promise<void> {
    await this.db
      .insertInto('libraries')
      .values({ id: lib.id, name: lib.name, secret_hash: lib.secretHash, multi_space: lib.multiSpace ? 1 : 0, created_at: lib.createdAt })
      .execute()
  }

  async find(id: string): Promise<Library | undefined> {
    const row = await this.db.selectFrom('libraries').selectAll().where('id', '=', id).executeTakeFirst()
    return row && { id: row.id, name: row.name, multiSpace: row.multi_space === 1, secretHash: row.secret_hash, createdAt: row.created_at }
  }

  async count(): Promise<number> {
    const row = await this.db.selectFrom('libraries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    return Number(row.n)
  }

  async first(): Promise<Library | undefined> {
    const row = await this.db.selectFrom('libraries').select('id').orderBy('created_at').limit(1).executeTakeFirst()
    return row ? this.find(row.id) : undefined
  }
}
