// What the PostgreSQL benchmarks share: where the database is, whether it answers, and a fresh
// schema per run that is dropped afterwards, so a bench never reads an earlier run's rows.
import pg from 'pg'

/** The database the PostgreSQL benches use (trust auth on this project's machines and CI). */
export const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** Resolves to `true` when PostgreSQL answers at {@link PG_URL} within a few seconds. */
export async function pgAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

/** The line printed in place of a PostgreSQL figure when the database does not answer. */
export const PG_SKIPPED = `PostgreSQL not reachable at ${PG_URL.replace(/\/\/[^@]*@/, '//')}: PostgreSQL benches skipped`

let made = 0
/** A schema name no other run or process uses at the same time. */
export const freshSchema = (label: string) => `bench_${label}_${process.pid}_${made++}`

/** Drops `schema` and everything in it (the store creates it again on first use). */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL })
  client.on('error', () => {})
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  } finally {
    await client.end()
  }
}
