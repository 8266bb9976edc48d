import type { Db } from '../db/database.ts'
import type { Db005, Tables005 } from '../db/schema-005.ts'

/** The per-item result list of a finished batch task (JSON), kept beside the task row. */
export class TaskResultsRepository {
  private readonly db: Db005
  constructor(db: Db) {
    this.db = db.withTables<Tables005>()
  }

  async put(taskId: number, result: unknown[]): Promise<void> {
    const text = JSON.stringify(result)
    await this.db
      .insertInto('task_results')
      .values({ task_id: taskId, result: text })
      .onConflict((oc) => oc.column('task_id').doUpdateSet({ result: text }))
      .execute()
  }

  async get(taskId: number): Promise<unknown[] | null> {
    const row = await this.db.selectFrom('task_results').select('result').where('task_id', '=', taskId).executeTakeFirst()
    return row ? (JSON.parse(row.result) as unknown[]) : null
  }
}
