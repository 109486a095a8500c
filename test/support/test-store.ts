import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { AdminService } from '../../src/directory/admin-service.js';
import type { StoreDriver } from '../../src/store/dialects/dialect.js';
import { openPostgres } from '../../src/store/dialects/postgres.js';
import { openSqlite } from '../../src/store/dialects/sqlite.js';
import { Store, type StoreOptions } from '../../src/store/store.js';

/**
 * Which store the tests run on: vitest.config.ts runs every suite once per store, with
 * ROLLCALL_TEST_STORE=sqlite and =postgres (the "sqlite" and "postgres" projects).
 */
export type TestStoreKind = 'sqlite' | 'postgres';
export const TEST_STORE: TestStoreKind =
  process.env.ROLLCALL_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

/** The database the Postgres run uses; every test store gets a schema of its own in it. */
export const TEST_DATABASE_URL =
  process.env.ROLLCALL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A throwaway place for one store: a temp folder, or a fresh schema in the test database. */
export interface TestLocation {
  readonly kind: TestStoreKind;
  /** SQLite: the data folder (also set for Postgres, for files a test wants to write). */
  readonly dataDir: string;
  /** Postgres: a URL whose search_path is the fresh schema. */
  readonly databaseUrl?: string;
  /** Postgres: the schema's name. */
  readonly schema?: string;
  /** What `rollcall` takes to open this store: `--data DIR` or `--database-url URL`. */
  readonly cliArgs: readonly string[];
  /** Store.open options for this location. */
  readonly storeOptions: StoreOptions;
  /** Removes the folder and drops the schema. */
  remove(): Promise<void>;
}

async function withClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * `url` with `search_path` set to `schema` for every connection (a libpq startup option). Tests
 * also skip waiting for the WAL flush at commit: a test database need not survive a crash.
 */
export function urlWithSchema(url: string, schema: string): string {
  const withSchema = new URL(url);
  withSchema.searchParams.set('options', `-c search_path=${schema} -c synchronous_commit=off`);
  return withSchema.toString();
}

/**
 * A new empty store location of the kind under test. Postgres: `CREATE SCHEMA rc_test_…`, so that
 * parallel vitest workers and test servers never see each other's rows or migrations.
 */
export async function createTestLocation(): Promise<TestLocation> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rollcall-test-'));
  if (TEST_STORE === 'sqlite')
    return {
      kind: 'sqlite',
      dataDir,
      cliArgs: ['--data', dataDir],
      storeOptions: { dataDir },
      async remove() {
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  const schema = `rc_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await withClient((client) => client.query(`create schema ${schema}`));
  const databaseUrl = urlWithSchema(TEST_DATABASE_URL, schema);
  return {
    kind: 'postgres',
    dataDir,
    databaseUrl,
    schema,
    cliArgs: ['--database-url', databaseUrl],
    // Small pools: many test stores are open at once on one server.
    storeOptions: { databaseUrl, poolSize: 4 },
    async remove() {
      rmSync(dataDir, { recursive: true, force: true });
      await withClient((client) => client.query(`drop schema if exists ${schema} cascade`));
    },
  };
}

/** A migrated Store of the kind under test, in a location of its own. */
export async function openTestStore(): Promise<{
  store: Store;
  location: TestLocation;
  close(): Promise<void>;
}> {
  const location = await createTestLocation();
  const store = await Store.open(location.storeOptions);
  return {
    store,
    location,
    async close() {
      await store.close();
      await location.remove();
    },
  };
}

/** A bare driver on the database a Store opened at `location` would use (not migrated). */
export function openLocationDriver(location: TestLocation): StoreDriver {
  return location.databaseUrl === undefined
    ? openSqlite(join(location.dataDir, 'rollcall.db'))
    : openPostgres(location.databaseUrl, { poolSize: 4 });
}

/** A bare driver of the kind under test (not migrated), for tests below the Store. */
export async function openTestDriver(): Promise<{ driver: StoreDriver; close(): Promise<void> }> {
  const location = await createTestLocation();
  const driver = openLocationDriver(location);
  return {
    driver,
    async close() {
      await driver.close();
      await location.remove();
    },
  };
}

/** A connection of its own to a test location, outside rollcall: to lock rows or edit the schema's bookkeeping. */
export interface RawConnection {
  /** One statement, parameters written `$1, $2…` on both stores. */
  query<Row = Record<string, unknown>>(statement: string, parameters?: readonly unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

export async function connectRaw(location: TestLocation): Promise<RawConnection> {
  if (location.databaseUrl === undefined) {
    const db = new SQLite(join(location.dataDir, 'rollcall.db'));
    db.pragma('busy_timeout = 5000');
    return {
      async query<Row>(statement: string, parameters: readonly unknown[] = []) {
        const prepared = db.prepare(statement.replace(/\$\d+/g, '?'));
        if (prepared.reader) return prepared.all(...parameters) as Row[];
        prepared.run(...parameters);
        return [];
      },
      async close() {
        db.close();
      },
    };
  }
  const client = new pg.Client({ connectionString: location.databaseUrl });
  await client.connect();
  return {
    async query<Row>(statement: string, parameters: readonly unknown[] = []) {
      return (await client.query(statement, [...parameters])).rows as Row[];
    },
    close: () => client.end(),
  };
}

/**
 * Creates a tenant (if new), a directory and a SCIM token in a location, in-process (faster than the
 * CLI), for tests that then drive rollcall processes. Migrates the location if it needs it.
 */
export async function seedDirectory(
  location: TestLocation,
  tenant: string,
  name: string,
): Promise<{ id: string; token: string }> {
  const store = await Store.open(location.storeOptions);
  try {
    const admin = new AdminService(store);
    await admin.createTenant(tenant).catch(() => undefined);
    const directory = await admin.createDirectory(tenant, { name });
    const { secret } = await admin.createToken(directory.id);
    return { id: directory.id, token: secret };
  } finally {
    await store.close();
  }
}
