import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/database.js';
import { send, startServer, type TestServer } from '../support/rollcall-server.js';

/** The admin API's tenants, directories and tokens, over real HTTP against a real store. */
let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const scim = (scimUrl: string, token: string, method: string, path: string, body?: unknown) =>
  send(`${scimUrl}${path}`, method, body, { authorization: `Bearer ${token}` });

async function tenantWithDirectory(slug: string, name = 'employees') {
  expect((await server.api('POST', '/tenants', { slug, name: `${slug} Inc` })).status).toBe(201);
  const directory = await server.api('POST', `/tenants/${slug}/directories`, { name });
  expect(directory.status).toBe(201);
  const token = await server.api('POST', `/directories/${directory.body.id}/tokens`);
  expect(token.status).toBe(201);
  return { directory: directory.body, token: token.body.token as string };
}

describe('tenants', () => {
  it('creates, lists, gets and renames a tenant', async () => {
    const created = await server.api('POST', '/tenants', { slug: 'natoma', name: 'Natoma' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      slug: 'natoma',
      name: 'Natoma',
      created: expect.any(String),
    });
    expect((await server.api('GET', '/tenants/natoma')).body).toEqual(created.body);
    const list = await server.api('GET', '/tenants');
    expect(list.body.items.map((t: { slug: string }) => t.slug)).toContain('natoma');

    const renamed = await server.api('PATCH', '/tenants/natoma', { name: 'Natoma Security' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ slug: 'natoma', name: 'Natoma Security' });
    expect((await server.api('GET', '/tenants/natoma')).body.name).toBe('Natoma Security');
  });

  it('pages tenants in slug order with a cursor', async () => {
    for (const slug of ['page-a', 'page-b', 'page-c']) await server.api('POST', '/tenants', { slug });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await server.api('GET', `/tenants?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((t: { slug: string }) => t.slug));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...seen].sort());
    expect(seen).toEqual(expect.arrayContaining(['page-a', 'page-b', 'page-c']));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('refuses a duplicate slug with 409 ALREADY_EXISTS and a bad slug with 400', async () => {
    await server.api('POST', '/tenants', { slug: 'dupe' });
    const again = await server.api('POST', '/tenants', { slug: 'dupe' });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ code: 'ALREADY_EXISTS', message: expect.stringContaining('dupe') });
    const bad = await server.api('POST', '/tenants', { slug: 'Not A Slug' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.slug' });
  });

  it('answers an unknown tenant with 404 TENANT_NOT_FOUND', async () => {
    for (const [method, path, body] of [
      ['GET', '/tenants/nobody'],
      ['PATCH', '/tenants/nobody', { name: 'x' }],
      ['DELETE', '/tenants/nobody'],
      ['GET', '/tenants/nobody/directories'],
      ['POST', '/tenants/nobody/directories', { name: 'x' }],
    ] as const) {
      const res = await server.api(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.code).toBe('TENANT_NOT_FOUND');
    }
  });
});

describe('directories', () => {
  it('creates a directory with the role settings of seed 002 (Nulab: ADMIN, USER, GUEST; default GUEST)', async () => {
    await server.api('POST', '/tenants', { slug: 'nulab' });
    const res = await server.api('POST', '/tenants/nulab/directories', {
      name: 'backlog',
      roles: [{ value: 'ADMIN', display: 'Administrator' }, { value: 'USER' }, { value: 'GUEST' }],
      defaultRole: 'GUEST',
      unknownRolePolicy: 'default',
      multiRole: false,
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      tenant: 'nulab',
      name: 'backlog',
      scimUrl: `${server.url}/scim/v2/${res.body.id}`,
      scimEnabled: true,
      roles: [
        { value: 'ADMIN', display: 'Administrator' },
        { value: 'USER', display: 'USER' },
        { value: 'GUEST', display: 'GUEST' },
      ],
      defaultRole: 'GUEST',
      unknownRolePolicy: 'default',
      multiRole: false,
      consoleRoles: [],
      deletePolicy: 'hard',
      softDeleteDays: 30,
      accountMatching: false,
      deprovisionGuard: { enabled: true, maxShare: 0.2, windowMinutes: 60, minCount: 50 },
      profile: { required: [], extensions: [] },
      deprovisioningPausedAt: null,
      created: expect.any(String),
      updated: expect.any(String),
    });
    expect((await server.api('GET', `/directories/${res.body.id}`)).body).toEqual(res.body);

    // The settings are live: a user provisioned with an unknown role gets the default one.
    const token = (await server.api('POST', `/directories/${res.body.id}/tokens`)).body.token;
    const user = await scim(res.body.scimUrl, token, 'POST', '/Users', {
      userName: 'ada@nulab.test',
      roles: [{ value: 'Owner', primary: true }],
    });
    expect(user.status).toBe(201);
    expect(user.body.roles).toEqual([{ value: 'GUEST', primary: true }]);
  });

  it('lists several directories of a tenant (seed 004: advisors and rooms)', async () => {
    await server.api('POST', '/tenants', { slug: 'andmoney' });
    for (const name of ['rooms', 'advisors'])
      expect((await server.api('POST', '/tenants/andmoney/directories', { name })).status).toBe(201);
    const list = await server.api('GET', '/tenants/andmoney/directories');
    expect(list.status).toBe(200);
    expect(list.body.items.map((d: { name: string }) => d.name)).toEqual(['advisors', 'rooms']);
    const again = await server.api('POST', '/tenants/andmoney/directories', { name: 'rooms' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('ALREADY_EXISTS');
  });

  it('updates name, roles and policy; validates them together', async () => {
    const { directory } = await tenantWithDirectory('patchco');
    const res = await server.api('PATCH', `/directories/${directory.id}`, {
      name: 'staff',
      roles: [{ value: 'admin' }, { value: 'member' }],
      defaultRole: 'member',
      multiRole: true,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'staff', defaultRole: 'member', multiRole: true });
    expect(res.body.roles.map((r: { value: string }) => r.value)).toEqual(['admin', 'member']);

    // A default role that is not one of the roles is refused, and nothing changes.
    const bad = await server.api('PATCH', `/directories/${directory.id}`, { defaultRole: 'owner' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('INVALID_VALUE');
    expect((await server.api('GET', `/directories/${directory.id}`)).body.defaultRole).toBe('member');

    const cleared = await server.api('PATCH', `/directories/${directory.id}`, { defaultRole: null });
    expect(cleared.body.defaultRole).toBeNull();
    const empty = await server.api('PATCH', `/directories/${directory.id}`, {});
    expect(empty.status).toBe(400);
    expect(empty.body.code).toBe('VALIDATION_FAILED');
  });

  it('switches provisioning off (SCIM gets 403 and changes nothing) and on again', async () => {
    const { directory, token } = await tenantWithDirectory('switchco');
    const off = await server.api('PATCH', `/directories/${directory.id}`, { scimEnabled: false });
    expect(off.body.scimEnabled).toBe(false);
    const refused = await scim(directory.scimUrl, token, 'POST', '/Users', { userName: 'x@switch.test' });
    expect(refused.status).toBe(403);
    await server.api('PATCH', `/directories/${directory.id}`, { scimEnabled: true });
    expect((await scim(directory.scimUrl, token, 'GET', '/Users')).body.totalResults).toBe(0);
  });

  it('deletes a directory: its token stops working, the tenant keeps its other directories', async () => {
    const { directory, token } = await tenantWithDirectory('delco');
    const other = (await server.api('POST', '/tenants/delco/directories', { name: 'other' })).body;
    await scim(directory.scimUrl, token, 'POST', '/Users', { userName: 'gone@del.test' });
    expect((await server.api('DELETE', `/directories/${directory.id}`)).status).toBe(204);
    expect((await server.api('GET', `/directories/${directory.id}`)).body.code).toBe('DIRECTORY_NOT_FOUND');
    expect((await scim(directory.scimUrl, token, 'GET', '/Users')).status).toBe(401);
    const left = await server.api('GET', '/tenants/delco/directories');
    expect(left.body.items.map((d: { id: string }) => d.id)).toEqual([other.id]);
    expect((await server.api('DELETE', `/directories/${directory.id}`)).status).toBe(404);
  });

  it('answers an unknown directory with 404 DIRECTORY_NOT_FOUND on every directory route', async () => {
    const id = '00000000-0000-0000-0000-000000000000';
    for (const [method, path, body] of [
      ['GET', `/directories/${id}`],
      ['PATCH', `/directories/${id}`, { name: 'x' }],
      ['DELETE', `/directories/${id}`],
      ['POST', `/directories/${id}/tokens`],
      ['GET', `/directories/${id}/tokens`],
      ['DELETE', `/directories/${id}/tokens/${id}`],
      ['GET', `/directories/${id}/users`],
      ['GET', `/directories/${id}/users/${id}`],
      ['GET', `/directories/${id}/groups`],
      ['GET', `/directories/${id}/groups/${id}`],
      ['GET', `/directories/${id}/logs`],
      ['GET', `/directories/${id}/logs?format=csv`],
    ] as const) {
      const res = await server.api(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.code, `${method} ${path}`).toBe('DIRECTORY_NOT_FOUND');
    }
  });
});

describe('tokens', () => {
  it('rotates without downtime: two active tokens, revoke one, the other still works; no secret is ever listed', async () => {
    const { directory, token: first } = await tenantWithDirectory('rotate');
    const second = await server.api('POST', `/directories/${directory.id}/tokens`, {
      expires: '2999-01-01T00:00:00Z',
    });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({
      token: expect.stringMatching(/^rcs_[A-Za-z0-9_-]{43}$/),
      prefix: second.body.token.slice(0, 10),
      status: 'active',
      expires: '2999-01-01T00:00:00.000Z',
      revoked: null,
    });
    expect(second.headers.get('cache-control')).toBe('no-store');
    for (const token of [first, second.body.token])
      expect((await scim(directory.scimUrl, token, 'GET', '/Users')).status).toBe(200);

    const list = await server.api('GET', `/directories/${directory.id}/tokens`);
    expect(list.body.items).toHaveLength(2);
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(first);
    expect(text).not.toContain(second.body.token);
    for (const item of list.body.items) {
      expect(Object.keys(item).sort()).toEqual(
        ['created', 'directory', 'expires', 'id', 'lastUsed', 'prefix', 'revoked', 'scopes', 'status'].sort(),
      );
    }
    const firstId = list.body.items.find((t: { id: string }) => t.id !== second.body.id).id;
    expect(list.body.items.find((t: { id: string }) => t.id === firstId).lastUsed).not.toBeNull();

    expect((await server.api('DELETE', `/directories/${directory.id}/tokens/${firstId}`)).status).toBe(204);
    const refused = await scim(directory.scimUrl, first, 'GET', '/Users');
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toMatch(/revoked/);
    expect((await scim(directory.scimUrl, second.body.token, 'GET', '/Users')).status).toBe(200);

    const after = await server.api('GET', `/directories/${directory.id}/tokens`);
    expect(after.body.items.find((t: { id: string }) => t.id === firstId)).toMatchObject({
      status: 'revoked',
      revoked: expect.any(String),
    });
    // Revoking again is idempotent.
    expect((await server.api('DELETE', `/directories/${directory.id}/tokens/${firstId}`)).status).toBe(204);
  });

  it("refuses to revoke another directory's token through this directory", async () => {
    const a = await tenantWithDirectory('tok-a');
    const b = await tenantWithDirectory('tok-b');
    const bTokens = await server.api('GET', `/directories/${b.directory.id}/tokens`);
    const res = await server.api(
      'DELETE',
      `/directories/${a.directory.id}/tokens/${bTokens.body.items[0].id}`,
    );
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('TOKEN_NOT_FOUND');
    expect((await scim(b.directory.scimUrl, b.token, 'GET', '/Users')).status).toBe(200);
  });

  it('passes scopes through to the token and lists them', async () => {
    const { directory } = await tenantWithDirectory('scoped');
    const res = await server.api('POST', `/directories/${directory.id}/tokens`, { scopes: ['users:read'] });
    expect(res.status).toBe(201);
    expect(res.body.scopes).toEqual(['users:read']);
    const list = await server.api('GET', `/directories/${directory.id}/tokens`);
    expect(list.body.items.find((t: { id: string }) => t.id === res.body.id).scopes).toEqual(['users:read']);
    const bad = await server.api('POST', `/directories/${directory.id}/tokens`, { scopes: ['admin'] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.scopes[0]' });
  });

  it('refuses an expiry in the past or not a date', async () => {
    const { directory } = await tenantWithDirectory('expiry');
    const past = await server.api('POST', `/directories/${directory.id}/tokens`, {
      expires: '2001-01-01T00:00:00Z',
    });
    expect(past.status).toBe(400);
    expect(past.body.code).toBe('INVALID_VALUE');
    const junk = await server.api('POST', `/directories/${directory.id}/tokens`, { expires: 'soon' });
    expect(junk.status).toBe(400);
  });
});

describe('deleting a tenant', () => {
  it('removes every row of the tenant in every table, leaves other tenants alone, and its SCIM token is 401', async () => {
    const doomed = await tenantWithDirectory('doomed');
    const kept = await tenantWithDirectory('kept');
    for (const { directory, token } of [doomed, kept]) {
      const user = await scim(directory.scimUrl, token, 'POST', '/Users', {
        userName: 'ada@example.test',
        emails: [{ value: 'ada@example.test', primary: true }],
      });
      expect(user.status).toBe(201);
      const group = await scim(directory.scimUrl, token, 'POST', '/Groups', {
        displayName: 'Staff',
        members: [{ value: user.body.id }],
      });
      expect(group.status).toBe(201);
    }
    await server.app.log.flush();
    const doomedId = (await server.api('GET', '/tenants/doomed')).body.id;
    const keptId = (await server.api('GET', '/tenants/kept')).body.id;
    await server.admin.createApiKey({ tenantSlug: 'doomed' });

    const before = await rowsOf(doomedId);
    for (const table of ['directories', 'scim_tokens', 'users', 'user_emails', 'groups', 'group_members'])
      expect(before[table], table).toBeGreaterThan(0);
    expect(before.provisioning_log).toBeGreaterThan(0);
    expect(before.api_keys).toBe(1);
    const keptBefore = await rowsOf(keptId);

    expect((await server.api('DELETE', '/tenants/doomed')).status).toBe(204);

    expect(Object.values(await rowsOf(doomedId)).every((n) => n === 0)).toBe(true);
    expect(await rowsOf(keptId)).toEqual(keptBefore);
    expect((await server.api('GET', '/tenants/doomed')).status).toBe(404);
    const refused = await scim(doomed.directory.scimUrl, doomed.token, 'GET', '/Users');
    expect(refused.status).toBe(401);
    expect((await scim(kept.directory.scimUrl, kept.token, 'GET', '/Users')).body.totalResults).toBe(1);
  });
});

/** Rows per table holding the tenant's data, read straight from the database. */
async function rowsOf(tenantId: string): Promise<Record<string, number>> {
  // The test reaches past the repositories on purpose: it checks no table keeps a row.
  const db = (server.store as unknown as { driver: { db: Kysely<Database> } }).driver.db;
  const tables = [
    'directories',
    'scim_tokens',
    'users',
    'user_emails',
    'groups',
    'group_members',
    'provisioning_log',
    'api_keys',
    'events',
    'tenant_domains',
    'account_matches',
    'group_role_rules',
  ] as const;
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const row = await db
      .selectFrom(table as 'users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenantId)
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  const tenant = await db
    .selectFrom('tenants')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('id', '=', tenantId)
    .executeTakeFirstOrThrow();
  counts.tenants = Number(tenant.n);
  return counts;
}
