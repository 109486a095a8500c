import { type Insertable, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openPlanProbe, type PlanProbe, wholeReads } from '../../../test/support/query-plans.js';
import type { Database } from '../database.js';
import type { Scope } from '../ports.js';
import { GroupRepository } from './group-repository.js';
import { LogRepository } from './log-repository.js';
import { type UserPageQuery, UserPageRepository } from './user-page-repository.js';
import { UserRepository } from './user-repository.js';

/**
 * The plans of the queries the console's pages send, compiled by the repositories themselves and
 * explained by the store under test: each reads index ranges, never a whole table of users, emails,
 * roles, groups, memberships or log entries. SQLite plans from the statistics 0004 and 0011 wrote;
 * PostgreSQL from statistics it measures on a directory of 20,000 users (ANALYZE), with sequential
 * scans priced out, so a whole-table read shows when no index can serve.
 */
const scope: Scope = { tenantId: 't-plan', directoryId: 'd-plan' };
let probe: PlanProbe;

const USERS = 20_000;
const BATCH = 500;

/** Rows in `count` batches of `make(i)`, inserted a batch at a time. */
async function fill<T extends keyof Database>(
  table: T,
  count: number,
  make: (i: number) => Insertable<Database[T]>,
): Promise<void> {
  for (let start = 0; start < count; start += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, count - start) }, (_, k) => make(start + k));
    await probe.db
      .insertInto(table)
      .values(rows as never)
      .execute();
  }
}

/**
 * A directory shaped like a large tenant's: 20,000 users (a tenth inactive, a seventh JIT), each
 * with an email, a fifth of them admins; 3,000 groups, one of 10,000 members; a log of 20,000
 * requests spread over the users; another directory beside it.
 */
async function seed(): Promise<void> {
  const at = '2024-01-01T00:00:00.000Z';
  for (const [directory, count] of [
    ['d-plan', USERS],
    ['d-other', 5_000],
  ] as const) {
    const s = { tenant_id: 't-plan', directory_id: directory };
    await fill('users', count, (i) => ({
      ...s,
      id: `u${i}`,
      user_name: `user${i}@x.test`,
      user_name_key: `user${i}@x.test`,
      external_id: null,
      display_name_key: `name ${i}`,
      active: i % 10 === 0 ? 0 : 1,
      data: '{}',
      version: 1,
      created_at: at,
      updated_at: at,
      deleted_at: null,
      source: i % 7 === 0 ? 'jit' : 'scim',
    }));
    await fill('user_emails', count, (i) => ({
      ...s,
      user_id: `u${i}`,
      ordinal: 0,
      value_key: `mail${i}@x.test`,
      type_key: null,
      display_key: null,
      primary: 1,
    }));
    await fill('user_roles', count, (i) => ({
      ...s,
      user_id: `u${i}`,
      role_key: i % 5 === 0 ? 'admin' : 'member',
    }));
    await fill('groups', 3_000, (i) => ({
      ...s,
      id: `g${i}`,
      display_name: `Group ${i}`,
      display_name_key: `group ${i}`,
      external_id: null,
      data: '{}',
      version: 1,
      created_at: at,
      updated_at: at,
    }));
    await fill('group_members', count / 2, (i) => ({
      ...s,
      group_id: 'g1',
      member_id: `u${i}`,
      member_type: 'User' as const,
    }));
    for (let g = 3; g < 20; g++)
      await fill('group_members', count / 10, (i) => ({
        ...s,
        group_id: `g${g}`,
        member_id: `u${(i * 7 + g) % count}`,
        member_type: 'User' as const,
      }));
    await fill('group_members', 100, (i) => ({
      ...s,
      group_id: 'g2',
      member_id: `u${i * 7}`,
      member_type: 'User' as const,
    }));
    await fill('provisioning_log', count, (i) => ({
      ...s,
      id: `l${i}`,
      at,
      method: 'PATCH',
      path: '/Users',
      operation: 'update',
      resource_type: 'User',
      resource_id: `u${i % 2000}`,
      resource_name: `user${i % 2000}@x.test`,
      status: i % 50 === 0 ? 409 : 200,
      scim_type: null,
      detail: null,
      duration_ms: 1,
      client: null,
      note: null,
      query: null,
      request_body: null,
      response_body: null,
    }));
  }
  if (probe.dialect === 'postgres') await sql`analyze`.execute(probe.db);
}

beforeAll(async () => {
  probe = await openPlanProbe();
  await seed();
}, 120_000);
afterAll(() => probe.close());

/** Derived tables of the page queries (counts and unions), read once their bounded rows are in. */
const DERIVED = ['matches', 'c', 'b'];

async function expectIndexed(work: () => Promise<unknown>, uses: RegExp[] = []) {
  const plans = await probe.plansOf(work);
  for (const plan of plans) expect(wholeReads(probe.dialect, plan, DERIVED), plan).toEqual([]);
  const all = plans.join('\n');
  for (const index of uses) expect(all).toMatch(index);
}

describe('users page', () => {
  const pages = () => new UserPageRepository(probe.db, probe.dialect);
  // A second page, so the total is counted too.
  const page = (query: Omit<UserPageQuery, 'limit'>) => pages().page(scope, { limit: 50, ...query });

  test('unfiltered, after a cursor, with its count', async () => {
    await expectIndexed(() => page({ cursor: 'c1.1' }), [/users_page_order|users_seq/]);
  });

  test('role filter: the role index and each rule group, merged; the count likewise', async () => {
    await expectIndexed(
      () => page({ role: { role: 'admin', groupIds: ['g1', 'g2'] }, cursor: 'r1.dTE' }),
      [/user_roles_role/, /group_members_pk|group_members/],
    );
    await expectIndexed(() => page({ role: { role: 'admin', groupIds: [] }, active: false, prefix: 'ann' }));
  });

  test('search: ranges of the userName, displayName and email indexes', async () => {
    const indexes =
      probe.dialect === 'sqlite'
        ? [/users_user_name/, /users_display_name/, /user_emails_value/]
        : [/users_name_prefix/, /users_display_prefix/, /user_emails_prefix/];
    await expectIndexed(() => page({ prefix: 'Ann', cursor: 'c1.1' }), indexes);
  });

  test('status and source', async () => {
    await expectIndexed(() => page({ active: false, cursor: 'c1.1' }), [/users_active_order/]);
    await expectIndexed(() => page({ source: 'jit', cursor: 'c1.1' }), [/users_source/]);
  });

  test("the overview's counts", async () => {
    await expectIndexed(() => pages().count(scope));
    await expectIndexed(() => pages().count(scope, { active: true }));
  });

  test("a page's groups", async () => {
    await expectIndexed(
      () => new UserRepository(probe.db, probe.dialect).groupsOf(scope, ['u1', 'u2']),
      [/group_members_member/],
    );
  });
});

describe('groups pages', () => {
  const groups = () => new GroupRepository(probe.db, probe.dialect);

  test('search and paging of the groups list', async () => {
    await expectIndexed(() =>
      groups().list(scope, {
        startIndex: 1,
        count: 50,
        sortOrder: 'ascending',
        cursor: 'c1.1',
        prefix: 'en',
      }),
    );
    // The console's page: its total counted up to the cap.
    await expectIndexed(() =>
      groups().list(scope, {
        startIndex: 1,
        count: 50,
        sortOrder: 'ascending',
        cursor: 'c1.1',
        countCap: 1000,
      }),
    );
  });

  test('member counts of a page of groups', async () => {
    await expectIndexed(() => groups().memberCounts(scope, ['g1', 'g2']), [/group_members_pk|group_members/]);
  });

  test("a group's members, first page and after a member", async () => {
    await expectIndexed(() => groups().membersPage(scope, 'g1', { limit: 100 }));
    await expectIndexed(() => groups().membersPage(scope, 'g1', { afterMemberId: 'u5', limit: 100 }));
  });
});

describe('provisioning log', () => {
  test('the user filter: ids resolved on the users indexes, then the resource index', async () => {
    await expectIndexed(() => new UserRepository(probe.db, probe.dialect).idsNamed(scope, 'Ann@x.test'));
    await expectIndexed(
      () => new LogRepository(probe.db).search({ ...scope, userIds: ['u1', 'ann@x.test'], limit: 50 }),
      [/provisioning_log_resource/],
    );
  });
});
