import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SsoSessions } from '../../src/directory/sso-sessions.js';
import { TestIdp } from '../../src/saml/testing/test-idp.js';
import { startServer, type TestDirectory, type TestServer } from '../support/rollcall-server.js';
import { browserGet, connect, person, signInIdpInitiated, signInSpInitiated } from '../support/sso.js';
import { expectRefused } from '../support/sso-refusal.js';

/**
 * Who signs in, end to end over real HTTP with samlify as the IdP: IdP-initiated sign-in, matching by
 * email across the tenant's directories, Just-In-Time provisioning, and the people who are refused
 * (deactivated, deleted, unknown without JIT) with a clear page.
 */
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let server: TestServer;
let idp: TestIdp;
let staff: TestDirectory;
let rooms: TestDirectory;

async function scimUser(directory: TestDirectory, email: string, extra: Record<string, unknown> = {}) {
  const created = await directory.scim('POST', '/Users', {
    userName: email,
    emails: [{ value: email, type: 'work', primary: true }],
    ...extra,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id as string;
}

async function session(cookie: string | undefined) {
  const response = await browserGet(`${server.url}/sso/acme/session`, cookie);
  expect(response.status, response.text).toBe(200);
  return JSON.parse(response.text);
}

beforeAll(async () => {
  server = await startServer();
  idp = await TestIdp.create();
  staff = await server.createDirectory('acme', {
    name: 'staff',
    roles: [
      { value: 'admin', display: 'Admin' },
      { value: 'member', display: 'Member' },
    ],
    defaultRole: 'member',
  });
  rooms = await server.createDirectory('acme', {
    name: 'rooms',
    roles: [{ value: 'room', display: 'Room' }],
  });
  await connect(server, 'acme', idp);
});
afterAll(() => server.close());

describe('IdP-initiated sign-in (Entra My Apps)', () => {
  it('signs a SCIM user in from an unsolicited response, on by default', async () => {
    const id = await scimUser(staff, 'idp@acme.test', { roles: [{ value: 'Admin', primary: true }] });
    const acs = await signInIdpInitiated(server, 'acme', idp, person('idp@acme.test'));
    expect(acs.status, acs.text).toBe(303);
    expect(acs.location).toBe('/sso/acme/signed-in');
    expect(await session(acs.cookie)).toMatchObject({ userId: id, roles: ['admin'], directoryId: staff.id });
    const log = await server.api('GET', '/tenants/acme/saml/log?outcome=signed_in&limit=1');
    expect(log.body.items[0]).toMatchObject({ userId: id, idpInitiated: true, email: 'idp@acme.test' });
  });

  it('follows a same-origin RelayState, as an absolute URL on our origin too, and nothing else', async () => {
    await scimUser(staff, 'relay@acme.test');
    const path = await signInIdpInitiated(server, 'acme', idp, person('relay@acme.test'), '/app/home?tab=1');
    expect(path.location).toBe('/app/home?tab=1');
    const absolute = await signInIdpInitiated(
      server,
      'acme',
      idp,
      person('relay@acme.test'),
      `${server.url}/app`,
    );
    expect(absolute.location).toBe('/app');
    for (const evil of [
      'https://evil.example/phish',
      '//evil.example',
      '/\\evil.example',
      'javascript:alert(1)',
      '/%0d%0aSet-Cookie:x=y',
      ' https://evil.example',
    ]) {
      const acs = await signInIdpInitiated(server, 'acme', idp, person('relay@acme.test'), evil);
      expect(acs.status, evil).toBe(303);
      expect(new URL(acs.location!, server.url).origin, evil).toBe(server.url);
      expect(acs.headers.get('set-cookie')).not.toMatch(/x=y/);
    }
  });

  it('is refused when the connection switches IdP-initiated sign-in off, while SP-initiated goes on', async () => {
    await scimUser(staff, 'off@acme.test');
    await connect(server, 'acme', idp, { allowIdpInitiated: false });
    try {
      const acs = await signInIdpInitiated(server, 'acme', idp, person('off@acme.test'));
      await expectRefused(server, 'acme', acs, 'UNSOLICITED_RESPONSE');
      expect((await signInSpInitiated(server, 'acme', idp, person('off@acme.test'))).status).toBe(303);
    } finally {
      await connect(server, 'acme', idp, { allowIdpInitiated: true });
    }
  });
});

describe('matching the person by email', () => {
  it('finds a user by a secondary email, and in any directory of the tenant', async () => {
    const id = await scimUser(rooms, 'room-1@acme.test', {
      emails: [
        { value: 'room-1@acme.test', type: 'work', primary: true },
        { value: 'boardroom@acme.test', type: 'other' },
      ],
      roles: [{ value: 'room', primary: true }],
    });
    const acs = await signInSpInitiated(server, 'acme', idp, person('BoardRoom@Acme.test'));
    expect(acs.status, acs.text).toBe(303);
    expect(await session(acs.cookie)).toMatchObject({ userId: id, directoryId: rooms.id, roles: ['room'] });
  });

  it('reads the email from Entra’s emailaddress claim, then from the NameID', async () => {
    await scimUser(staff, 'claims@acme.test');
    const claim = await signInSpInitiated(server, 'acme', idp, {
      nameId: 'opaque-upn@acme.onmicrosoft.test',
      attributes: {
        'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': 'claims@acme.test',
      },
    });
    expect((await session(claim.cookie)).email).toBe('claims@acme.test');
    const nameId = await signInSpInitiated(server, 'acme', idp, {
      nameId: 'claims@acme.test',
      attributes: {},
    });
    expect((await session(nameId.cookie)).nameId).toBe('claims@acme.test');
  });

  it('gives the roles a group→role rule adds', async () => {
    const id = await scimUser(staff, 'grouped@acme.test');
    const group = await staff.scim('POST', '/Groups', { displayName: 'Admins', members: [{ value: id }] });
    const rule = await server.api('PUT', `/directories/${staff.id}/group-roles`, {
      items: [{ groupId: group.body.id, role: 'admin' }],
    });
    expect(rule.status).toBe(200);
    const acs = await signInSpInitiated(server, 'acme', idp, person('grouped@acme.test'));
    // The SCIM user holds the default role; single-role directory: assigned first.
    expect((await session(acs.cookie)).roles).toEqual(['member']);
    await server.api('PATCH', `/directories/${staff.id}`, { multiRole: true });
    try {
      expect((await session(acs.cookie)).roles).toEqual(['member', 'admin']);
    } finally {
      await server.api('PATCH', `/directories/${staff.id}`, { multiRole: false });
    }
  });
});

describe('people who are refused', () => {
  it('refuses a deactivated user with a clear page, and creates nobody', async () => {
    const id = await scimUser(staff, 'gone@acme.test', { active: false });
    await connect(server, 'acme', idp, { jit: { enabled: true, directoryId: staff.id } });
    try {
      const acs = await signInSpInitiated(server, 'acme', idp, person('gone@acme.test'));
      const entry = await expectRefused(server, 'acme', acs, 'USER_DEACTIVATED');
      expect(acs.text).toContain('Your account is deactivated.');
      expect(entry.reason).toContain(id);
      const users = await server.api('GET', `/directories/${staff.id}/users?q=gone@acme.test`);
      expect(users.body.totalResults).toBe(1);
    } finally {
      await connect(server, 'acme', idp, { jit: { enabled: false } });
    }
  });

  it('refuses a user deactivated after provisioning (Entra’s PATCH), IdP-initiated too', async () => {
    const id = await scimUser(staff, 'later@acme.test');
    expect((await signInIdpInitiated(server, 'acme', idp, person('later@acme.test'))).status).toBe(303);
    await staff.scim('PATCH', `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    await expectRefused(
      server,
      'acme',
      await signInIdpInitiated(server, 'acme', idp, person('later@acme.test')),
      'USER_DEACTIVATED',
    );
  });

  it('refuses a soft-deleted user, even with JIT on, and does not create them again', async () => {
    const soft = await server.createDirectory('acme', { name: 'soft' });
    await server.api('PATCH', `/directories/${soft.id}`, { deletePolicy: 'soft' });
    const id = await scimUser(soft, 'deleted@acme.test');
    expect((await soft.scim('DELETE', `/Users/${id}`)).status).toBe(204);
    await connect(server, 'acme', idp, { jit: { enabled: true, directoryId: soft.id } });
    try {
      const acs = await signInSpInitiated(server, 'acme', idp, person('deleted@acme.test'));
      const entry = await expectRefused(server, 'acme', acs, 'USER_DELETED');
      expect(entry.reason).toContain('restore');
      expect(
        (await server.api('GET', `/directories/${soft.id}/users?q=deleted@acme.test`)).body.totalResults,
      ).toBe(0);
    } finally {
      await connect(server, 'acme', idp, { jit: { enabled: false } });
    }
  });

  it('refuses an unknown email while JIT is off', async () => {
    const acs = await signInSpInitiated(server, 'acme', idp, person('stranger@acme.test'));
    const entry = await expectRefused(server, 'acme', acs, 'USER_NOT_PROVISIONED');
    expect(entry.email).toBe('stranger@acme.test');
    expect(acs.text).toContain('You do not have access to this application.');
  });

  it('refuses a response without an email, telling the admin which claim to add', async () => {
    const acs = await signInSpInitiated(server, 'acme', idp, {
      nameId: 'f7a1c0de',
      nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      attributes: { department: 'x' },
    });
    const entry = await expectRefused(server, 'acme', acs, 'EMAIL_MISSING');
    expect(entry.reason).toContain("add a claim named 'email' with source attribute user.mail");
  });

  it('refuses everyone while the connection is switched off, and unknown tenants', async () => {
    await scimUser(staff, 'paused@acme.test');
    await connect(server, 'acme', idp, { enabled: false });
    try {
      const login = await browserGet(`${server.url}/sso/acme/saml/login`);
      expect(login.status).toBe(403);
      expect(login.text).toContain('Single sign-on is not available for this organisation.');
      await expectRefused(
        server,
        'acme',
        await signInIdpInitiated(server, 'acme', idp, person('paused@acme.test')),
        'SSO_DISABLED',
      );
    } finally {
      await connect(server, 'acme', idp, { enabled: true });
    }
    const unknown = await browserGet(`${server.url}/sso/nobody/saml/login`);
    expect(unknown.status).toBe(404);
    expect((await browserGet(`${server.url}/sso/nobody/saml/metadata`)).status).toBe(404);
    await server.admin.createTenant('bare');
    expect((await browserGet(`${server.url}/sso/bare/saml/login`)).status).toBe(404);
  });
});

describe('Just-In-Time provisioning', () => {
  let jit: TestDirectory;
  beforeAll(async () => {
    jit = await server.createDirectory('acme', {
      name: 'jit',
      roles: [
        { value: 'viewer', display: 'Viewer' },
        { value: 'editor', display: 'Editor' },
      ],
      defaultRole: 'viewer',
    });
  });

  it('creates an unknown person in the JIT directory with the default role, source jit, and an event', async () => {
    await connect(server, 'acme', idp, {
      jit: { enabled: true, directoryId: jit.id, defaultRole: 'Editor' },
    });
    try {
      const acs = await signInSpInitiated(
        server,
        'acme',
        idp,
        person('newcomer@acme.test', {
          'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname': 'New',
          'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname': 'Comer',
        }),
      );
      expect(acs.status, acs.text).toBe(303);
      const signedIn = await session(acs.cookie);
      expect(signedIn).toMatchObject({
        email: 'newcomer@acme.test',
        name: 'New Comer',
        roles: ['editor'],
        directoryId: jit.id,
      });
      const user = await server.api('GET', `/directories/${jit.id}/users/${signedIn.userId}`);
      expect(user.body).toMatchObject({
        userName: 'newcomer@acme.test',
        source: 'jit',
        provisioned: false,
        name: { givenName: 'New', familyName: 'Comer' },
        emails: [{ value: 'newcomer@acme.test', type: 'work', primary: true }],
      });
      const events = (await server.api('GET', '/tenants/acme/events?limit=1000')).body.events;
      expect(
        events.filter(
          (e: { type: string; resourceId: string; data: { source?: string } }) =>
            e.type === 'user.created' && e.resourceId === signedIn.userId && e.data.source === 'jit',
        ),
      ).toHaveLength(1);
      const log = await server.api('GET', '/tenants/acme/saml/log?outcome=signed_in&limit=1');
      expect(log.body.items[0]).toMatchObject({
        userId: signedIn.userId,
        reason: 'created by Just-In-Time provisioning',
      });

      // The second sign-in finds the JIT user; nobody is created twice.
      const again = await signInIdpInitiated(server, 'acme', idp, person('newcomer@acme.test'));
      expect((await session(again.cookie)).userId).toBe(signedIn.userId);
      expect((await server.api('GET', `/directories/${jit.id}/users?q=newcomer`)).body.totalResults).toBe(1);
    } finally {
      await connect(server, 'acme', idp, { jit: { enabled: false } });
    }
  });

  it("uses the directory's default role when the connection names none", async () => {
    await connect(server, 'acme', idp, { jit: { enabled: true, directoryId: jit.id, defaultRole: null } });
    try {
      const acs = await signInSpInitiated(server, 'acme', idp, person('plain@acme.test'));
      expect((await session(acs.cookie)).roles).toEqual(['viewer']);
    } finally {
      await connect(server, 'acme', idp, { jit: { enabled: false } });
    }
  });

  it('creates one user when the same newcomer signs in twice at once', async () => {
    await connect(server, 'acme', idp, { jit: { enabled: true, directoryId: jit.id } });
    try {
      const [a, b] = await Promise.all([
        signInIdpInitiated(server, 'acme', idp, person('twice@acme.test')),
        signInIdpInitiated(server, 'acme', idp, person('twice@acme.test')),
      ]);
      expect([a.status, b.status]).toEqual([303, 303]);
      expect((await session(a.cookie)).userId).toBe((await session(b.cookie)).userId);
      expect((await server.api('GET', `/directories/${jit.id}/users?q=twice@`)).body.totalResults).toBe(1);
    } finally {
      await connect(server, 'acme', idp, { jit: { enabled: false } });
    }
  });

  it('refuses, creating nothing, when the directory’s attribute profile refuses the new user', async () => {
    const strict = await server.createDirectory('acme', { name: 'strict' });
    await server.api('PATCH', `/directories/${strict.id}`, { profile: { required: ['title'] } });
    await connect(server, 'acme', idp, { jit: { enabled: true, directoryId: strict.id } });
    try {
      const acs = await signInSpInitiated(server, 'acme', idp, person('untitled@acme.test'));
      const entry = await expectRefused(server, 'acme', acs, 'JIT_FAILED');
      expect(entry.reason).toContain('title');
      expect((await server.api('GET', `/directories/${strict.id}/users`)).body.totalResults).toBe(0);
    } finally {
      await connect(server, 'acme', idp, { jit: { enabled: false } });
    }
  });

  it('refuses when the JIT directory was deleted since', async () => {
    const doomed = await server.createDirectory('acme', { name: 'doomed' });
    await connect(server, 'acme', idp, { jit: { enabled: true, directoryId: doomed.id } });
    try {
      expect((await server.api('DELETE', `/directories/${doomed.id}`)).status).toBe(204);
      const acs = await signInSpInitiated(server, 'acme', idp, person('orphan@acme.test'));
      await expectRefused(server, 'acme', acs, 'JIT_FAILED');
      // The stale JIT setting does not block other changes, such as switching the connection off.
      expect((await server.api('PUT', '/tenants/acme/saml', { enabled: true })).status).toBe(200);
    } finally {
      await connect(server, 'acme', idp, { jit: { enabled: false, directoryId: null } });
    }
  });

  it('a JIT user later provisioned by SCIM signs in as one person (account matching)', async () => {
    await connect(server, 'acme', idp, { jit: { enabled: true, directoryId: jit.id } });
    try {
      const first = await signInSpInitiated(server, 'acme', idp, person('merge@acme.test'));
      const jitId = (await session(first.cookie)).userId;
      expect(await new SsoSessions(server.store).resolve(first.cookie)).not.toBeNull();
      await server.api('PATCH', `/directories/${jit.id}`, { accountMatching: true });
      await server.api('POST', '/tenants/acme/domains', { domain: 'acme.test' });
      const scim = await scimUser(jit, 'merge@acme.test', { roles: [{ value: 'editor', primary: true }] });
      expect(scim).toBe(jitId);
      const again = await signInSpInitiated(server, 'acme', idp, person('merge@acme.test'));
      expect(await session(again.cookie)).toMatchObject({ userId: jitId, roles: ['editor'] });
    } finally {
      await connect(server, 'acme', idp, { jit: { enabled: false } });
    }
  });
});
