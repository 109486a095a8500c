import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Maintenance, type MaintenanceJob } from '../../src/directory/maintenance.js';
import { buildApp } from '../../src/http/app.js';
import { send, startServer, type TestDirectory, type TestServer } from '../support/rollcall-server.js';

/**
 * Issue 3's account lifecycle through the admin API over real HTTP: lifecycle settings, soft delete and
 * restore, admin-created accounts and the "Provisioned" label, account matches, roles from groups, the
 * deprovisioning guard, tenant domains, the events feed, and the server's maintenance jobs.
 */
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const deactivate = { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] };
const DAY_MS = 86_400_000;

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

async function directory(tenant: string, body: Record<string, unknown> = {}): Promise<TestDirectory> {
  const dir = await server.createDirectory(tenant);
  if (Object.keys(body).length > 0)
    expect((await server.api('PATCH', `/directories/${dir.id}`, body)).status).toBe(200);
  return dir;
}

describe('lifecycle settings of a directory', () => {
  it('are shown with their defaults, taken at creation, and changed field by field', async () => {
    await server.admin.createTenant('settings');
    const created = await server.api('POST', '/tenants/settings/directories', {
      name: 'rooms',
      deletePolicy: 'soft',
      softDeleteDays: 14,
      deprovisionGuard: { minCount: 10 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      deletePolicy: 'soft',
      softDeleteDays: 14,
      accountMatching: false,
      deprovisionGuard: { enabled: true, maxShare: 0.2, windowMinutes: 60, minCount: 10 },
      profile: { required: [], extensions: [] },
      deprovisioningPausedAt: null,
    });
    const id = created.body.id;

    const schema = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
    const patched = await server.api('PATCH', `/directories/${id}`, {
      accountMatching: true,
      deprovisionGuard: { maxShare: 0.5 },
      profile: {
        extensions: [
          {
            schema,
            name: 'AcmeUser',
            attributes: [
              { name: 'badge', type: 'string', required: true, description: 'Door badge' },
              { name: 'floor', type: 'integer', canonicalValues: ['1', '2'] },
            ],
          },
        ],
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      deletePolicy: 'soft',
      softDeleteDays: 14,
      accountMatching: true,
      deprovisionGuard: { enabled: true, maxShare: 0.5, windowMinutes: 60, minCount: 10 },
      profile: {
        required: [],
        extensions: [
          {
            schema,
            name: 'AcmeUser',
            attributes: [
              { name: 'badge', type: 'string', required: true, description: 'Door badge' },
              { name: 'floor', type: 'integer', canonicalValues: ['1', '2'] },
            ],
          },
        ],
      },
    });
    // Sending only `required` keeps the extensions.
    const required = await server.api('PATCH', `/directories/${id}`, {
      profile: { required: ['name.givenName'] },
    });
    expect(required.body.profile.required).toEqual(['name.givenName']);
    expect(required.body.profile.extensions).toHaveLength(1);
    expect((await server.api('GET', `/directories/${id}`)).body).toEqual(required.body);

    // The SCIM endpoint applies the profile at once, and lists the extension for Entra's mapping editor.
    const token = (await server.api('POST', `/directories/${id}/tokens`)).body.token;
    const scim = (method: string, path: string, body?: unknown) =>
      send(`${server.url}/scim/v2/${id}${path}`, method, body, { authorization: `Bearer ${token}` });
    const refused = await scim('POST', '/Users', {
      userName: 'door@settings.test',
      name: { givenName: 'D' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toContain(`${schema}:badge`);
    const schemas = await scim('GET', '/Schemas');
    expect(schemas.body.Resources.map((s: { id: string }) => s.id)).toContain(schema);
  });

  it('refuse a field of the wrong type or range with VALIDATION_FAILED naming it', async () => {
    const dir = await directory('settings-bad');
    const cases: [Record<string, unknown>, string][] = [
      [{ deletePolicy: 'gone' }, 'body.deletePolicy'],
      [{ softDeleteDays: 0 }, 'body.softDeleteDays'],
      [{ softDeleteDays: 1.5 }, 'body.softDeleteDays'],
      [{ accountMatching: 'yes' }, 'body.accountMatching'],
      [{ deprovisionGuard: { maxShare: 0 } }, 'body.deprovisionGuard.maxShare'],
      [{ deprovisionGuard: { maxShare: 1.5 } }, 'body.deprovisionGuard.maxShare'],
      [{ deprovisionGuard: { windowMinutes: 0 } }, 'body.deprovisionGuard.windowMinutes'],
      [{ deprovisionGuard: { share: 0.1 } }, 'body.deprovisionGuard.share'],
      [{ deprovisioningPausedAt: null }, 'body.deprovisioningPausedAt'],
      [
        {
          profile: {
            extensions: [{ schema: 'urn:x:y', name: 'X', attributes: [{ name: 'a', type: 'complex' }] }],
          },
        },
        'body.profile.extensions[0].attributes[0].type',
      ],
      [
        {
          profile: {
            extensions: [{ schema: 'urn:x:y', name: 'X', attributes: [{ name: '1st', type: 'string' }] }],
          },
        },
        'body.profile.extensions[0].attributes[0].name',
      ],
    ];
    for (const [body, field] of cases) {
      const res = await server.api('PATCH', `/directories/${dir.id}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body, JSON.stringify(body)).toMatchObject({ code: 'VALIDATION_FAILED', field });
    }
  });

  it('refuse what only the service can judge with INVALID_VALUE, and change nothing', async () => {
    const dir = await directory('settings-invalid');
    const before = (await server.api('GET', `/directories/${dir.id}`)).body;
    for (const body of [
      { profile: { extensions: [{ schema: 'acme-user', name: 'X', attributes: [] }] } },
      { profile: { required: ['name..givenName'] } },
      {
        profile: {
          extensions: [
            {
              schema: 'urn:ietf:params:scim:schemas:extension:acme:2.0:User',
              name: 'X',
              attributes: [
                { name: 'badge', type: 'string' },
                { name: 'Badge', type: 'string' },
              ],
            },
          ],
        },
      },
      {
        profile: {
          extensions: [{ schema: 'urn:ietf:params:scim:schemas:core:2.0:User', name: 'X', attributes: [] }],
        },
      },
      // A valid name with an invalid lifecycle setting: the PATCH is checked whole, nothing is written.
      { name: 'renamed', deletePolicy: 'soft', profile: { required: ['a.b.c'] } },
    ]) {
      const res = await server.api('PATCH', `/directories/${dir.id}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code, JSON.stringify(body)).toBe('INVALID_VALUE');
    }
    expect((await server.api('GET', `/directories/${dir.id}`)).body).toEqual(before);

    const refused = await server.api('POST', '/tenants/settings-invalid/directories', {
      name: 'never',
      profile: { required: ['not a path'] },
    });
    expect(refused.body.code).toBe('INVALID_VALUE');
    const names = (await server.api('GET', '/tenants/settings-invalid/directories')).body.items.map(
      (d: { name: string }) => d.name,
    );
    expect(names).not.toContain('never');
  });
});

describe('soft delete and restore', () => {
  it('restores a soft-deleted user through the API, with the same id and content', async () => {
    const dir = await directory('restore', { deletePolicy: 'soft' });
    const user = (await dir.scim('POST', '/Users', { userName: 'kept@restore.test', title: 'Keeper' })).body;
    expect((await dir.scim('DELETE', `/Users/${user.id}`)).status).toBe(204);
    expect((await server.api('GET', `/directories/${dir.id}/users/${user.id}`)).body.code).toBe(
      'USER_NOT_FOUND',
    );

    const restored = await server.api('POST', `/directories/${dir.id}/users/${user.id}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({
      id: user.id,
      userName: 'kept@restore.test',
      title: 'Keeper',
      source: 'scim',
      provisioned: true,
    });
    expect((await dir.scim('GET', `/Users/${user.id}`)).body.title).toBe('Keeper');
    const events = (await server.api('GET', '/tenants/restore/events')).body.events;
    expect(events.map((e: { type: string }) => e.type)).toEqual([
      'user.created',
      'user.deleted',
      'user.restored',
    ]);

    // Restoring a live user, or one that never was, is 404.
    const again = await server.api('POST', `/directories/${dir.id}/users/${user.id}/restore`);
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('USER_NOT_FOUND');
    expect((await server.api('POST', `/directories/${dir.id}/users/nobody/restore`)).body.code).toBe(
      'USER_NOT_FOUND',
    );
  });

  it('answers 409 ALREADY_EXISTS when another user took the userName meanwhile', async () => {
    const dir = await directory('restore-taken', { deletePolicy: 'soft' });
    const first = (await dir.scim('POST', '/Users', { userName: 'taken@restore.test', externalId: 'a' }))
      .body;
    await dir.scim('DELETE', `/Users/${first.id}`);
    // An admin gives the userName to a new account (a SCIM create would revive the deleted one).
    const second = await server.api('POST', `/directories/${dir.id}/users`, {
      userName: 'taken@restore.test',
    });
    expect(second.body.id).not.toBe(first.id);
    const res = await server.api('POST', `/directories/${dir.id}/users/${first.id}/restore`);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('ALREADY_EXISTS');
  });
});

describe('accounts not made by SCIM', () => {
  it('creates an admin account, shown without the "Provisioned" label', async () => {
    const dir = await server.createDirectory('accounts', {
      roles: [
        { value: 'admin', display: 'Admin' },
        { value: 'member', display: 'Member' },
      ],
      defaultRole: 'member',
    });
    const created = await server.api('POST', `/directories/${dir.id}/users`, {
      userName: 'manual@accounts.test',
      displayName: 'Manual',
      emails: [{ value: 'manual@accounts.test', primary: true }],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      userName: 'manual@accounts.test',
      source: 'admin',
      provisioned: false,
      roles: [{ value: 'member', primary: true }],
    });
    await dir.scim('POST', '/Users', { userName: 'idp@accounts.test' });

    const list = (await server.api('GET', `/directories/${dir.id}/users`)).body.items;
    expect(
      list.map((u: { userName: string; source: string; provisioned: boolean }) => [
        u.userName,
        u.source,
        u.provisioned,
      ]),
    ).toEqual([
      ['manual@accounts.test', 'admin', false],
      ['idp@accounts.test', 'scim', true],
    ]);
    const one = await server.api('GET', `/directories/${dir.id}/users/${created.body.id}`);
    expect(one.body).toMatchObject({ source: 'admin', provisioned: false, displayName: 'Manual' });
    expect(
      (
        await server.api(
          'GET',
          `/directories/${dir.id}/users?filter=${encodeURIComponent('userName eq "manual@accounts.test"')}`,
        )
      ).body.totalResults,
    ).toBe(1);
  });

  it('refuses a body without userName, a taken userName, an unknown role and a missing required attribute', async () => {
    const dir = await server.createDirectory('accounts-bad', {
      roles: [{ value: 'admin', display: 'Admin' }],
    });
    await server.api('PATCH', `/directories/${dir.id}`, { profile: { required: ['name.givenName'] } });
    const missing = await server.api('POST', `/directories/${dir.id}/users`, { displayName: 'No name' });
    expect(missing.body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.userName' });
    const noGiven = await server.api('POST', `/directories/${dir.id}/users`, { userName: 'x@bad.test' });
    expect(noGiven.body.code).toBe('INVALID_VALUE');
    expect(noGiven.body.message).toContain('name.givenName');
    const role = await server.api('POST', `/directories/${dir.id}/users`, {
      userName: 'x@bad.test',
      name: { givenName: 'X' },
      roles: [{ value: 'owner' }],
    });
    expect(role.body.code).toBe('INVALID_VALUE');
    const ok = { userName: 'x@bad.test', name: { givenName: 'X' } };
    expect((await server.api('POST', `/directories/${dir.id}/users`, ok)).status).toBe(201);
    const taken = await server.api('POST', `/directories/${dir.id}/users`, { ...ok, userName: 'X@BAD.test' });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('ALREADY_EXISTS');
  });
});

describe('account matches (seed 003)', () => {
  it('queues a match outside the declared domains; confirm merges, and a second decision is 409', async () => {
    const dir = await directory('matching', { accountMatching: true });
    const existing = (
      await server.api('POST', `/directories/${dir.id}/users`, {
        userName: 'bob',
        emails: [{ value: 'bob@elsewhere.test' }],
      })
    ).body;
    const scimUser = (
      await dir.scim('POST', '/Users', { userName: 'bob.scim', emails: [{ value: 'bob@elsewhere.test' }] })
    ).body;
    const pending = await server.api('GET', `/directories/${dir.id}/matches?status=pending`);
    expect(pending.status).toBe(200);
    expect(pending.body.items).toEqual([
      {
        id: expect.any(String),
        directory: dir.id,
        scimUserId: scimUser.id,
        existingUserId: existing.id,
        email: 'bob@elsewhere.test',
        status: 'pending',
        created: expect.any(String),
        decided: null,
      },
    ]);
    const matchId = pending.body.items[0].id;

    const confirmed = await server.api('POST', `/directories/${dir.id}/matches/${matchId}/confirm`);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ id: matchId, status: 'confirmed', decided: expect.any(String) });
    expect((await server.api('GET', `/directories/${dir.id}/users/${existing.id}`)).status).toBe(404);
    expect((await server.api('GET', `/directories/${dir.id}/matches?status=pending`)).body.items).toEqual([]);
    expect((await server.api('GET', `/directories/${dir.id}/matches`)).body.items).toHaveLength(1);
    const merged = (await server.api('GET', '/tenants/matching/events')).body.events.find(
      (e: { type: string }) => e.type === 'user.merged',
    );
    expect(merged).toMatchObject({ resourceId: scimUser.id, data: { from: existing.id, into: scimUser.id } });

    const twice = await server.api('POST', `/directories/${dir.id}/matches/${matchId}/refuse`);
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('CONFLICT');
    const unknown = await server.api('POST', `/directories/${dir.id}/matches/nope/confirm`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('MATCH_NOT_FOUND');
    const badStatus = await server.api('GET', `/directories/${dir.id}/matches?status=maybe`);
    expect(badStatus.body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'query.status' });
  });

  it('refuses a match: both accounts stay', async () => {
    const dir = await directory('refusing', { accountMatching: true });
    const existing = (await server.api('POST', `/directories/${dir.id}/users`, { userName: 'cy@else.test' }))
      .body;
    await dir.scim('POST', '/Users', { userName: 'cy.scim', emails: [{ value: 'cy@else.test' }] });
    const [match] = (await server.api('GET', `/directories/${dir.id}/matches`)).body.items;
    const refused = await server.api('POST', `/directories/${dir.id}/matches/${match.id}/refuse`);
    expect(refused.body).toMatchObject({ status: 'refused' });
    expect((await server.api('GET', `/directories/${dir.id}/users/${existing.id}`)).status).toBe(200);
    expect((await server.api('GET', `/directories/${dir.id}/users`)).body.totalResults).toBe(2);
  });

  it('links at once in a domain the tenant declared, which makes the account "Provisioned"', async () => {
    const dir = await directory('linking', { accountMatching: true });
    const added = await server.api('POST', '/tenants/linking/domains', { domain: 'Linking.TEST' });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({ domain: 'linking.test' });
    expect((await server.api('GET', '/tenants/linking/domains')).body).toEqual({
      items: [{ domain: 'linking.test' }],
    });

    const existing = (
      await server.api('POST', `/directories/${dir.id}/users`, {
        userName: 'ada',
        emails: [{ value: 'ada@linking.test' }],
      })
    ).body;
    expect(existing.provisioned).toBe(false);
    const linked = await dir.scim('POST', '/Users', { userName: 'ada@linking.test' });
    expect(linked.body.id).toBe(existing.id);
    expect((await server.api('GET', `/directories/${dir.id}/users/${existing.id}`)).body).toMatchObject({
      source: 'scim',
      provisioned: true,
    });
  });
});

describe('tenant domains', () => {
  it('refuse a name that is not a domain, one another tenant declared, and an unknown tenant', async () => {
    await server.admin.createTenant('domains-a');
    await server.admin.createTenant('domains-b');
    expect((await server.api('POST', '/tenants/domains-a/domains', { domain: 'a.example' })).status).toBe(
      201,
    );
    const taken = await server.api('POST', '/tenants/domains-b/domains', { domain: 'A.example' });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('ALREADY_EXISTS');
    const bad = await server.api('POST', '/tenants/domains-b/domains', { domain: 'not a domain' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('INVALID_VALUE');
    const empty = await server.api('POST', '/tenants/domains-b/domains', {});
    expect(empty.body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.domain' });
    expect((await server.api('GET', '/tenants/nobody/domains')).body.code).toBe('TENANT_NOT_FOUND');
    expect((await server.api('GET', '/tenants/domains-b/domains')).body).toEqual({ items: [] });
  });
});

describe('roles from groups', () => {
  it('replaces the rules, keeps role values, and shows a user its effective roles', async () => {
    const dir = await server.createDirectory('group-roles', {
      roles: [
        { value: 'admin', display: 'Admin' },
        { value: 'member', display: 'Member' },
      ],
      multiRole: true,
    });
    expect((await server.api('GET', `/directories/${dir.id}/group-roles`)).body).toEqual({ items: [] });
    const group = (await dir.scim('POST', '/Groups', { displayName: 'Admins' })).body;
    const user = (
      await dir.scim('POST', '/Users', { userName: 'gr@roles.test', roles: [{ value: 'Member' }] })
    ).body;
    await dir.scim('PATCH', `/Groups/${group.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: [{ value: user.id }] }],
    });

    const put = await server.api('PUT', `/directories/${dir.id}/group-roles`, {
      items: [
        { groupId: group.id, role: 'Admin' },
        { groupId: group.id, role: 'admin' },
      ],
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ items: [{ groupId: group.id, role: 'admin' }] });
    expect((await server.api('GET', `/directories/${dir.id}/group-roles`)).body).toEqual(put.body);
    expect((await server.api('GET', `/directories/${dir.id}/users/${user.id}/roles`)).body).toEqual({
      assigned: ['member'],
      fromGroups: ['admin'],
      effective: ['member', 'admin'],
    });

    const unknownRole = await server.api('PUT', `/directories/${dir.id}/group-roles`, {
      items: [{ groupId: group.id, role: 'owner' }],
    });
    expect(unknownRole.body.code).toBe('INVALID_VALUE');
    const unknownGroup = await server.api('PUT', `/directories/${dir.id}/group-roles`, {
      items: [{ groupId: 'no-such-group', role: 'admin' }],
    });
    expect(unknownGroup.body.code).toBe('INVALID_VALUE');
    const noRole = await server.api('PUT', `/directories/${dir.id}/group-roles`, {
      items: [{ groupId: group.id }],
    });
    expect(noRole.body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.items[0].role' });
    expect((await server.api('GET', `/directories/${dir.id}/group-roles`)).body).toEqual(put.body);

    expect((await server.api('PUT', `/directories/${dir.id}/group-roles`, { items: [] })).body).toEqual({
      items: [],
    });
    expect(
      (await server.api('GET', `/directories/${dir.id}/users/${user.id}/roles`)).body.fromGroups,
    ).toEqual([]);
    expect((await server.api('GET', `/directories/${dir.id}/users/nobody/roles`)).body.code).toBe(
      'USER_NOT_FOUND',
    );
  });
});

describe('the deprovisioning guard', () => {
  it('shows the pause on the directory, and lets deprovisioning go on once released', async () => {
    const dir = await directory('guard', { deprovisionGuard: { maxShare: 0.25, minCount: 2 } });
    const ids: string[] = [];
    for (let i = 0; i < 8; i++)
      ids.push((await dir.scim('POST', '/Users', { userName: `g${i}@guard.test` })).body.id);
    expect((await dir.scim('PATCH', `/Users/${ids[0]}`, deactivate)).status).toBe(200);
    expect((await dir.scim('PATCH', `/Users/${ids[1]}`, deactivate)).status).toBe(200);
    expect((await dir.scim('PATCH', `/Users/${ids[2]}`, deactivate)).status).toBe(403);
    const paused = (await server.api('GET', `/directories/${dir.id}`)).body;
    expect(paused.deprovisioningPausedAt).toEqual(expect.any(String));

    const released = await server.api('POST', `/directories/${dir.id}/deprovisioning/release`);
    expect(released.status).toBe(204);
    expect((await server.api('GET', `/directories/${dir.id}`)).body.deprovisioningPausedAt).toBeNull();
    expect((await dir.scim('PATCH', `/Users/${ids[2]}`, deactivate)).status).toBe(200);
    const types = (await server.api('GET', '/tenants/guard/events?limit=1000')).body.events.map(
      (e: { type: string }) => e.type,
    );
    expect(types).toContain('directory.deprovisioning_paused');
    expect(types).toContain('directory.deprovisioning_released');
    expect((await server.api('POST', '/directories/nope/deprovisioning/release')).body.code).toBe(
      'DIRECTORY_NOT_FOUND',
    );
  });

  it('keeps a pause that happens while the directory settings change', async () => {
    const dir = await directory('guard-race', { deprovisionGuard: { maxShare: 0.25, minCount: 1 } });
    const a = (await dir.scim('POST', '/Users', { userName: 'a@race.test' })).body.id;
    await dir.scim('POST', '/Users', { userName: 'b@race.test' });
    expect((await dir.scim('PATCH', `/Users/${a}`, deactivate)).status).toBe(403);
    // A settings change writes the settings only, never the guard's pause.
    await server.api('PATCH', `/directories/${dir.id}`, { name: 'renamed', accountMatching: true });
    expect((await server.api('GET', `/directories/${dir.id}`)).body.deprovisioningPausedAt).toEqual(
      expect.any(String),
    );
  });
});

describe('the events feed', () => {
  it('pages with after=<seq>, and answers next=after when nothing is new', async () => {
    const dir = await server.createDirectory('feed');
    for (const name of ['e1', 'e2', 'e3'])
      await dir.scim('POST', '/Users', { userName: `${name}@feed.test` });
    const first = await server.api('GET', '/tenants/feed/events?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.events).toHaveLength(2);
    expect(first.body.events[0]).toEqual({
      seq: expect.any(Number),
      id: expect.any(String),
      type: 'user.created',
      at: expect.any(String),
      directory: dir.id,
      resourceType: 'User',
      resourceId: expect.any(String),
      data: { userName: 'e1@feed.test' },
    });
    expect(first.body.next).toBe(first.body.events[1].seq);
    const second = await server.api('GET', `/tenants/feed/events?after=${first.body.next}&limit=2`);
    expect(second.body.events.map((e: { data: { userName: string } }) => e.data.userName)).toEqual([
      'e3@feed.test',
    ]);
    const none = await server.api('GET', `/tenants/feed/events?after=${second.body.next}`);
    expect(none.body).toEqual({ events: [], next: second.body.next });

    for (const [query, field] of [
      ['limit=0', 'query.limit'],
      ['limit=1001', 'query.limit'],
      ['after=-1', 'query.after'],
      ['after=x', 'query.after'],
      ['since=1', 'query.since'],
    ] as const) {
      const res = await server.api('GET', `/tenants/feed/events?${query}`);
      expect(res.body, query).toMatchObject({ code: 'VALIDATION_FAILED', field });
    }
    expect((await server.api('GET', '/tenants/nobody/events')).body.code).toBe('TENANT_NOT_FOUND');
  });
});

describe('token scopes through the API', () => {
  it('creates a token limited to its scopes, which the SCIM endpoint enforces', async () => {
    const dir = await server.createDirectory('scopes');
    const created = await server.api('POST', `/directories/${dir.id}/tokens`, {
      scopes: ['users:read', 'groups:write'],
    });
    expect(created.status).toBe(201);
    expect(created.body.scopes).toEqual(['users:read', 'groups:write']);
    const auth = { authorization: `Bearer ${created.body.token}` };
    expect((await send(`${dir.scimUrl}/Users`, 'GET', undefined, auth)).status).toBe(200);
    expect((await send(`${dir.scimUrl}/Users`, 'POST', { userName: 'no@scopes.test' }, auth)).status).toBe(
      403,
    );
    expect((await send(`${dir.scimUrl}/Groups`, 'POST', { displayName: 'ok' }, auth)).status).toBe(201);
  });
});

describe('a tenant-limited key', () => {
  it("gets 404 for another tenant's lifecycle, as if it did not exist", async () => {
    const a = await directory('iso-a', { accountMatching: true });
    const b = await directory('iso-b', { accountMatching: true, deletePolicy: 'soft' });
    const keyA = (await server.admin.createApiKey({ tenantSlug: 'iso-a' })).secret;
    const existing = (await server.api('POST', `/directories/${b.id}/users`, { userName: 'dee@b.test' }))
      .body;
    const scimUser = (
      await b.scim('POST', '/Users', { userName: 'dee.scim', emails: [{ value: 'dee@b.test' }] })
    ).body;
    const deleted = (await b.scim('POST', '/Users', { userName: 'gone@b.test' })).body;
    await b.scim('DELETE', `/Users/${deleted.id}`);
    const [match] = (await server.api('GET', `/directories/${b.id}/matches`)).body.items;
    const group = (await b.scim('POST', '/Groups', { displayName: 'B' })).body;

    const cases: [string, string, unknown, string][] = [
      ['GET', `/directories/${b.id}/matches`, undefined, 'DIRECTORY_NOT_FOUND'],
      ['POST', `/directories/${b.id}/matches/${match.id}/confirm`, undefined, 'DIRECTORY_NOT_FOUND'],
      ['POST', `/directories/${b.id}/matches/${match.id}/refuse`, undefined, 'DIRECTORY_NOT_FOUND'],
      // Through a directory of its own tenant, the other tenant's match is not there either.
      ['POST', `/directories/${a.id}/matches/${match.id}/confirm`, undefined, 'MATCH_NOT_FOUND'],
      ['GET', '/tenants/iso-b/domains', undefined, 'TENANT_NOT_FOUND'],
      ['POST', '/tenants/iso-b/domains', { domain: 'b.example' }, 'TENANT_NOT_FOUND'],
      ['GET', '/tenants/iso-b/events', undefined, 'TENANT_NOT_FOUND'],
      ['PATCH', `/directories/${b.id}`, { deletePolicy: 'hard' }, 'DIRECTORY_NOT_FOUND'],
      ['POST', `/directories/${b.id}/deprovisioning/release`, undefined, 'DIRECTORY_NOT_FOUND'],
      ['GET', `/directories/${b.id}/group-roles`, undefined, 'DIRECTORY_NOT_FOUND'],
      [
        'PUT',
        `/directories/${b.id}/group-roles`,
        { items: [{ groupId: group.id, role: 'x' }] },
        'DIRECTORY_NOT_FOUND',
      ],
      ['POST', `/directories/${b.id}/users`, { userName: 'intruder' }, 'DIRECTORY_NOT_FOUND'],
      ['GET', `/directories/${b.id}/users/${scimUser.id}/roles`, undefined, 'DIRECTORY_NOT_FOUND'],
      ['POST', `/directories/${b.id}/users/${deleted.id}/restore`, undefined, 'DIRECTORY_NOT_FOUND'],
      ['POST', `/directories/${a.id}/users/${deleted.id}/restore`, undefined, 'USER_NOT_FOUND'],
    ];
    for (const [method, path, body, code] of cases) {
      const res = await server.api(method, path, body, keyA);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.code, `${method} ${path}`).toBe(code);
    }

    // Nothing of tenant B changed.
    expect((await server.api('GET', `/directories/${b.id}/matches?status=pending`)).body.items).toHaveLength(
      1,
    );
    expect((await server.api('GET', '/tenants/iso-b/domains')).body.items).toEqual([]);
    expect((await server.api('GET', `/directories/${b.id}`)).body.deletePolicy).toBe('soft');
    expect((await server.api('GET', `/directories/${b.id}/users/${existing.id}`)).status).toBe(200);

    // Its own tenant's feed holds only its own events.
    await a.scim('POST', '/Users', { userName: 'own@a.test' });
    const own = await server.api('GET', '/tenants/iso-a/events', undefined, keyA);
    expect(own.status).toBe(200);
    expect(own.body.events.length).toBeGreaterThan(0);
    expect(own.body.events.every((e: { directory: string }) => e.directory === a.id)).toBe(true);
    expect((await server.api('POST', '/tenants/iso-a/domains', { domain: 'a.iso.test' }, keyA)).status).toBe(
      201,
    );
  });
});

describe('maintenance', () => {
  it('purges soft-deleted users past softDeleteDays, warns of expiring tokens in the server log, and purges old logs', async () => {
    const lines: { level: number; msg: string; job?: string }[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const app = await buildApp({ store: server.store, logger: { level: 'info', stream } });
    try {
      expect(app.maintenance.jobs.map((j) => j.name)).toEqual([
        'purge-provisioning-logs',
        'purge-deleted-users',
        'warn-expiring-tokens',
        'refresh-saml-metadata',
        'warn-expiring-saml-certificates',
        'purge-sso-state',
      ]);
      const dir = await directory('maintained', { deletePolicy: 'soft', softDeleteDays: 10 });
      const user = (await dir.scim('POST', '/Users', { userName: 'old@maintained.test' })).body;
      await dir.scim('DELETE', `/Users/${user.id}`);
      const expiring = await server.api('POST', `/directories/${dir.id}/tokens`, {
        expires: new Date(Date.now() + 3 * DAY_MS).toISOString(),
      });

      await app.maintenance.runOnce();
      const warnings = lines.filter((l) => l.level === 40 && l.job === 'warn-expiring-tokens');
      expect(warnings.filter((l) => l.msg.includes(expiring.body.prefix))).toHaveLength(1);
      const feed = (await server.api('GET', '/tenants/maintained/events')).body.events;
      expect(feed.filter((e: { type: string }) => e.type === 'token.expiring')).toHaveLength(1);
      // Nine days on: no soft-deleted user is past its directory's days yet, and no token is warned twice.
      await app.maintenance.runOnce(new Date(Date.now() + 9 * DAY_MS));
      expect(lines.some((l) => l.job === 'purge-deleted-users')).toBe(false);
      expect(
        lines.filter((l) => l.job === 'warn-expiring-tokens' && l.msg.includes(expiring.body.prefix)),
      ).toHaveLength(1);

      await server.app.log.flush();
      expect((await server.admin.logs(dir.id)).length).toBeGreaterThan(0);
      // 31 days on: past softDeleteDays (10) and past the log retention (30).
      await app.maintenance.runOnce(new Date(Date.now() + 31 * DAY_MS));
      expect(await server.admin.logs(dir.id)).toEqual([]);
      const restore = await server.api('POST', `/directories/${dir.id}/users/${user.id}/restore`);
      expect(restore.body.code).toBe('USER_NOT_FOUND');
      expect(lines.some((l) => l.job === 'purge-deleted-users' && l.level === 30)).toBe(true);
      expect(lines.some((l) => l.job === 'purge-provisioning-logs' && l.level === 30)).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('runs every job on one timer, and a failing job does not stop the others', async () => {
    const runs: string[] = [];
    const errors: string[] = [];
    const job = (name: string, fail = false): MaintenanceJob => ({
      name,
      async run() {
        runs.push(name);
        if (fail) throw new Error(`${name} broke`);
      },
    });
    const log = {
      info() {},
      warn() {},
      error: (details: object) => errors.push((details as { job: string }).job),
    };
    const maintenance = new Maintenance([job('first', true), job('second')], log, 20);
    maintenance.start();
    await new Promise((resolve) => setTimeout(resolve, 150));
    await maintenance.stop();
    const count = runs.length;
    expect(count).toBeGreaterThanOrEqual(4);
    expect(runs.slice(0, 4)).toEqual(['first', 'second', 'first', 'second']);
    expect(errors[0]).toBe('first');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(runs.length).toBe(count);
  });
});
