import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openPlanProbe, type PlanProbe } from '../../../test/support/query-plans.js';
import type { JsonObject } from '../../scim/json/json-value.js';
import type { Scope, StoredUser } from '../ports.js';
import { GroupRepository } from './group-repository.js';
import { LifecycleRepository } from './lifecycle-repository.js';
import { type UserPageQuery, UserPageRepository } from './user-page-repository.js';
import { UserRepository } from './user-repository.js';

const scope: Scope = { tenantId: 't-pages', directoryId: 'd-pages' };
const other: Scope = { tenantId: 't-pages', directoryId: 'd-other' };
let probe: PlanProbe;
let users: UserRepository;
let pages: UserPageRepository;
let groups: GroupRepository;

function user(id: string, data: JsonObject, extra: Partial<StoredUser> = {}): StoredUser {
  return {
    id,
    source: 'scim',
    userName: String(data.userName),
    externalId: null,
    active: true,
    data,
    version: 1,
    created: '2024-01-01T00:00:00.000Z',
    lastModified: '2024-01-01T00:00:00.000Z',
    ...extra,
  };
}

const role = (value: string) => ({ roles: [{ value, primary: true }] });

beforeAll(async () => {
  probe = await openPlanProbe();
  users = new UserRepository(probe.db, probe.dialect);
  groups = new GroupRepository(probe.db, probe.dialect);
  pages = new UserPageRepository(probe.db, probe.dialect, { countCap: 5, roleBatch: 2 });
  // Ids out of insertion order, so id order and provisioning order differ.
  const people: [string, JsonObject, Partial<StoredUser>?][] = [
    ['u-f', { userName: 'alice@example.test', displayName: 'Alice Zed', ...role('Admin') }],
    ['u-b', { userName: 'bob@example.test', emails: [{ value: 'Robert@Work.test' }], ...role('viewer') }],
    ['u-e', { userName: 'carol@example.test', ...role('admin') }, { active: false }],
    ['u-a', { userName: 'dave@example.test', displayName: 'Zed Dave' }, { source: 'jit' }],
    ['u-d', { userName: 'erin@example.test', displayName: 'alicia erin' }],
    ['u-c', { userName: 'frank@example.test', roles: [{ value: 'Admin' }, { value: 'ADMIN' }] }],
    ['u-g', { userName: 'grace@example.test' }, { active: false, source: 'admin' }],
  ];
  for (const [id, data, extra] of people) await users.insert(scope, user(id, data, extra));
  // Another directory of the tenant: never seen.
  await users.insert(other, user('u-a', { userName: 'alice@example.test', ...role('admin') }));
  await groups.insert(scope, {
    id: 'g-ops',
    displayName: 'Ops',
    externalId: null,
    data: {},
    version: 1,
    created: '2024-01-01T00:00:00.000Z',
    lastModified: '2024-01-01T00:00:00.000Z',
  });
  await groups.addMembers(scope, 'g-ops', [
    { value: 'u-a', type: 'User' },
    { value: 'u-c', type: 'User' },
    { value: 'u-g', type: 'User' },
  ]);
  await new LifecycleRepository(probe.db).replaceGroupRoleRules(scope, [{ groupId: 'g-ops', role: 'admin' }]);
});

afterAll(async () => {
  await probe.close();
});

async function ids(query: Omit<UserPageQuery, 'limit'> & { limit?: number }) {
  const page = await pages.page(scope, { limit: 50, ...query });
  return page.users.map((u) => u.id);
}

/** Every page of a walk, `limit` users at a time. */
async function walk(query: Omit<UserPageQuery, 'limit' | 'cursor'>, limit: number) {
  const seen: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await pages.page(scope, { ...query, limit, ...(cursor && { cursor }) });
    seen.push(page.users.map((u) => u.id));
    cursor = page.nextCursor;
  } while (cursor && seen.length < 20);
  return seen;
}

describe('users page filters', () => {
  test('without filters: every live user of the directory, in provisioning order', async () => {
    expect(await ids({})).toEqual(['u-f', 'u-b', 'u-e', 'u-a', 'u-d', 'u-c', 'u-g']);
  });

  test('search matches the start of userName, displayName or an email, in any case', async () => {
    expect(await ids({ prefix: 'ALI' })).toEqual(['u-f', 'u-d']);
    expect(await ids({ prefix: 'zed' })).toEqual(['u-a']);
    expect(await ids({ prefix: 'robert@w' })).toEqual(['u-b']);
    // Not the middle of a value.
    expect(await ids({ prefix: 'example' })).toEqual([]);
    expect(await ids({ prefix: 'lice' })).toEqual([]);
  });

  test('status and source', async () => {
    expect(await ids({ active: false })).toEqual(['u-e', 'u-g']);
    expect(await ids({ active: true, source: 'scim' })).toEqual(['u-f', 'u-b', 'u-d', 'u-c']);
    expect(await ids({ source: 'jit' })).toEqual(['u-a']);
  });

  test('role: assigned (any case) or given by a group rule, each holder once, in id order', async () => {
    const admins = { role: 'ADMIN', groupIds: ['g-ops'] };
    expect(await ids({ role: admins })).toEqual(['u-a', 'u-c', 'u-e', 'u-f', 'u-g']);
    expect(await ids({ role: { role: 'admin', groupIds: [] } })).toEqual(['u-c', 'u-e', 'u-f']);
    expect(await ids({ role: admins, active: true })).toEqual(['u-a', 'u-c', 'u-f']);
    expect(await ids({ role: admins, prefix: 'f' })).toEqual(['u-c']);
    expect(await ids({ role: { role: 'viewer', groupIds: [] } })).toEqual(['u-b']);
    expect(await ids({ role: { role: 'nobody', groupIds: [] } })).toEqual([]);
  });

  test('a role walk serves each holder once, across rounds of the index ranges', async () => {
    const admins = { role: 'admin', groupIds: ['g-ops'] };
    expect(await walk({ role: admins }, 2)).toEqual([['u-a', 'u-c'], ['u-e', 'u-f'], ['u-g']]);
    expect((await walk({ role: admins, active: false }, 1)).flat()).toEqual(['u-e', 'u-g']);
  });

  test('a provisioning-order walk serves each user once', async () => {
    expect(await walk({ active: true }, 2)).toEqual([['u-f', 'u-b'], ['u-a', 'u-d'], ['u-c']]);
  });

  test('totals are exact up to the cap, then "at least"', async () => {
    expect((await pages.page(scope, { limit: 2, active: false })).total).toEqual({
      count: 2,
      atLeast: false,
    });
    expect((await pages.page(scope, { limit: 2, source: 'scim' })).total).toEqual({
      count: 5,
      atLeast: false,
    });
    expect((await pages.page(scope, { limit: 2 })).total).toEqual({ count: 5, atLeast: true });
    expect(await pages.count(scope)).toEqual({ count: 5, atLeast: true });
    expect(await pages.count(scope, { active: false })).toEqual({ count: 2, atLeast: false });
    const admins = { role: 'admin', groupIds: ['g-ops'] };
    // With other filters, a role page tells what it found: this page, and whether more follow.
    expect((await pages.page(scope, { limit: 1, role: admins, active: true })).total).toEqual({
      count: 1,
      atLeast: true,
    });
    expect((await pages.page(scope, { limit: 5, role: admins, active: true })).total).toEqual({
      count: 3,
      atLeast: false,
    });
    expect((await pages.page(scope, { limit: 1, role: admins })).total).toEqual({ count: 5, atLeast: false });
  });

  test('a cursor of another kind, or made up, is refused', async () => {
    const seqCursor = (await pages.page(scope, { limit: 1 })).nextCursor!;
    await expect(
      pages.page(scope, { limit: 1, role: { role: 'admin', groupIds: [] }, cursor: seqCursor }),
    ).rejects.toMatchObject({ status: 400, scimType: 'invalidCursor' });
    await expect(pages.page(scope, { limit: 1, cursor: 'r1.dS1h' })).rejects.toMatchObject({ status: 400 });
  });
});

describe('the role index follows every write', () => {
  const scoped: Scope = { tenantId: 't-pages', directoryId: 'd-writes' };
  const holders = async (value: string) =>
    (await pages.page(scoped, { limit: 50, role: { role: value, groupIds: [] } })).users.map((u) => u.id);

  test('insert, update, soft delete, revive and delete', async () => {
    const first = user('w-1', { userName: 'w1@example.test', ...role('admin') });
    await users.insert(scoped, first);
    expect(await holders('admin')).toEqual(['w-1']);

    const changed = { ...first, data: { ...first.data, ...role('viewer') }, version: 2 };
    expect(await users.update(scoped, changed, 1)).toBe(true);
    expect(await holders('admin')).toEqual([]);
    expect(await holders('viewer')).toEqual(['w-1']);

    const none = { ...changed, data: { userName: 'w1@example.test' }, version: 3 };
    expect(await users.update(scoped, none, 2)).toBe(true);
    expect(await holders('viewer')).toEqual([]);

    const again = { ...none, data: { ...none.data, ...role('admin') }, version: 4 };
    expect(await users.update(scoped, again, 3)).toBe(true);
    expect(await users.softDelete(scoped, 'w-1', '2024-02-01T00:00:00.000Z')).toBe(true);
    expect(await holders('admin')).toEqual([]);
    // A log search for the user still finds its id, by id or by userName in any case.
    expect(await users.idsNamed(scoped, 'W1@Example.test')).toEqual(['w-1']);
    expect(await users.idsNamed(scoped, 'w-1')).toEqual(['w-1']);
    expect(await users.idsNamed(scoped, 'w2@example.test')).toEqual([]);

    expect(await users.revive(scoped, { ...again, version: 5 })).toBe(true);
    expect(await holders('admin')).toEqual(['w-1']);

    expect(await users.delete(scoped, 'w-1')).toBe(true);
    expect(await holders('admin')).toEqual([]);
    const { rows } = await sql<{
      n: number;
    }>`select count(*) as n from user_roles where directory_id = ${'d-writes'}`.execute(probe.db);
    expect(Number(rows[0]!.n)).toBe(0);
  });
});
