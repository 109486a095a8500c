import pg from 'pg';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

const include = ['src/**/*.test.ts', 'test/**/*.test.ts'];
const databaseUrl = process.env.ROLLCALL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Why Postgres cannot be used, or undefined when it answers. */
async function postgresUnavailable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

export default defineConfig(async () => {
  const unavailable = await postgresUnavailable();
  if (unavailable) {
    const where = new URL(databaseUrl);
    console.warn(
      `\n*** PostgreSQL at ${where.host}${where.pathname} is not reachable (${unavailable}):\n` +
        '*** every suite runs on SQLite only; the "postgres" project is SKIPPED.\n' +
        '*** Set ROLLCALL_TEST_DATABASE_URL to a Postgres the tests may create schemas in.\n',
    );
  }
  const store = (name: 'sqlite' | 'postgres'): TestProjectInlineConfiguration => ({
    extends: true,
    test: {
      name,
      include,
      env: { ROLLCALL_TEST_STORE: name, ROLLCALL_TEST_DATABASE_URL: databaseUrl },
    },
  });
  return {
    test: {
      testTimeout: 30_000,
      hookTimeout: 60_000,
      // Every suite runs once per store (hono's runTest, kysely's DIALECTS): `--project postgres` picks one.
      projects: unavailable ? [store('sqlite')] : [store('sqlite'), store('postgres')],
      // The JSON report lets .ci/run print the totals line CI reads.
      reporters: ['default', 'json'],
      outputFile: { json: 'test-artifacts/vitest.json' },
    },
  };
});
