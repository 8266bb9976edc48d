// Drops the PostgreSQL schemas a test run created (prefix t_<run>_), once every test file has finished.
import pg from 'pg'

const run = process.env.TROVE_TEST_RUN
if (!run || !/^[a-z0-9]+$/.test(run)) throw new Error('TROVE_TEST_RUN must be set to the run id')
const client = new pg.Client({ connectionString: process.env.TROVE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' })
await client.connect()
try {
  const { rows } = await client.query<{ nspname: string }>(`select nspname from pg_namespace where nspname like $1`, [`t\\_${run}\\_%`])
  for (const { nspname } of rows) await client.query(`drop schema if exists "${nspname}" cascade`)
  console.error(`dropped ${rows.length} test schemas`)
} finally {
  await client.end()
}
