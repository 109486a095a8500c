import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentIdentity, SSO_COOKIE, SsoSessions } from '../../src/directory/sso-sessions.js';
import { TestIdp } from '../../src/saml/testing/test-idp.js';
import { startServer, type TestDirectory, type TestServer } from '../support/rollcall-server.js';
import { browserGet, browserPost, connect, person, signInSpInitiated } from '../support/sso.js';

/**
 * The SSO session the OIDC provider and the console build on (contract-sso-session.md), over real
 * HTTP with a real IdP library (samlify) signing the responses: SCIM provisions a user with a role,
 * the user signs in SP-initiated, and `/session` and SsoSessions.resolve answer who it is, with the
 * roles SCIM gave, until sign-out or deactivation.
 */
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let server: TestServer;
let idp: TestIdp;
let directory: TestDirectory;
let adaId: string;

beforeAll(async () => {
  server = await startServer();
  idp = await TestIdp.create();
  directory = await server.createDirectory('acme', {
    roles: [
      { value: 'admin', display: 'Admin' },
      { value: 'member', display: 'Member' },
    ],
    defaultRole: 'member',
  });
  const created = await directory.scim('POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: 'ada@acme.test',
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ value: 'ada@acme.test', type: 'work', primary: true }],
    roles: [{ primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }],
  });
  expect(created.status).toBe(201);
  adaId = created.body.id;
  await connect(server, 'acme', idp);
});
afterAll(() => server.close());

describe('SP-initiated sign-in to a session', () => {
  it('signs a SCIM-provisioned user in with the role SCIM gave; /session shows it', async () => {
    const acs = await signInSpInitiated(server, 'acme', idp, person('ada@acme.test'));
    expect(acs.status, acs.text).toBe(303);
    expect(acs.location).toBe('/sso/acme/signed-in');
    expect(acs.cookie).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(acs.setCookie).toMatch(/Path=\//);
    expect(acs.setCookie).toMatch(/HttpOnly/);
    expect(acs.setCookie).toMatch(/SameSite=Lax/);
    // The public URL is http here; on https the cookie is Secure.
    expect(acs.setCookie).not.toMatch(/Secure/);

    const session = await browserGet(`${server.url}/sso/acme/session`, acs.cookie);
    expect(session.status).toBe(200);
    expect(JSON.parse(session.text)).toEqual({
      userId: adaId,
      email: 'ada@acme.test',
      nameId: 'ada@acme.test',
      name: 'Ada Lovelace',
      roles: ['admin'],
      directoryId: directory.id,
      tenant: 'acme',
    });
    const page = await browserGet(`${server.url}/sso/acme/signed-in`, acs.cookie);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Ada Lovelace (ada@acme.test)');
    expect(page.text).toContain('<code>admin</code>');
  });

  it('carries a same-origin RelayState through the IdP and back', async () => {
    const acs = await signInSpInitiated(server, 'acme', idp, person('ada@acme.test'), {
      relayState: '/oidc/interaction/abc?x=1',
    });
    expect(acs.status).toBe(303);
    expect(acs.location).toBe('/oidc/interaction/abc?x=1');
  });

  it('drops a RelayState that leaves the origin, before it reaches the IdP', async () => {
    for (const relayState of ['https://evil.example/', '//evil.example/x', '/\\evil.example']) {
      const acs = await signInSpInitiated(server, 'acme', idp, person('ada@acme.test'), { relayState });
      expect(acs.status).toBe(303);
      expect(acs.location).toBe('/sso/acme/signed-in');
    }
  });

  it('answers 401 without a cookie, with an unknown or malformed one, and for another tenant', async () => {
    expect((await browserGet(`${server.url}/sso/acme/session`)).status).toBe(401);
    expect((await browserGet(`${server.url}/sso/acme/session`, 'A'.repeat(43))).status).toBe(401);
    expect((await browserGet(`${server.url}/sso/acme/session`, 'not-a-session')).status).toBe(401);
    const acs = await signInSpInitiated(server, 'acme', idp, person('ada@acme.test'));
    await server.admin.createTenant('globex');
    expect((await browserGet(`${server.url}/sso/globex/session`, acs.cookie)).status).toBe(401);
    expect((await browserGet(`${server.url}/sso/acme/signed-in`)).status).toBe(401);
  });
});

describe('SsoSessions (the contract the OIDC provider and the console use)', () => {
  it('resolves the cookie to the sign-in, with current roles, and stores only its hash', async () => {
    const acs = await signInSpInitiated(server, 'acme', idp, person('ada@acme.test'));
    const sessions = new SsoSessions(server.store);
    const signIn = await sessions.resolve(acs.cookie);
    expect(signIn).toMatchObject({
      tenantSlug: 'acme',
      directoryId: directory.id,
      userId: adaId,
      email: 'ada@acme.test',
      nameId: 'ada@acme.test',
      name: 'Ada Lovelace',
      roles: ['admin'],
    });
    expect(Date.parse(signIn!.expiresAt) - Date.parse(signIn!.signedInAt)).toBe(8 * 60 * 60_000);
    expect(SSO_COOKIE).toBe('rollcall_sso');
    expect(await sessions.resolve(undefined)).toBeNull();

    // A role change through SCIM shows at the next resolve.
    const patched = await directory.scim('PATCH', `/Users/${adaId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'roles', value: [{ value: 'member', primary: true }] }],
    });
    expect(patched.status).toBe(200);
    expect((await sessions.resolve(acs.cookie))?.roles).toEqual(['member']);
    expect(await currentIdentity(server.store, signIn!.tenantId, adaId)).toMatchObject({
      userId: adaId,
      email: 'ada@acme.test',
      roles: ['member'],
      tenantSlug: 'acme',
    });
    await directory.scim('PATCH', `/Users/${adaId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'roles', value: [{ value: 'admin', primary: true }] }],
    });

    const { rows } = await import('../support/test-store.js').then(async ({ connectRaw }) => {
      const raw = await connectRaw(server.location);
      try {
        return { rows: await raw.query<{ hash: string }>('select hash from sso_sessions') };
      } finally {
        await raw.close();
      }
    });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.hash)).not.toContain(acs.cookie);
    for (const row of rows) expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('ending a session', () => {
  it('signs out: the session ends and the cookie is cleared', async () => {
    const acs = await signInSpInitiated(server, 'acme', idp, person('ada@acme.test'));
    expect((await browserGet(`${server.url}/sso/acme/session`, acs.cookie)).status).toBe(200);
    const out = await browserPost(`${server.url}/sso/acme/logout`, {}, acs.cookie);
    expect(out.status).toBe(200);
    expect(out.cookie).toBe('');
    expect(out.setCookie).toMatch(/Max-Age=0/);
    expect((await browserGet(`${server.url}/sso/acme/session`, acs.cookie)).status).toBe(401);
    expect(await new SsoSessions(server.store).resolve(acs.cookie)).toBeNull();
  });

  it('sign-out goes on to a safe RelayState only', async () => {
    const acs = await signInSpInitiated(server, 'acme', idp, person('ada@acme.test'));
    const out = await browserPost(`${server.url}/sso/acme/logout`, { RelayState: '/console' }, acs.cookie);
    expect(out.status).toBe(303);
    expect(out.location).toBe('/console');
    const evil = await browserPost(`${server.url}/sso/acme/logout`, { RelayState: 'https://evil.example' });
    expect(evil.status).toBe(200);
  });

  it('deactivating a signed-in user through SCIM ends their session at once', async () => {
    const created = await directory.scim('POST', '/Users', {
      userName: 'bob@acme.test',
      emails: [{ value: 'bob@acme.test', primary: true }],
    });
    const bob = created.body.id;
    const acs = await signInSpInitiated(server, 'acme', idp, person('bob@acme.test'));
    expect(JSON.parse((await browserGet(`${server.url}/sso/acme/session`, acs.cookie)).text)).toMatchObject({
      userId: bob,
      roles: ['member'],
    });
    const deactivated = await directory.scim('PATCH', `/Users/${bob}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect(deactivated.status).toBe(200);
    expect((await browserGet(`${server.url}/sso/acme/session`, acs.cookie)).status).toBe(401);
    expect(await new SsoSessions(server.store).resolve(acs.cookie)).toBeNull();
    expect(await currentIdentity(server.store, (await server.admin.tenant('acme')).id, bob)).toBeNull();

    // Reactivated, they must sign in again: the old session stays ended.
    await directory.scim('PATCH', `/Users/${bob}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'active', value: 'True' }],
    });
    expect((await browserGet(`${server.url}/sso/acme/session`, acs.cookie)).status).toBe(401);
  });

  it('deleting a signed-in user through SCIM ends their session', async () => {
    const created = await directory.scim('POST', '/Users', { userName: 'cy@acme.test' });
    const acs = await signInSpInitiated(server, 'acme', idp, person('cy@acme.test'));
    expect((await browserGet(`${server.url}/sso/acme/session`, acs.cookie)).status).toBe(200);
    expect((await directory.scim('DELETE', `/Users/${created.body.id}`)).status).toBe(204);
    expect((await browserGet(`${server.url}/sso/acme/session`, acs.cookie)).status).toBe(401);
  });

  it('a session past its absolute lifetime resolves to nothing', async () => {
    const acs = await signInSpInitiated(server, 'acme', idp, person('ada@acme.test'));
    const later = new SsoSessions(server.store, { now: () => new Date(Date.now() + 8 * 60 * 60_000 + 1000) });
    expect(await later.resolve(acs.cookie)).toBeNull();
    expect(await new SsoSessions(server.store).resolve(acs.cookie)).not.toBeNull();
  });
});
