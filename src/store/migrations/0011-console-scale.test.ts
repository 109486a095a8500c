import { type Kysely, type Migration, Migrator } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTestDriver } from '../../../test/support/test-store.js';
import type { Database } from '../database.js';
import type { StoreDriver } from '../dialects/dialect.js';
import { init } from './0001-init.js';
import { apiKeys } from './0002-api-keys.js';
import { lifecycle } from './0003-lifecycle.js';
import { performanceTuning } from './0004-performance.js';
import { sso } from './0006-sso.js';
import { consoleSchema } from './0007-console.js';
import { oidc } from './0008-oidc.js';
import { migrateToLatest } from './migrate.js';

/** 0011 on a database that already holds users: their assigned roles enter the role index. */
let driver: StoreDriver;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ driver, close } = await openTestDriver());
});
afterAll(() => close());

async function migrateTo0008(db: Kysely<Database>): Promise<void> {
  const d = driver.name;
  const migrations: Record<string, Migration> = {
    '0001-init': init(d),
    '0002-api-keys': apiKeys(d),
    '0003-lifecycle': lifecycle(d),
    '0004-performance': performanceTuning(d),
    '0006-sso': sso(d),
    '0007-console': consoleSchema(d),
    '0008-oidc': oidc(d),
  };
  const { error } = await new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  }).migrateToLatest();
  if (error) throw error;
}

test('backfills the role index from the users stored before it, live users only', async () => {
  const db = driver.db;
  await migrateTo0008(db);
  const at = '2024-01-01T00:00:00.000Z';
  await db.insertInto('tenants').values({ id: 't1', slug: 'acme', name: 'Acme', created_at: at }).execute();
  for (const id of ['d1', 'd2'])
    await db
      .insertInto('directories')
      .values({
        id,
        tenant_id: 't1',
        name: id,
        settings: '{}',
        scim_enabled: 1,
        created_at: at,
        updated_at: at,
        deprovision_paused_at: null,
        deprovision_released_at: null,
      })
      .execute();
  const row = (directory: string, id: string, data: object, deleted: string | null = null) => ({
    tenant_id: 't1',
    directory_id: directory,
    id,
    user_name: id,
    user_name_key: id,
    external_id: null,
    display_name_key: null,
    active: 1,
    data: JSON.stringify(data),
    version: 1,
    created_at: at,
    updated_at: at,
    deleted_at: deleted,
    source: 'scim',
  });
  // More users than one backfill batch, so the walk continues past its first page.
  const many = Array.from({ length: 1205 }, (_, i) =>
    row('d1', `bulk-${i}`, i % 2 ? { roles: [{ value: 'Member' }] } : {}),
  );
  for (let i = 0; i < many.length; i += 200)
    await db
      .insertInto('users')
      .values(many.slice(i, i + 200))
      .execute();
  await db
    .insertInto('users')
    .values([
      row('d1', 'ann', {
        roles: [{ value: 'Admin', primary: true }, { value: 'admin' }, { value: 'Viewer' }],
      }),
      row('d1', 'gone', { roles: [{ value: 'admin' }] }, at),
      row('d2', 'ben', { Roles: [{ Value: 'Auditor' }, { display: 'no value' }] }),
    ])
    .execute();

  expect(await migrateToLatest(driver)).toContain('0011-console-scale');

  const roles = await db
    .selectFrom('user_roles')
    .select(['directory_id', 'user_id', 'role_key'])
    .where('user_id', 'not like', 'bulk-%')
    .orderBy('directory_id')
    .orderBy('user_id')
    .orderBy('role_key')
    .execute();
  expect(roles).toEqual([
    { directory_id: 'd1', user_id: 'ann', role_key: 'admin' },
    { directory_id: 'd1', user_id: 'ann', role_key: 'viewer' },
    { directory_id: 'd2', user_id: 'ben', role_key: 'auditor' },
  ]);
  const members = await db
    .selectFrom('user_roles')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('directory_id', '=', 'd1')
    .where('role_key', '=', 'member')
    .executeTakeFirstOrThrow();
  expect(Number(members.n)).toBe(602);
});
