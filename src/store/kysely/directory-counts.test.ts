import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectRaw, openTestStore, type TestLocation } from '../../../test/support/test-store.js';
import { parseFilter } from '../../scim/filter/parse-filter.js';
import type { Scope, StoredUser } from '../ports.js';
import { Store } from '../store.js';

/**
 * The running counts (migration 0009) against count(*): a seeded random sequence of every change
 * that adds, removes, deactivates or soft-deletes users and groups, alone and several in one
 * transaction (on Postgres, inserts and updates are counted at commit and deletes at once), in two
 * directories of one tenant and one of another, so each must keep to its own.
 */
const T1 = 't-counts-1';
const T2 = 't-counts-2';
const scopes: Scope[] = [
  { tenantId: T1, directoryId: 'd-a' },
  { tenantId: T1, directoryId: 'd-b' },
  { tenantId: T2, directoryId: 'd-a' },
];

let store: Store;
let location: TestLocation;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ store, location, close } = await openTestStore());
});

afterAll(async () => {
  await close();
});

/** Mulberry32: a small seeded generator, so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const at = '2024-01-01T00:00:00.000Z';
const user = (id: string, active: boolean, version = 1): StoredUser => ({
  id,
  source: 'scim',
  userName: `${id}@counts.test`,
  externalId: null,
  active,
  data: { userName: `${id}@counts.test`, active, emails: [{ value: `${id}@counts.test`, type: 'work' }] },
  version,
  created: at,
  lastModified: at,
});

/** What count(*) says, the way list and guard counted before the running counts. */
async function counted(scope: Scope) {
  const users = await store.repositories.users.list(scope, {
    startIndex: 1,
    count: 1000,
    sortOrder: 'ascending',
  });
  const groups = await store.repositories.groups.list(scope, {
    startIndex: 1,
    count: 1000,
    sortOrder: 'ascending',
  });
  return {
    users: users.resources.length,
    activeUsers: users.resources.filter((u) => u.active).length,
    groups: groups.resources.length,
  };
}

describe('running counts per directory', () => {
  test('stay equal to count(*) through a random sequence of creates, toggles, deletes and restores', async () => {
    const next = random(20261202);
    const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(next() * items.length)];
    let serial = 0;

    // One step: a random change to a random directory, by the repositories' own statements.
    const step = async (repos: Store['repositories'], scope: Scope) => {
      const live = (await repos.users.list(scope, { startIndex: 1, count: 1000, sortOrder: 'ascending' }))
        .resources;
      const roll = next();
      if (roll < 0.3 || live.length === 0) {
        await repos.users.insert(scope, user(`u${++serial}`, next() < 0.7));
      } else if (roll < 0.5) {
        const u = pick(live)!;
        await repos.users.update(scope, { ...user(u.id, !u.active, u.version + 1) }, u.version);
      } else if (roll < 0.55) {
        // An update that changes no count (the trigger must not fire or must add nothing).
        const u = pick(live)!;
        await repos.users.update(scope, { ...user(u.id, u.active, u.version + 1) }, u.version);
      } else if (roll < 0.65) {
        await repos.users.softDelete(scope, pick(live)!.id, at);
      } else if (roll < 0.72) {
        await repos.users.delete(scope, pick(live)!.id);
      } else if (roll < 0.78) {
        const deleted = await repos.users.findDeleted(
          scope,
          `u${Math.ceil(next() * serial)}@counts.test`,
          null,
        );
        if (deleted) await repos.users.revive(scope, user(deleted.id, next() < 0.5, deleted.version + 1));
      } else if (roll < 0.82) {
        await repos.users.purgeDeleted(scope, '9999-01-01T00:00:00.000Z');
      } else if (roll < 0.92) {
        await repos.groups.insert(scope, {
          id: `g${++serial}`,
          displayName: `G ${serial}`,
          externalId: null,
          data: { displayName: `G ${serial}` },
          version: 1,
          created: at,
          lastModified: at,
        });
      } else {
        const groups = (
          await repos.groups.list(scope, { startIndex: 1, count: 1000, sortOrder: 'ascending' })
        ).resources;
        const g = pick(groups);
        if (g) await repos.groups.delete(scope, g.id);
      }
    };

    for (let i = 0; i < 160; i++) {
      const scope = pick(scopes)!;
      if (next() < 0.25) {
        // Several changes in one transaction, a create and a delete of the same user among them.
        await store.transaction(async (repos) => {
          const id = `u${++serial}`;
          await repos.users.insert(scope, user(id, true));
          await step(repos, scope);
          if (next() < 0.5) await repos.users.delete(scope, id);
          await step(repos, scope);
        });
      } else await step(store.repositories, scope);
      for (const s of scopes)
        expect(await store.repositories.users.counts(s), `step ${i}`).toEqual(await counted(s));
    }
    // The sequence did reach every kind of count in every directory.
    for (const s of scopes) expect((await counted(s)).users).toBeGreaterThan(0);
  });

  test('a rolled-back transaction changes no count', async () => {
    const scope = scopes[0]!;
    const before = await store.repositories.users.counts(scope);
    await store
      .transaction(async (repos) => {
        await repos.users.insert(scope, user('rolled-back', true));
        throw new Error('roll back');
      })
      .catch(() => {});
    expect(await store.repositories.users.counts(scope)).toEqual(before);
  });

  test('SCIM totals of unfiltered and `active eq true` lists come from the counts, and are exact', async () => {
    const scope = scopes[1]!;
    const expected = await counted(scope);
    const list = (filter?: string) =>
      store.repositories.users.list(scope, {
        startIndex: 1,
        count: 1,
        sortOrder: 'ascending',
        ...(filter && { filter: parseFilter(filter) }),
      });
    expect((await list()).totalResults).toBe(expected.users);
    expect((await list('active eq true')).totalResults).toBe(expected.activeUsers);
    expect((await list('active eq false')).totalResults).toBe(expected.users - expected.activeUsers);
    const groups = await store.repositories.groups.list(scope, {
      startIndex: 1,
      count: 0,
      sortOrder: 'ascending',
    });
    expect(groups.totalResults).toBe(expected.groups);
    expect(await store.repositories.users.countActive(scope)).toBe(expected.activeUsers);
  });

  test('deleting a directory or a tenant leaves no counts behind, and other directories keep theirs', async () => {
    const kept = await store.repositories.users.counts(scopes[1]!);
    await store.transaction((repos) => repos.tenants.deleteDirectory(T1, 'd-a'));
    await store.transaction((repos) => repos.tenants.deleteTenant(T2));
    const raw = await connectRaw(location);
    try {
      const rows = await raw.query<{ tenant_id: string; directory_id: string }>(
        'select tenant_id, directory_id from directory_counts order by tenant_id, directory_id',
      );
      expect(rows).toEqual([{ tenant_id: T1, directory_id: 'd-b' }]);
    } finally {
      await raw.close();
    }
    expect(await store.repositories.users.counts(scopes[1]!)).toEqual(kept);
    expect(await store.repositories.users.counts(scopes[0]!)).toEqual({
      users: 0,
      activeUsers: 0,
      groups: 0,
    });
  });

  test('the migration counts the users and groups a store already holds', async () => {
    const scope = scopes[1]!;
    const expected = await counted(scope);
    // Take the store back to before 0009, with its data, then open it again.
    await store.close();
    const raw = await connectRaw(location);
    try {
      const drops =
        location.kind === 'sqlite'
          ? [
              'users_count_insert',
              'users_count_update',
              'users_count_delete',
              'groups_count_insert',
              'groups_count_delete',
            ].map((t) => `drop trigger ${t}`)
          : [
              'rollcall_count_user_insert',
              'rollcall_count_user_update',
              'rollcall_count_user_delete',
              'rollcall_count_group_insert',
              'rollcall_count_group_delete',
            ].map((f) => `drop function ${f}() cascade`);
      // The migrations after 0009 go too: Kysely runs migrations in order only.
      const later = [
        'drop table console_sign_in_failures',
        'drop index tenants_name_key',
        'alter table tenants drop column name_key',
        'drop table user_roles',
        'drop index users_active_order',
        ...(location.kind === 'postgres'
          ? ['users_name_prefix', 'users_display_prefix', 'user_emails_prefix', 'groups_name_prefix'].map(
              (index) => `drop index ${index}`,
            )
          : []),
      ];
      for (const statement of [
        ...drops,
        'drop table directory_counts',
        ...later,
        "delete from kysely_migration where name >= '0009-running-counts'",
      ])
        await raw.query(statement);
    } finally {
      await raw.close();
    }
    store = await Store.open(location.storeOptions);
    expect(store.migrated).toEqual(['0009-running-counts', '0010-console-hardening', '0011-console-scale']);
    expect(expected.users).toBeGreaterThan(0);
    expect(await store.repositories.users.counts(scope)).toEqual(expected);
  });
});
