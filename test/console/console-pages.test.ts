import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleIdentity } from '../../src/directory/console-sessions.js';
import { ConsoleViews } from '../../src/directory/console-views.js';
import { LifecycleService } from '../../src/directory/lifecycle-service.js';
import { startServer, type TestDirectory, type TestServer } from '../support/rollcall-server.js';

/**
 * The console's users and groups pages on the store under test, fed through SCIM over HTTP: the
 * role filter follows every SCIM write and the group→role rules, search matches the start of a
 * name or email, totals, and a group's members a page at a time.
 */
let server: TestServer;
let dir: TestDirectory;
let single: TestDirectory;
let views: ConsoleViews;
const operator: ConsoleIdentity = {
  kind: 'operator',
  sessionId: 's',
  operatorId: 'op',
  email: 'op@vendor.test',
};

const ROLES = [
  { value: 'admin', display: 'Admin' },
  { value: 'member', display: 'Member' },
  { value: 'auditor', display: 'Auditor' },
];
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

async function provision(directory: TestDirectory, userName: string, roles: string[], name?: string) {
  const created = await directory.scim('POST', '/Users', {
    schemas: [USER],
    userName,
    active: true,
    ...(name && { displayName: name }),
    emails: [{ primary: true, value: `mail.${userName}` }],
    roles: roles.map((value) => ({ value })),
  });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

async function group(directory: TestDirectory, name: string, members: string[]) {
  const created = await directory.scim('POST', '/Groups', {
    schemas: [GROUP],
    displayName: name,
    members: members.map((value) => ({ value })),
  });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

const userNames = async (
  directory: TestDirectory,
  filters: Parameters<ConsoleViews['users']>[2],
): Promise<string[]> =>
  (await views.users('acme', directory.id, filters)).rows.map((r) => r.user.userName).sort();

beforeAll(async () => {
  server = await startServer();
  dir = await server.createDirectory('acme', { name: 'employees', roles: ROLES, multiRole: true });
  single = await server.createDirectory('acme', { name: 'contractors', roles: ROLES, multiRole: false });
  views = new ConsoleViews(server.store, operator);
});
afterAll(() => server.close());

describe('users page', () => {
  it('filters by role after SCIM POST, PUT, PATCH and DELETE, and by a group→role rule', async () => {
    const ann = await provision(dir, 'ann@acme.test', ['Admin']);
    const ben = await provision(dir, 'ben@acme.test', ['member']);
    const cat = await provision(dir, 'cat@acme.test', []);
    expect(await userNames(dir, { role: 'admin' })).toEqual(['ann@acme.test']);

    // PUT replaces ben's roles; PATCH gives cat one; DELETE takes ann away.
    const put = await dir.scim('PUT', `/Users/${ben}`, {
      schemas: [USER],
      userName: 'ben@acme.test',
      active: true,
      roles: [{ value: 'admin' }],
    });
    expect(put.status).toBe(200);
    const patch = await dir.scim('PATCH', `/Users/${cat}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'roles', value: [{ value: 'auditor' }] }],
    });
    expect(patch.status).toBe(200);
    expect(await userNames(dir, { role: 'ADMIN' })).toEqual(['ann@acme.test', 'ben@acme.test']);
    expect(await userNames(dir, { role: 'member' })).toEqual([]);
    expect(await userNames(dir, { role: 'auditor' })).toEqual(['cat@acme.test']);
    expect((await dir.scim('DELETE', `/Users/${ann}`)).status).toBe(204);
    expect(await userNames(dir, { role: 'admin' })).toEqual(['ben@acme.test']);

    // A group whose rule gives "member": its members hold it, and the page shows it.
    const dan = await provision(dir, 'dan@acme.test', []);
    const staff = await group(dir, 'Staff', [cat, dan]);
    await new LifecycleService(server.store).setGroupRoleRules(dir.id, [{ groupId: staff, role: 'member' }]);
    const members = await views.users('acme', dir.id, { role: 'member' });
    const byName = members.rows.map((r) => [r.user.userName, r.roles] as const).sort();
    expect(byName).toEqual([
      ['cat@acme.test', ['auditor', 'member']],
      ['dan@acme.test', ['member']],
    ]);
    expect(members.total).toEqual({ count: 2, atLeast: false });
  });

  it('in a single-role directory, shows the holders whose one role is the one asked for', async () => {
    const eve = await provision(single, 'eve@acme.test', ['admin']);
    const fay = await provision(single, 'fay@acme.test', []);
    const crew = await group(single, 'Crew', [eve, fay]);
    await new LifecycleService(server.store).setGroupRoleRules(single.id, [
      { groupId: crew, role: 'member' },
    ]);
    // eve's assigned role comes first, so she is an admin only.
    expect(await userNames(single, { role: 'member' })).toEqual(['fay@acme.test']);
    expect(await userNames(single, { role: 'admin' })).toEqual(['eve@acme.test']);
  });

  it('searches the start of userName, displayName or an email; not the middle', async () => {
    await provision(dir, 'gil@acme.test', [], 'Gilbert Zorn');
    expect(await userNames(dir, { q: 'GIL' })).toEqual(['gil@acme.test']);
    expect(await userNames(dir, { q: 'zorn' })).toEqual([]);
    expect(await userNames(dir, { q: 'gilbert z' })).toEqual(['gil@acme.test']);
    expect(await userNames(dir, { q: 'mail.gil' })).toEqual(['gil@acme.test']);
    expect(await userNames(dir, { q: 'acme.test' })).toEqual([]);
  });

  it('counts the directory for the overview, a page at a time for the list', async () => {
    const overview = await views.overview('acme', server.url);
    const employees = overview.directories.find((d) => d.directory.id === dir.id)!;
    // ben, cat, dan and gil (ann was deleted).
    expect(employees.users).toEqual({ count: 4, atLeast: false });
    expect(employees.activeUsers).toEqual({ count: 4, atLeast: false });
    const first = await views.users('acme', dir.id, { count: 2 });
    expect(first.rows).toHaveLength(2);
    expect(first.total).toEqual({ count: 4, atLeast: false });
    const second = await views.users('acme', dir.id, { count: 2, cursor: first.nextCursor! });
    expect(second.rows.map((r) => r.user.id)).not.toContain(first.rows[0]!.user.id);
  });
});

describe('groups pages', () => {
  it('count members without loading them, and walk a group a page at a time', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await provision(dir, `walk${i}@acme.test`, []));
    const big = await group(dir, 'Walkers', ids);
    const page = await views.groups('acme', dir.id, { q: 'walk' });
    expect(page.groups.map((g) => [g.displayName, g.members])).toEqual([['Walkers', 5]]);
    expect(page.total).toEqual({ count: 1, atLeast: false });

    const seen: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 5; i++) {
      const members = await views.group('acme', dir.id, big, { count: 2, ...(after && { after }) });
      expect(members.memberCount).toBe(5);
      seen.push(...members.members.map((m) => m.value));
      expect(members.members.every((m) => m.type === 'User' && m.display?.startsWith('walk'))).toBe(true);
      after = members.nextAfter;
      if (!after) break;
    }
    expect(seen).toEqual([...ids].sort());
  });

  it('a group of another directory is not found', async () => {
    const other = await group(single, 'Elsewhere', []);
    await expect(views.group('acme', dir.id, other, {})).rejects.toMatchObject({ status: 404 });
  });
});
