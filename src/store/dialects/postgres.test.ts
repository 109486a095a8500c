import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectRaw, createTestLocation, type TestLocation } from '../../../test/support/test-store.js';
import { InvalidValueError } from '../../scim/errors.js';
import { tokenByHash } from '../kysely/hot-queries.js';
import { migrateToLatest } from '../migrations/migrate.js';
import type { StoreDriver } from './dialect.js';
import { openPostgres } from './postgres.js';

/** What differs on Postgres, on a real one (the postgres project runs this file; the sqlite project excludes it). */
describe('the Postgres driver', () => {
  let location: TestLocation;
  let driver: StoreDriver;
  const idleErrors: Error[] = [];

  beforeAll(async () => {
    location = await createTestLocation();
    driver = openPostgres(location.databaseUrl!, {
      poolSize: 2,
      onIdleError: (error) => idleErrors.push(error),
    });
    await migrateToLatest(driver);
  });

  afterAll(async () => {
    await driver.close();
    await location.remove();
  });

  test('reads bigint seq and count(*) as numbers, as SQLite does', async () => {
    await driver.db
      .insertInto('groups')
      .values({
        tenant_id: 't',
        directory_id: 'd',
        id: 'g1',
        display_name: 'G',
        display_name_key: 'g',
        external_id: null,
        data: '{}',
        version: 1,
        created_at: 'x',
        updated_at: 'x',
      })
      .execute();
    const row = await driver.db
      .selectFrom('groups')
      .select(['seq', sql<number>`count(*) over ()`.as('n')])
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ seq: 1, n: 1 });
  });

  test('maps unique_violation (23505) and nothing else to a uniqueness error', async () => {
    const insert = () =>
      driver.db
        .insertInto('tenants')
        .values({ id: 'dup', slug: 'dup', name: 'Dup', name_key: 'dup', created_at: 'x' })
        .execute();
    await insert();
    const error = await insert().catch((e: unknown) => e);
    expect(driver.isUniqueViolation(error)).toBe(true);
    const other = await sql`select 1/0`.execute(driver.db).catch((e: unknown) => e);
    expect(driver.isUniqueViolation(other)).toBe(false);
  });

  test('answers text it cannot hold (22021, 22P05) with InvalidValueError, inside a transaction too', async () => {
    const withNul = await driver.db
      .insertInto('tenants')
      .values({ id: 'nul', slug: 'nul', name: 'a\u0000b', name_key: 'a', created_at: 'x' })
      .execute()
      .catch((e: unknown) => e);
    expect(withNul).toBeInstanceOf(InvalidValueError);
    const escaped = await sql`select cast(${'{"a":"\\u0000"}'} as jsonb) as j`
      .execute(driver.db)
      .catch((e: unknown) => e);
    expect(escaped).toBeInstanceOf(InvalidValueError);
    const inTransaction = await driver.db
      .transaction()
      .execute((trx) => trx.selectFrom('tenants').selectAll().where('slug', '=', '\u0000').execute())
      .catch((e: unknown) => e);
    expect(inTransaction).toBeInstanceOf(InvalidValueError);
    // Other errors are the driver's own.
    const other = await sql`select 1/0`.execute(driver.db).catch((e: unknown) => e);
    expect(other).not.toBeInstanceOf(InvalidValueError);
    expect((other as { code: string }).code).toBe('22012');
  });

  test('introspects its own schema only, so another schema being dropped cannot fail a migration', async () => {
    const tables = await driver.db.introspection.getTables({ withInternalKyselyTables: true });
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['users', 'kysely_migration']));
    expect(new Set(tables.map((t) => t.schema))).toEqual(new Set([location.schema]));
  });

  test('switches JIT off: the filter compiler’s jsonb queries would spend seconds being compiled', async () => {
    const { rows } = await sql<{ jit: string }>`show jit`.execute(driver.db);
    expect(rows[0]!.jit).toBe('off');
  });

  /** The names of the statements prepared on the one connection of `db`'s pool. */
  const preparedOn = async (one: StoreDriver) => {
    const { rows } = await sql<{ name: string }>`select name from pg_prepared_statements`.execute(one.db);
    return rows.map((r) => r.name);
  };

  test('runs the prepared queries as named statements, which a migration adding a column does not break', async () => {
    await sql`insert into directories (id, tenant_id, name, settings, scim_enabled, created_at, updated_at)
      values ('dn', 'dup', 'named', '{}', 1, 'x', 'x')`.execute(driver.db);
    await sql`insert into scim_tokens (id, tenant_id, directory_id, prefix, hash, created_at)
      values ('tn', 'dup', 'dn', 'rcs_ab', 'hash-named', 'x')`.execute(driver.db);
    const one = openPostgres(location.databaseUrl!, { poolSize: 1 });
    try {
      expect((await tokenByHash.first(one.db, { hash: 'hash-named' }))?.id).toBe('tn');
      expect(await preparedOn(one)).toContain('rollcall_token_by_hash');
      // A newer rollcall's migration, from another connection, while this one holds the statement.
      await sql`alter table scim_tokens add column added_later text`.execute(driver.db);
      await sql`alter table directories add column added_later text`.execute(driver.db);
      const row = await tokenByHash.first(one.db, { hash: 'hash-named' });
      expect(row).toMatchObject({ id: 'tn', d_id: 'dn', d_name: 'named' });
      expect(row).not.toHaveProperty('added_later');
      expect(await tokenByHash.first(one.db, { hash: 'no-such-hash' })).toBeUndefined();
    } finally {
      await one.close();
    }
  });

  test('names no statement with preparedStatements off (PgBouncer transaction pooling)', async () => {
    const one = openPostgres(location.databaseUrl!, { poolSize: 1, preparedStatements: false });
    try {
      expect(await tokenByHash.first(one.db, { hash: 'hash-named' })).toMatchObject({ id: 'tn' });
      expect(await preparedOn(one)).toEqual([]);
    } finally {
      await one.close();
    }
  });

  test('survives an idle connection dying (a server restart or failover) and reconnects', async () => {
    // A query only this test sends, to find the pooled connection that ran it.
    const marker = `idle_${Math.random().toString(36).slice(2)}`;
    await sql`select 1 as ${sql.id(marker)}`.execute(driver.db);
    const raw = await connectRaw(location);
    try {
      await raw.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where state = 'idle' and query like '%' || $1 || '%' and pid <> pg_backend_pid()",
        [marker],
      );
    } finally {
      await raw.close();
    }
    for (let i = 0; i < 50 && idleErrors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(idleErrors.length).toBeGreaterThan(0);
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(driver.db);
    expect(rows).toEqual([{ one: 1 }]);
  });
});
