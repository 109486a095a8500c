import pg from 'pg';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

const include = ['src/**/*.test.ts', 'test/**/*.test.ts'];
/** Suites about PostgreSQL itself (its driver, several nodes on one database): the postgres project only. */
const postgresOnly = ['src/store/dialects/postgres.test.ts', 'test/multi-node.test.ts'];
/** Suites that touch no store (the pure protocol layers, the layering check): once, in the sqlite project. */
const storeFree = [
  'src/scim/**',
  'src/saml/**',
  'src/html/**',
  'test/architecture.test.ts',
  'src/directory/password-hash.test.ts',
  'src/directory/secret-hash.test.ts',
  'src/directory/clock.test.ts',
  'src/memory-bounds.test.ts',
  'src/store/dialects/sqlite-checkpointer.test.ts',
  'src/oidc/secret-box.test.ts',
  'src/secret-key.test.ts',
  'src/config.test.ts',
  'src/directory/verified-tokens.test.ts',
];
/**
 * Once, on SQLite: the browser suites (Chromium against a running rollcall), to keep CI fast, and
 * the checks of SQLite's own query plans (PostgreSQL plans from statistics it measures).
 */
const sqliteOnly = [
  'test/console/console-browser.test.ts',
  'test/sso/sso-browser.test.ts',
  'src/store/migrations/0004-performance.test.ts',
];
/**
 * The secret key every `rollcall start` a test spawns gets (PostgreSQL requires one, and the nodes of
 * one test share it). A test about the key itself passes its own environment.
 */
const testSecretKey = Buffer.from("rollcall tests' secret key: not a secret!").toString('base64');
const databaseUrl = process.env.ROLLCALL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Test schemas are named rc_test_{pid}_…; a run that was killed leaves its own behind. */
async function dropAbandonedSchemas(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    "select nspname as name from pg_namespace where nspname like 'rc\\_test\\_%'",
  );
  for (const { name } of rows) {
    const pid = Number(name.split('_')[2]);
    try {
      process.kill(pid, 0);
    } catch (error) {
      // ESRCH: no such process. EPERM would mean it exists.
      if ((error as NodeJS.ErrnoException).code === 'ESRCH')
        await client.query(`drop schema if exists ${name} cascade`);
    }
  }
}

/** Why Postgres cannot be used, or undefined when it answers. */
async function postgresUnavailable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('select 1');
    // Housekeeping only: a failure here does not make Postgres unusable.
    await dropAbandonedSchemas(client).catch(() => {});
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

// vitest evaluates this file more than once per run; probe and warn once.
const probe = globalThis as { rollcallPostgresProbe?: Promise<string | undefined> };

export default defineConfig(async () => {
  const first = probe.rollcallPostgresProbe === undefined;
  probe.rollcallPostgresProbe ??= postgresUnavailable();
  const unavailable = await probe.rollcallPostgresProbe;
  const where = new URL(databaseUrl);
  const skipped =
    `*** PostgreSQL at ${where.host}${where.pathname} is not reachable (${unavailable}):\n` +
    '*** every suite runs on SQLite only; the "postgres" project is SKIPPED.\n' +
    '*** Set ROLLCALL_TEST_DATABASE_URL to a Postgres the tests may create schemas in.\n';
  if (unavailable && first) console.warn(`\n${skipped}`);
  const store = (name: 'sqlite' | 'postgres'): TestProjectInlineConfiguration => ({
    extends: true,
    test: {
      name,
      include,
      exclude: name === 'sqlite' ? postgresOnly : [...storeFree, ...sqliteOnly],
      env: {
        ROLLCALL_TEST_STORE: name,
        ROLLCALL_TEST_DATABASE_URL: databaseUrl,
        ROLLCALL_SECRET_KEY: testSecretKey,
      },
    },
  });
  return {
    test: {
      testTimeout: 30_000,
      hookTimeout: 60_000,
      // Every suite runs once per store (hono's runTest, kysely's DIALECTS): `--project postgres` picks one.
      projects: unavailable ? [store('sqlite')] : [store('sqlite'), store('postgres')],
      // The JSON report lets .ci/run print the totals line CI reads.
      reporters: [
        'default',
        'json',
        // Said again at the end, where a reader of the run's output looks.
        { onTestRunEnd: () => void (unavailable && console.warn(`\n${skipped}`)) },
      ],
      outputFile: { json: 'test-artifacts/vitest.json' },
    },
  };
});
