// For tests on PostgreSQL, in every package that has them: where the test database is, one gate
// that skips their suites (with a reason) on a machine without PostgreSQL and fails them on CI,
// and a schema per test file, dropped afterwards.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, describe } from 'vitest'

/**
 * The database the tests use: `REVOKIT_TEST_DATABASE_URL`, or the PostgreSQL every machine of this
 * project runs (127.0.0.1:5432, trust auth, user `postgres`, database `test`).
 */
export const TEST_DATABASE_URL =
  process.env.REVOKIT_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'

/** What to do when PostgreSQL is or is not reachable. */
export type Availability = { run: true } | { run: false; message: string }

/**
 * Whether the PostgreSQL suites run. Unreachable means skipped, with a message saying why and
 * how to run them, except on CI (`CI=true`, `CI=1`), where a missing PostgreSQL must fail the run rather
 * than let skipped suites pass as green: this throws there.
 */
export function availability(
  failure: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Availability {
  if (failure === undefined) return { run: true }
  const where = `PostgreSQL at ${redactUrl(TEST_DATABASE_URL)} is unreachable (${failure})`
  if (onCi(env)) {
    throw new Error(
      `${where}; CI must run the PostgreSQL suites: start PostgreSQL before the tests, or point REVOKIT_TEST_DATABASE_URL at one.`,
    )
  }
  return {
    run: false,
    message: `${where}: skipping the PostgreSQL suites. Start PostgreSQL (trust auth, database "test") or set REVOKIT_TEST_DATABASE_URL to run them.`,
  }
}

/** `CI` set to anything but empty, `0` or `false`: `CI=true` on hosted runners, `CI=1` in `.ci/run`. */
function onCi(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env.CI?.trim().toLowerCase()
  return value !== undefined && value !== '' && value !== '0' && value !== 'false'
}

/** The URL without its password, for messages. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'REVOKIT_TEST_DATABASE_URL'
  }
}

/** Why `url` cannot be queried, or `undefined` when it can. */
export async function probe(url: string = TEST_DATABASE_URL): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query('SELECT 1')
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error)
  } finally {
    await client.end().catch(() => {})
  }
}

let probed: Promise<Availability> | undefined
/** {@link availability} of the test database, probed once per test file. */
export function postgresAvailability(): Promise<Availability> {
  probed ??= probe().then((failure) => availability(failure))
  return probed
}

/**
 * `describe`, when PostgreSQL is reachable; otherwise a skipped suite and one line saying why
 * (and on CI, a failure: see {@link availability}). Use from a test file's top level.
 */
export async function describePostgres(name: string, body: () => void): Promise<void> {
  const state = await postgresAvailability()
  if (state.run) describe(name, body)
  else {
    console.warn(state.message)
    describe.skip(name, body)
  }
}

/** A fresh schema name, unique to this run: `revokit_test_<random>`. */
export function newSchemaName(): string {
  return `revokit_test_${randomBytes(6).toString('hex')}`
}

/**
 * Schema names for this test file, each dropped (with everything in it) after the file's tests.
 */
export function testSchemas() {
  const made: string[] = []
  afterAll(async () => {
    if (made.length === 0) return
    await dropSchemas(made.splice(0))
  })
  return () => {
    const name = newSchemaName()
    made.push(name)
    return name
  }
}

/** Drops the schemas and everything in them. */
export async function dropSchemas(names: readonly string[]): Promise<void> {
  await withClient(async (client) => {
    for (const name of names) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`)
  })
}

/** Runs `body` on a plain connection to the test database, as another program would. */
export async function withClient<T>(body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL })
  client.on('error', () => {})
  await client.connect()
  try {
    return await body(client)
  } finally {
    await client.end()
  }
}
