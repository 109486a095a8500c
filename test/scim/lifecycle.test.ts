import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LifecycleService } from '../../src/directory/lifecycle-service.js';
import { warnOfExpiringTokens } from '../../src/directory/token-expiry.js';
import { send, startServer, type TestDirectory, type TestServer } from '../support/rollcall-server.js';

/** Issue 3's account lifecycle, driven through SCIM over real HTTP; admin decisions through the service. */
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

let server: TestServer;
let lifecycle: LifecycleService;

beforeAll(async () => {
  server = await startServer();
  lifecycle = new LifecycleService(server.store);
});
afterAll(() => server.close());

async function events(dir: TestDirectory, type?: string) {
  const all = await lifecycle.events(dir.tenant, 0, 1000);
  return all.filter((e) => e.directoryId === dir.id && (!type || e.type === type));
}

describe('delete policy and re-provisioning', () => {
  it('soft-deletes: invisible to SCIM, restorable by an admin, purged after the retention', async () => {
    const dir = await server.createDirectory('soft');
    await lifecycle.updateLifecycleSettings(dir.id, { deletePolicy: 'soft', softDeleteDays: 30 });
    const user = (await dir.scim('POST', '/Users', { userName: 'gone@soft.test', title: 'Keeper' })).body;
    expect((await dir.scim('DELETE', `/Users/${user.id}`)).status).toBe(204);
    expect((await dir.scim('GET', `/Users/${user.id}`)).status).toBe(404);
    expect((await dir.scim('GET', '/Users?filter=userName eq "gone@soft.test"')).body.totalResults).toBe(0);

    await lifecycle.restoreUser(dir.id, user.id);
    const back = await dir.scim('GET', `/Users/${user.id}`);
    expect(back.status).toBe(200);
    expect(back.body.title).toBe('Keeper');

    await dir.scim('DELETE', `/Users/${user.id}`);
    expect(await lifecycle.purgeDeletedUsers(new Date(Date.now() + 29 * 86_400_000).toISOString())).toBe(0);
    expect(
      await lifecycle.purgeDeletedUsers(new Date(Date.now() + 31 * 86_400_000).toISOString()),
    ).toBeGreaterThanOrEqual(1);
    await expect(lifecycle.restoreUser(dir.id, user.id)).rejects.toMatchObject({ status: 404 });
  });

  it('brings a soft-deleted user back when the IdP creates it again, with the same id and no 409', async () => {
    const dir = await server.createDirectory('soft');
    await lifecycle.updateLifecycleSettings(dir.id, { deletePolicy: 'soft' });
    const first = (await dir.scim('POST', '/Users', { userName: 'again@soft.test', externalId: 'obj-1' }))
      .body;
    await dir.scim('DELETE', `/Users/${first.id}`);
    const again = await dir.scim('POST', '/Users', {
      userName: 'again@soft.test',
      externalId: 'obj-1',
      displayName: 'Back',
    });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.id);
    expect(again.body.displayName).toBe('Back');
    expect((await events(dir, 'user.restored')).length).toBe(1);
  });

  it('lets a hard-deleted user be created again, and a deactivated one be reactivated', async () => {
    const dir = await server.createDirectory('hard');
    const user = (await dir.scim('POST', '/Users', { userName: 'cycle@hard.test' })).body;
    await dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'Replace', path: 'active', value: 'False' }));
    const on = await dir.scim(
      'PATCH',
      `/Users/${user.id}`,
      patch({ op: 'Replace', path: 'active', value: 'True' }),
    );
    expect(on.body.active).toBe(true);
    await dir.scim('DELETE', `/Users/${user.id}`);
    const again = await dir.scim('POST', '/Users', { userName: 'cycle@hard.test' });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(user.id);
    expect((await events(dir)).map((e) => e.type)).toEqual([
      'user.created',
      'user.updated',
      'user.deactivated',
      'user.updated',
      'user.reactivated',
      'user.deleted',
      'user.created',
    ]);
  });
});

describe('roles', () => {
  it('records a role downgrade in the provisioning log and the events', async () => {
    const dir = await server.createDirectory('nulab', {
      roles: ['ADMIN', 'USER', 'GUEST'].map((value) => ({ value, display: value })),
      defaultRole: 'GUEST',
    });
    const user = (
      await dir.scim('POST', '/Users', {
        userName: 'role@nulab.test',
        roles: [{ primary: true, value: 'ADMIN' }],
      })
    ).body;
    await dir.scim(
      'PATCH',
      `/Users/${user.id}`,
      patch({ op: 'Replace', path: 'roles[primary eq "True"].value', value: 'GUEST' }),
    );
    await server.app.log.flush();
    const [entry] = await server.admin.logs(dir.id);
    expect(entry).toMatchObject({ operation: 'update', status: 200, note: 'roles: ADMIN → GUEST' });
    const [changed] = await events(dir, 'user.roles_changed');
    expect(changed?.data).toEqual({ from: ['ADMIN'], to: ['GUEST'] });
  });

  it("gives members of a group the group's role, one query away", async () => {
    const dir = await server.createDirectory('rules', {
      roles: [
        { value: 'admin', display: 'Admin' },
        { value: 'member', display: 'Member' },
      ],
      multiRole: true,
    });
    const group = (await dir.scim('POST', '/Groups', { displayName: 'Admins' })).body;
    const user = (
      await dir.scim('POST', '/Users', { userName: 'grouped@rules.test', roles: [{ value: 'Member' }] })
    ).body;
    await lifecycle.setGroupRoleRules(dir.id, [{ groupId: group.id, role: 'Admin' }]);
    expect(await lifecycle.effectiveRoles(dir.id, user.id)).toEqual({
      assigned: ['member'],
      fromGroups: [],
      effective: ['member'],
    });
    await dir.scim(
      'PATCH',
      `/Groups/${group.id}`,
      patch({ op: 'add', path: 'members', value: [{ value: user.id }] }),
    );
    expect(await lifecycle.effectiveRoles(dir.id, user.id)).toEqual({
      assigned: ['member'],
      fromGroups: ['admin'],
      effective: ['member', 'admin'],
    });
    await expect(
      lifecycle.setGroupRoleRules(dir.id, [{ groupId: group.id, role: 'owner' }]),
    ).rejects.toMatchObject({
      scimType: 'invalidValue',
    });
  });
});

describe('mass-deprovisioning guard', () => {
  it('pauses deprovisioning past the threshold with a clear error and one alert, until an admin releases it', async () => {
    const dir = await server.createDirectory('guarded');
    await lifecycle.updateLifecycleSettings(dir.id, {
      deprovisionGuard: { enabled: true, maxShare: 0.25, windowMinutes: 60, minCount: 2 },
    });
    const ids: string[] = [];
    for (let i = 0; i < 8; i++)
      ids.push((await dir.scim('POST', '/Users', { userName: `g${i}@guard.test`, active: true })).body.id);
    const off = (id: string) =>
      dir.scim('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'active', value: 'False' }));
    expect((await off(ids[0]!)).status).toBe(200);
    expect((await off(ids[1]!)).status).toBe(200);
    const tripped = await off(ids[2]!);
    expect(tripped.status).toBe(403);
    expect(tripped.body.detail).toMatch(/paused/i);
    expect((await dir.scim('GET', `/Users/${ids[2]}`)).body.active).toBe(true);
    const deleteRefused = await dir.scim('DELETE', `/Users/${ids[3]}`);
    expect(deleteRefused.status).toBe(403);
    // Other changes still go through.
    expect(
      (await dir.scim('PATCH', `/Users/${ids[3]}`, patch({ op: 'replace', path: 'title', value: 'ok' })))
        .status,
    ).toBe(200);
    expect(await events(dir, 'directory.deprovisioning_paused')).toHaveLength(1);

    await lifecycle.releaseDeprovisioning(dir.id);
    expect((await off(ids[2]!)).status).toBe(200);
  });
});

describe('tokens', () => {
  it('limits a token to its scopes', async () => {
    const dir = await server.createDirectory('scoped');
    const { secret } = await server.admin.createToken(dir.id, undefined, ['users:read']);
    const auth = { authorization: `Bearer ${secret}` };
    expect((await send(`${dir.scimUrl}/Users`, 'GET', undefined, auth)).status).toBe(200);
    const write = await send(`${dir.scimUrl}/Users`, 'POST', { userName: 'nope' }, auth);
    expect(write.status).toBe(403);
    expect(write.body.detail).toContain('users write');
    expect((await send(`${dir.scimUrl}/Groups`, 'GET', undefined, auth)).status).toBe(403);
    await expect(server.admin.createToken(dir.id, undefined, ['users:admin'])).rejects.toMatchObject({
      scimType: 'invalidValue',
    });
  });

  it('warns once before a token expires, and refuses it once expired', async () => {
    const dir = await server.createDirectory('expiring');
    const soon = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const { secret, token } = await server.admin.createToken(dir.id, soon);
    const auth = { authorization: `Bearer ${secret}` };
    await send(`${dir.scimUrl}/Users`, 'GET', undefined, auth);
    await send(`${dir.scimUrl}/Users`, 'GET', undefined, auth);
    await server.app.log.flush();
    const entries = await server.admin.logs(dir.id);
    expect(entries.filter((e) => e.note?.includes('expires'))).toHaveLength(1);
    const warned = await events(dir, 'token.expiring');
    expect(warned).toHaveLength(1);
    expect(warned[0]?.resourceId).toBe(token.id);

    const past = await server.admin.createToken(dir.id, new Date(Date.now() + 1000).toISOString());
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await send(`${dir.scimUrl}/Users`, 'GET', undefined, {
      authorization: `Bearer ${past.secret}`,
    });
    expect(expired.status).toBe(401);
    expect(expired.body.detail).toContain('expired');
  });
});

describe('account matching (seed 003)', () => {
  it('links a SCIM create to the existing account with the same email in a declared domain', async () => {
    const dir = await server.createDirectory('matcher');
    await lifecycle.addDomain('matcher', 'matcher.test');
    await lifecycle.updateLifecycleSettings(dir.id, { accountMatching: true });
    const existing = await lifecycle.createAccount(
      dir.id,
      { userName: 'ada', emails: [{ value: 'Ada@Matcher.test' }] },
      'jit',
    );
    const created = await dir.scim('POST', '/Users', {
      userName: 'ada@matcher.test',
      emails: [{ type: 'work', value: 'ada@matcher.test' }],
    });
    expect(created.status).toBe(201);
    expect(created.body.id).toBe(existing.id);
    expect(created.body.userName).toBe('ada@matcher.test');
    const stored = await server.store.repositories.users.get(
      { tenantId: existing.id && (await server.admin.directory(dir.id)).tenantId, directoryId: dir.id },
      existing.id,
    );
    expect(stored?.source).toBe('scim');
    expect(await events(dir, 'user.linked')).toHaveLength(1);
  });

  it('queues a match outside the declared domains for an admin, never a silent takeover', async () => {
    const dir = await server.createDirectory('matcher');
    await lifecycle.updateLifecycleSettings(dir.id, { accountMatching: true });
    const existing = await lifecycle.createAccount(dir.id, { userName: 'bob@elsewhere.test' }, 'admin');
    const created = await dir.scim('POST', '/Users', {
      userName: 'bob.scim',
      emails: [{ value: 'bob@elsewhere.test' }],
    });
    expect(created.status).toBe(201);
    expect(created.body.id).not.toBe(existing.id);
    const [pending] = await lifecycle.matches(dir.id, 'pending');
    expect(pending).toMatchObject({
      scimUserId: created.body.id,
      existingUserId: existing.id,
      email: 'bob@elsewhere.test',
    });
    await lifecycle.confirmMatch(dir.id, pending!.id);
    const tenantId = (await server.admin.directory(dir.id)).tenantId;
    expect(
      await server.store.repositories.users.get({ tenantId, directoryId: dir.id }, existing.id),
    ).toBeUndefined();
    expect((await dir.scim('GET', `/Users/${created.body.id}`)).status).toBe(200);
    expect((await events(dir, 'user.merged'))[0]?.data).toEqual({ from: existing.id, into: created.body.id });
    await expect(lifecycle.refuseMatch(dir.id, pending!.id)).rejects.toMatchObject({ status: 409 });
  });

  it('never matches accounts of another tenant', async () => {
    const other = await server.createDirectory('other-tenant');
    await lifecycle.createAccount(other.id, { userName: 'cy@shared.test' }, 'jit');
    const dir = await server.createDirectory('own-tenant');
    await lifecycle.updateLifecycleSettings(dir.id, { accountMatching: true });
    const created = await dir.scim('POST', '/Users', { userName: 'cy@shared.test' });
    expect(created.status).toBe(201);
    expect(await lifecycle.matches(dir.id)).toEqual([]);
  });
});

describe('attribute profile', () => {
  it('requires what the directory requires and lists its custom extension in /Schemas', async () => {
    const dir = await server.createDirectory('profiled');
    const schema = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
    await lifecycle.updateLifecycleSettings(dir.id, {
      profile: {
        required: ['name.givenName'],
        extensions: [
          {
            schema,
            name: 'AcmeUser',
            attributes: [
              { name: 'badge', type: 'string' },
              { name: 'remote', type: 'boolean' },
            ],
          },
        ],
      },
    });
    const refused = await dir.scim('POST', '/Users', { userName: 'noname@acme.test' });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toContain('name.givenName');
    const ok = await dir.scim('POST', '/Users', {
      userName: 'named@acme.test',
      name: { givenName: 'Nia' },
      [schema]: { badge: 'B1', remote: 'True' },
    });
    expect(ok.status).toBe(201);
    expect(ok.body[schema]).toEqual({ badge: 'B1', remote: true });
    const schemas = await dir.scim('GET', '/Schemas');
    const custom = schemas.body.Resources.find((s: { id: string }) => s.id === schema);
    expect(custom.attributes.map((a: { name: string }) => a.name)).toEqual(['badge', 'remote']);
    const types = await dir.scim('GET', '/ResourceTypes/User');
    expect(types.body.schemaExtensions.map((e: { schema: string }) => e.schema)).toContain(schema);
    // A room directory (seed 004) requires no given name.
    const rooms = await server.createDirectory('profiled');
    expect((await rooms.scim('POST', '/Users', { userName: 'room-1' })).status).toBe(201);
  });
});

describe('maintenance', () => {
  it('warns of tokens about to lapse even when they are not used, once', async () => {
    const dir = await server.createDirectory('idle-token');
    const { token } = await server.admin.createToken(
      dir.id,
      new Date(Date.now() + 3 * 86_400_000).toISOString(),
    );
    await server.admin.createToken(dir.id, new Date(Date.now() + 30 * 86_400_000).toISOString());
    const first = await warnOfExpiringTokens(server.store);
    expect(first.filter((w) => w.includes(token.prefix))).toHaveLength(1);
    expect(await warnOfExpiringTokens(server.store)).toEqual([]);
    expect((await events(dir, 'token.expiring')).map((e) => e.resourceId)).toEqual([token.id]);
  });
});
