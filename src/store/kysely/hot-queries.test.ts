import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openTestDriver, openTestStore } from '../../../test/support/test-store.js';
import { parseFilter } from '../../scim/filter/parse-filter.js';
import { migrateToLatest } from '../migrations/migrate.js';
import type { ListQuery, Scope, StoredGroup, StoredUser } from '../ports.js';
import type { Store } from '../store.js';
import { prepareQuery } from './prepared-query.js';

/**
 * The prepared queries answer exactly what the query builder and the filter compiler answer, on
 * both stores, inside and outside transactions.
 */
const scope: Scope = { tenantId: 't-hot', directoryId: 'd-hot' };
const other: Scope = { tenantId: 't-hot', directoryId: 'd-other' };
const at = '2024-01-01T00:00:00.000Z';
let store: Store;
let close: () => Promise<void>;

const user = (id: string, userName: string): StoredUser => ({
  id,
  source: 'scim',
  userName,
  externalId: null,
  active: true,
  data: { userName },
  version: 1,
  created: at,
  lastModified: at,
});
const group = (id: string, displayName: string): StoredGroup => ({
  id,
  displayName,
  externalId: null,
  data: { displayName },
  version: 1,
  created: at,
  lastModified: at,
});

beforeAll(async () => {
  ({ store, close } = await openTestStore());
  const { users, groups } = store.repositories;
  await users.insert(scope, user('u1', 'Élodie.Dupont@Hot.test'));
  await users.insert(scope, user('u2', 'gone@hot.test'));
  await users.softDelete(scope, 'u2', at);
  await users.insert(other, user('u3', 'Élodie.Dupont@Hot.test'));
  await groups.insert(scope, group('g1', 'Sales'));
  await groups.insert(scope, group('g2', 'Admins'));
  await groups.insert(other, group('g3', 'Sales'));
  await groups.addMembers(scope, 'g2', [{ value: 'u1', type: 'User' }]);
  await groups.addMembers(scope, 'g1', [{ value: 'u1', type: 'User' }]);
});

afterAll(async () => {
  await close();
});

const list = (filter: string, extra: Partial<ListQuery> = {}): ListQuery => ({
  filter: parseFilter(filter),
  startIndex: 1,
  count: 100,
  sortOrder: 'ascending',
  ...extra,
});

describe('lookups by a unique key', () => {
  test.each([
    'userName eq "élodie.dupont@hot.test"',
    'userName eq "ÉLODIE.DUPONT@HOT.TEST"',
    'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "Élodie.Dupont@Hot.test"',
    'userName eq "gone@hot.test"',
    'userName eq "nobody@hot.test"',
  ])('%s finds what the filter compiler finds', async (filter) => {
    const { users } = store.repositories;
    const fast = await users.list(scope, list(filter));
    // The same filter with a conjunct that keeps it off the prepared query.
    const compiled = await users.list(scope, list(`${filter} and userName pr`));
    expect(fast).toEqual(compiled);
    expect(fast.totalResults).toBe(fast.resources.length);
  });

  test('userName eq finds the live user of this directory only', async () => {
    const page = await store.repositories.users.list(scope, list('userName eq "élodie.dupont@hot.test"'));
    expect(page.resources.map((u) => u.id)).toEqual(['u1']);
    const deleted = await store.repositories.users.list(scope, list('userName eq "gone@hot.test"'));
    expect(deleted).toEqual({ totalResults: 0, resources: [] });
  });

  test('displayName eq on groups, any case, this directory only', async () => {
    const page = await store.repositories.groups.list(scope, list('displayName eq "SALES"'));
    expect(page.resources.map((g) => g.id)).toEqual(['g1']);
    expect(page.totalResults).toBe(1);
    expect(await store.repositories.groups.list(scope, list('displayName eq "SALES" and id pr'))).toEqual(
      page,
    );
  });

  test('the console’s narrowing (prefix, source) still applies', async () => {
    const { users } = store.repositories;
    const filter = 'userName eq "élodie.dupont@hot.test"';
    expect(await users.list(scope, list(filter, { prefix: 'zzz' }))).toEqual({
      totalResults: 0,
      resources: [],
    });
    expect((await users.list(scope, list(filter, { prefix: 'élo' }))).totalResults).toBe(1);
    expect(await users.list(scope, list(filter, { source: 'jit' }))).toEqual({
      totalResults: 0,
      resources: [],
    });
  });

  test('a page past the first, or counting only, still says how many match', async () => {
    const { users } = store.repositories;
    expect(await users.list(scope, list('userName eq "élodie.dupont@hot.test"', { startIndex: 2 }))).toEqual({
      totalResults: 1,
      resources: [],
    });
    expect(await users.list(scope, list('userName eq "élodie.dupont@hot.test"', { count: 0 }))).toEqual({
      totalResults: 1,
      resources: [],
    });
  });
});

describe('by id, and a user’s groups', () => {
  test('a live user by id, locked or not; a soft-deleted one is not found', async () => {
    const { users } = store.repositories;
    expect((await users.get(scope, 'u1'))?.userName).toBe('Élodie.Dupont@Hot.test');
    expect(await users.get(scope, 'u2')).toBeUndefined();
    expect(await users.get(other, 'u1')).toBeUndefined();
    await store.transaction(async (repos) => {
      expect((await repos.users.get(scope, 'u1', true))?.id).toBe('u1');
    });
  });

  test('a group by id, locked or not, in its directory only', async () => {
    const { groups } = store.repositories;
    expect((await groups.get(scope, 'g1'))?.displayName).toBe('Sales');
    expect(await groups.get(other, 'g1')).toBeUndefined();
    await store.transaction(async (repos) => {
      expect((await repos.groups.get(scope, 'g2', true))?.displayName).toBe('Admins');
    });
  });

  test('one user’s groups are what the query for many users gives, in group order', async () => {
    const { users } = store.repositories;
    const one = await users.groupsOf(scope, ['u1']);
    const many = await users.groupsOf(scope, ['u1', 'u3']);
    expect(one.get('u1')).toEqual([
      { value: 'g1', display: 'Sales' },
      { value: 'g2', display: 'Admins' },
    ]);
    expect(one.get('u1')).toEqual(many.get('u1'));
    expect((await users.groupsOf(scope, ['nobody'])).get('nobody')).toEqual([]);
  });
});

describe('prepareQuery', () => {
  const byName = prepareQuery('test_tenant_by_slug', (db, v: { slug: string }) =>
    db
      .selectFrom('tenants')
      .select(['id', 'slug'])
      .where('slug', '=', v.slug)
      .where('name', '!=', 'constant'),
  );

  test('binds each run’s values and keeps the constants of the shape', async () => {
    const { driver, close: closeDriver } = await openTestDriver();
    try {
      await migrateToLatest(driver);
      const { db } = driver;
      await db
        .insertInto('tenants')
        .values([
          { id: 'ta', slug: 'a', name: 'A', name_key: 'a', created_at: at },
          { id: 'tb', slug: 'b', name: 'constant', name_key: 'constant', created_at: at },
        ])
        .execute();
      expect(await byName.first(db, { slug: 'a' })).toEqual({ id: 'ta', slug: 'a' });
      expect(await byName.first(db, { slug: 'b' })).toBeUndefined();
      expect(await byName.all(db, { slug: 'zz' })).toEqual([]);
      await expect(byName.all(db, {} as { slug: string })).rejects.toThrow(/needs a value for "slug"/);
      // The same compiled query in a transaction of the same database.
      await db.transaction().execute(async (trx) => {
        expect(await byName.all(trx, { slug: 'a' })).toEqual([{ id: 'ta', slug: 'a' }]);
      });
    } finally {
      await closeDriver();
    }
  });

  test('refuses a name the PostgreSQL statement could not carry', () => {
    expect(() => prepareQuery('Bad-Name', (db) => db.selectFrom('tenants').select('id'))).toThrow(
      /lower case/,
    );
  });
});
