import type { PoolClient } from 'pg'
import { PostgresStoreError } from './errors'

/** One step of the schema's history. Steps run in order, each exactly once per schema. */
export interface Migration {
  /** 1, 2, 3…: the schema version once this step ran. */
  readonly version: number
  readonly description: string
  /** The statements, for the schema quoted as `s`; run inside the migrating transaction. */
  sql(s: string): string
}

/**
 * The schema, as the ordered list of steps that build it.
 *
 * - `accounts` holds what lists filter and order by in columns, the revoke claim in its own
 *   column (a claim rewrites it and the version only), and every other field as JSON. Generated
 *   columns lift the fields the background scans look for out of that JSON, so their partial
 *   indexes stay small: accounts with pending subjects, INITIATED accounts (their link expiry
 *   lives in the pending authorization, a secret the store cannot read), ACTIVE accounts by when
 *   their tokens were obtained.
 * - `secrets` holds the credentials and the pending authorization, one row per account, written
 *   only when they change. PostgreSQL writes a new row version on every UPDATE, so keeping them
 *   out of `accounts` means the many claim and status writes never copy a token into another
 *   row version.
 * - `events` is the audit trail, append-only, in the order written.
 *
 * Text columns use the `C` collation (byte order): for the ASCII ids and ISO 8601 timestamps
 * revokit writes, that is the order of JS string comparison that `memoryStore` lists in, whatever
 * the database's default collation. `json` (not `jsonb`) keeps values exactly as written,
 * including `\u0000` inside strings, which `jsonb` refuses.
 *
 * @see https://www.postgresql.org/docs/current/ddl-generated-columns.html
 * @see https://www.postgresql.org/docs/current/indexes-partial.html
 * @see https://www.postgresql.org/docs/current/collation.html
 * @see https://www.postgresql.org/docs/current/datatype-json.html
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'accounts, secrets, audit events',
    sql: (s) => `
      CREATE TABLE ${s}.accounts (
        id         text    COLLATE "C" PRIMARY KEY,
        project_id text    COLLATE "C" NOT NULL,
        user_id    text    COLLATE "C" NOT NULL,
        toolkit    text    COLLATE "C" NOT NULL,
        status     text    COLLATE "C" NOT NULL,
        created_at text    COLLATE "C" NOT NULL,
        version    integer NOT NULL,
        claim      json,
        data       json    NOT NULL,
        updated_at text    COLLATE "C" GENERATED ALWAYS AS (data ->> 'updatedAt') STORED,
        pending    boolean GENERATED ALWAYS AS (coalesce(json_array_length(data -> 'pendingSubjects') > 0, false)) STORED,
        tokens_obtained_at numeric GENERATED ALWAYS AS ((data ->> 'tokensObtainedAt')::numeric) STORED
      );
      CREATE INDEX accounts_by_created ON ${s}.accounts (created_at, id);
      CREATE INDEX accounts_by_project ON ${s}.accounts (project_id, created_at, id);
      CREATE INDEX accounts_by_user    ON ${s}.accounts (user_id, created_at, id);
      CREATE INDEX accounts_by_toolkit ON ${s}.accounts (toolkit, created_at, id);
      CREATE INDEX accounts_by_status  ON ${s}.accounts (status, created_at, id);
      CREATE INDEX accounts_pending    ON ${s}.accounts (updated_at, id) WHERE pending;
      CREATE INDEX accounts_initiated  ON ${s}.accounts (created_at, id) WHERE status = 'INITIATED';
      CREATE INDEX accounts_active_by_tokens_age ON ${s}.accounts (tokens_obtained_at, id) WHERE status = 'ACTIVE';

      CREATE TABLE ${s}.secrets (
        account_id      text COLLATE "C" PRIMARY KEY REFERENCES ${s}.accounts (id) ON DELETE CASCADE,
        credentials     json,
        "authorization" json
      );
      -- Dead row versions here hold dead tokens: have autovacuum reclaim them soon, not at 20%.
      ALTER TABLE ${s}.secrets SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 100);

      CREATE TABLE ${s}.events (
        seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        account_id text   COLLATE "C" NOT NULL,
        project_id text   COLLATE "C" NOT NULL,
        type       text   COLLATE "C" NOT NULL,
        at         text   COLLATE "C" NOT NULL,
        data       json   NOT NULL
      );
      CREATE INDEX events_by_account ON ${s}.events (account_id, seq);
      CREATE INDEX events_by_project ON ${s}.events (project_id, seq);
    `,
  },
]

/** Keys `pg_advisory_xact_lock(LOCK_CLASS, hashtext(schema))`: 'revk' as an int4. */
const LOCK_CLASS = 0x7265766b

/**
 * Brings `schema` to the latest version, creating it if needed. Every step, and the check of
 * what already ran, happens in one transaction under a transaction-level advisory lock on the
 * schema's name, so instances starting together migrate one after another: the first creates
 * the tables, the others find them there. A schema migrated by a newer version is refused.
 *
 * @see https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS
 * @see https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADVISORY-LOCKS
 */
export async function migrate(
  client: PoolClient,
  schema: string,
  quoted: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<void> {
  await client.query('BEGIN')
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, schema])
    // Only when missing: CREATE SCHEMA needs the CREATE privilege on the database even with
    // IF NOT EXISTS, which a role given an existing schema may lack.
    const found = await client.query('SELECT to_regnamespace($1) IS NOT NULL AS found', [quoted])
    if (!found.rows[0]?.found) await client.query(`CREATE SCHEMA ${quoted}`)
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${quoted}.schema_migrations (
         version     integer PRIMARY KEY,
         description text NOT NULL,
         applied_at  timestamptz NOT NULL DEFAULT now()
       )`,
    )
    const { rows } = await client.query<{ version: number | null }>(
      `SELECT max(version) AS version FROM ${quoted}.schema_migrations`,
    )
    const current = rows[0]?.version ?? 0
    const latest = migrations.at(-1)?.version ?? 0
    if (current > latest) {
      throw new PostgresStoreError(
        'schema_too_new',
        schema,
        `postgresStore(${schema}): the schema is at version ${current}, newer than this @revokit/store-postgres knows (${latest}); upgrade the package on every instance, or use another schema.`,
      )
    }
    for (const migration of migrations) {
      if (migration.version <= current) continue
      await client.query(migration.sql(quoted))
      await client.query(`INSERT INTO ${quoted}.schema_migrations (version, description) VALUES ($1, $2)`, [
        migration.version,
        migration.description,
      ])
    }
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  }
}
