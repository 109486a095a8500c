import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MaintenanceLog } from '../../src/directory/maintenance.js';
import { SamlConnectionService } from '../../src/directory/saml-connection-service.js';
import {
  certificateExpiryJob,
  METADATA_REFRESH_MS,
  metadataRefreshJob,
  ssoPurgeJob,
} from '../../src/directory/saml-maintenance.js';
import { SamlError } from '../../src/saml/errors.js';
import { createKeyPair, TestIdp, toBase64 } from '../../src/saml/testing/test-idp.js';
import { startServer, type TestDirectory, type TestServer } from '../support/rollcall-server.js';
import {
  browserGet,
  browserPost,
  connect,
  person,
  signInIdpInitiated,
  spMetadata,
  spOf,
} from '../support/sso.js';
import { expectRefused } from '../support/sso-refusal.js';
import { connectRaw } from '../support/test-store.js';

/**
 * A tenant's SAML connection through the admin API over real HTTP: SP values, set-up from metadata
 * (URL, XML) or by hand, validation, Test Connection end to end with samlify, the hourly metadata
 * refresh that picks up a rolled certificate (and keeps the last good metadata when it fails), the
 * certificate-expiry warning, and the purge of expired SSO state.
 */
let server: TestServer;
let idp: TestIdp;
let staff: TestDirectory;
/** What the stand-in for Entra's metadata endpoint serves, per path; a number answers that status. */
const served = new Map<string, string | number>();
/** The paths the metadata endpoint was asked for. */
const requested: string[] = [];
/** Paths answered only after this many ms: a slow IdP, so that concurrent requests overlap its fetch. */
const slow = new Map<string, number>();
let metadataServer: Server;
let metadataBase: string;

function captureLog(): MaintenanceLog & { lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = [];
  return {
    lines,
    info: (_d, message) => lines.push({ level: 'info', message }),
    warn: (_d, message) => lines.push({ level: 'warn', message }),
    error: (_d, message) => lines.push({ level: 'error', message }),
  };
}

async function events(tenant: string, type: string) {
  const feed = (await server.api('GET', `/tenants/${tenant}/events?limit=1000`)).body.events;
  return feed.filter((e: { type: string }) => e.type === type);
}

beforeAll(async () => {
  metadataServer = createServer((request, response) => {
    requested.push(request.url ?? '');
    const body = served.get(request.url ?? '');
    setTimeout(
      () => {
        if (typeof body === 'string')
          response.writeHead(200, { 'content-type': 'application/xml' }).end(body);
        else response.writeHead(body ?? 404).end('unavailable');
      },
      slow.get(request.url ?? '') ?? 0,
    );
  });
  await new Promise<void>((resolve) => metadataServer.listen(0, '127.0.0.1', resolve));
  metadataBase = `http://127.0.0.1:${(metadataServer.address() as AddressInfo).port}`;
  // The stand-in for Entra is on loopback: the server is told to reach private addresses, as an
  // operator does for an internal IdP (--metadata-allow-private).
  server = await startServer({
    samlMetadataFetch: { allowHttp: true, allowPrivateAddresses: true, timeoutMs: 5_000 },
  });
  idp = await TestIdp.create();
  staff = await server.createDirectory('acme', {
    name: 'staff',
    roles: [
      { value: 'admin', display: 'Admin' },
      { value: 'member', display: 'Member' },
    ],
    defaultRole: 'member',
  });
  const ada = await staff.scim('POST', '/Users', {
    userName: 'ada@acme.test',
    displayName: 'Ada Lovelace',
    emails: [{ value: 'ada@acme.test', primary: true }],
    roles: [{ value: 'Admin', primary: true }],
  });
  expect(ada.status).toBe(201);
});
afterAll(async () => {
  await server.close();
  await new Promise((resolve) => metadataServer.close(resolve));
});

describe('the connection through the admin API', () => {
  it('shows the SP values before anything is configured', async () => {
    await server.admin.createTenant('fresh');
    const response = await server.api('GET', '/tenants/fresh/saml');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      tenant: 'fresh',
      configured: false,
      enabled: false,
      sp: {
        entityId: `${server.url}/sso/fresh/saml/metadata`,
        acsUrl: `${server.url}/sso/fresh/saml/acs`,
        signOnUrl: `${server.url}/sso/fresh/saml/login`,
        metadataUrl: `${server.url}/sso/fresh/saml/metadata`,
      },
      idp: null,
      wantAssertionsSigned: false,
      wantResponseSigned: false,
      allowIdpInitiated: true,
      emailAttribute: 'email',
      jit: { enabled: false, directoryId: null, defaultRole: null },
    });
    const metadata = await browserGet(`${server.url}/sso/fresh/saml/metadata`);
    expect(metadata.headers.get('content-type')).toMatch(/^application\/samlmetadata\+xml/);
    expect(metadata.text).toContain(`entityID="${server.url}/sso/fresh/saml/metadata"`);
    expect(metadata.text).toContain(`Location="${server.url}/sso/fresh/saml/acs"`);
  });

  it('imports metadata from a URL, off until switched on, with the seed-001 defaults', async () => {
    served.set('/acme.xml', idp.metadata());
    const put = await server.api('PUT', '/tenants/acme/saml', { metadataUrl: `${metadataBase}/acme.xml` });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toMatchObject({
      configured: true,
      enabled: false,
      idp: { entityId: idp.entityId, ssoUrl: idp.ssoUrl },
      metadataSource: 'url',
      metadataUrl: `${metadataBase}/acme.xml`,
      metadataRefreshError: null,
      wantAssertionsSigned: false,
      wantResponseSigned: false,
      allowIdpInitiated: true,
    });
    expect(put.body.idp.certificates).toHaveLength(1);
    expect(put.body.idp.certificates[0].fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(put.body.metadataRefreshedAt).toBeTruthy();
    // Off: nobody signs in yet.
    expect((await browserGet(`${server.url}/sso/acme/saml/login`)).status).toBe(403);
    const on = await server.api('PUT', '/tenants/acme/saml', { enabled: true });
    expect(on.body).toMatchObject({ enabled: true, metadataSource: 'url', idp: { entityId: idp.entityId } });
    expect((await browserGet(`${server.url}/sso/acme/saml/login`)).status).toBe(302);
    expect((await server.api('GET', '/tenants/acme/saml')).body).toEqual(on.body);
  });

  it('takes pasted metadata, or the values by hand with several certificates (a rollover)', async () => {
    await server.admin.createTenant('manual');
    const xml = await server.api('PUT', '/tenants/manual/saml', { metadataXml: idp.metadata() });
    expect(xml.body).toMatchObject({
      metadataSource: 'xml',
      metadataUrl: null,
      idp: { entityId: idp.entityId },
    });
    const next = await createKeyPair({ commonName: 'Next' });
    const byHand = await server.api('PUT', '/tenants/manual/saml', {
      certificates: [idp.key.cert, next.cert.replace(/-----[^-]+-----|\s+/g, ''), idp.key.cert],
    });
    expect(byHand.status, JSON.stringify(byHand.body)).toBe(200);
    expect(byHand.body).toMatchObject({
      metadataSource: 'manual',
      idp: { entityId: idp.entityId, ssoUrl: idp.ssoUrl },
    });
    expect(byHand.body.idp.certificates.map((c: { subject: string }) => c.subject)).toEqual([
      'CN=Test IdP signing',
      'CN=Next',
    ]);
    const names = await server.api('PUT', '/tenants/manual/saml', {
      emailAttribute: 'mail',
      nameAttributes: { givenName: 'first' },
    });
    expect(names.body).toMatchObject({ emailAttribute: 'mail', nameAttributes: { givenName: 'first' } });
    const reset = await server.api('PUT', '/tenants/manual/saml', {
      emailAttribute: null,
      nameAttributes: null,
    });
    expect(reset.body).toMatchObject({ emailAttribute: 'email', nameAttributes: {} });
  });

  it.each([
    ['no IdP for a new connection', { enabled: true }, 'SAML_CONFIG_INVALID', /needs its IdP/],
    [
      'two ways at once',
      { metadataXml: '<x/>', entityId: 'https://idp.test' },
      'SAML_CONFIG_INVALID',
      /one way/,
    ],
    [
      'a new connection by hand without certificates',
      { entityId: 'x', ssoUrl: 'https://idp.test' },
      'SAML_CONFIG_INVALID',
      /certificates/,
    ],
    [
      'a certificate that is none',
      { entityId: 'x', ssoUrl: 'https://idp.test', certificates: ['hello'] },
      'SAML_CONFIG_INVALID',
      /certificate/,
    ],
    [
      'an SSO URL that is not http(s)',
      { entityId: 'x', ssoUrl: 'javascript:alert(1)', certificates: ['x'] },
      'SAML_CONFIG_INVALID',
      /./,
    ],
    [
      'metadata that is not metadata',
      { metadataXml: '<html/>' },
      'SAML_METADATA_INVALID',
      /not SAML 2.0 metadata/,
    ],
    [
      'metadata with a DOCTYPE',
      { metadataXml: '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>' },
      'SAML_METADATA_INVALID',
      /DOCTYPE/,
    ],
    ['an unknown field', { metadataXml: '<x/>', colour: 'red' }, 'VALIDATION_FAILED', /body.colour/],
  ])('refuses %s, changing nothing', async (_, body, code, message) => {
    await server.admin
      .createTenant(`bad-${code.toLowerCase().replace(/_/g, '-')}-${Math.random().toString(36).slice(2, 6)}`)
      .then(async (tenant) => {
        const response = await server.api('PUT', `/tenants/${tenant.slug}/saml`, body);
        expect(response.status).toBe(400);
        expect(response.body.code).toBe(code);
        expect(response.body.message).toMatch(message);
        expect((await server.api('GET', `/tenants/${tenant.slug}/saml`)).body.configured).toBe(false);
      });
  });

  it('answers 502 for a metadata URL that does not answer, and keeps what was there', async () => {
    const before = (await server.api('GET', '/tenants/acme/saml')).body;
    const failed = await server.api('PUT', '/tenants/acme/saml', {
      metadataUrl: `${metadataBase}/missing.xml`,
    });
    expect(failed.status).toBe(502);
    expect(failed.body).toMatchObject({ code: 'SAML_METADATA_FETCH_FAILED' });
    expect(failed.body.message).toContain('HTTP 404');
    expect((await server.api('GET', '/tenants/acme/saml')).body).toEqual(before);
  });

  it('fetches metadata over https only, unless told otherwise (tests)', async () => {
    const service = new SamlConnectionService(server.store);
    const refused = await service.put('acme', { metadataUrl: `${metadataBase}/acme.xml` }, server.url).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(SamlError);
    expect((refused as SamlError).code).toBe('METADATA_FETCH_FAILED');
    expect((refused as SamlError).reason).toContain('must use https');
  });

  it('refuses a metadata URL on a private address unless the server allows it (SSRF), without fetching it', async () => {
    const strict = await startServer({ samlMetadataFetch: { allowHttp: true } });
    try {
      await strict.admin.createTenant('probe');
      requested.length = 0;
      served.set('/probe.xml', idp.metadata());
      for (const metadataUrl of [
        `${metadataBase}/probe.xml`,
        `http://localhost:${new URL(metadataBase).port}/probe.xml`,
        'http://169.254.169.254/latest/meta-data/',
      ]) {
        const refused = await strict.api('PUT', '/tenants/probe/saml', { metadataUrl });
        expect(refused.status, metadataUrl).toBe(502);
        expect(refused.body).toMatchObject({ code: 'SAML_METADATA_FETCH_FAILED' });
        expect(refused.body.message).toContain('that is not a public address');
        expect(refused.body.message).toContain('--metadata-allow-private');
      }
      expect(requested).toEqual([]);
      expect((await strict.api('GET', '/tenants/probe/saml')).body.configured).toBe(false);
    } finally {
      await strict.close();
    }
  });

  it('checks the JIT settings against the tenant', async () => {
    const other = await server.createDirectory('elsewhere', { name: 'x' });
    const foreign = await server.api('PUT', '/tenants/acme/saml', {
      jit: { enabled: true, directoryId: other.id },
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body.message).toContain('has no directory');
    const noDirectory = await server.api('PUT', '/tenants/acme/saml', { jit: { enabled: true } });
    expect(noDirectory.body.message).toContain('jit.directoryId is required');
    const badRole = await server.api('PUT', '/tenants/acme/saml', {
      jit: { enabled: true, directoryId: staff.id, defaultRole: 'owner' },
    });
    expect(badRole.body.message).toContain('"owner" is not one of the roles');
    const byDisplay = await server.api('PUT', '/tenants/acme/saml', {
      jit: { enabled: true, directoryId: staff.id, defaultRole: 'Member' },
    });
    expect(byDisplay.body.jit).toEqual({ enabled: true, directoryId: staff.id, defaultRole: 'member' });
    const off = await server.api('PUT', '/tenants/acme/saml', { jit: { enabled: false } });
    expect(off.body.jit).toEqual({ enabled: false, directoryId: staff.id, defaultRole: 'member' });
  });

  it('keeps tenants apart: a tenant-limited key sees only its own connection', async () => {
    const limitedKey = (await server.admin.createApiKey({ tenantSlug: 'elsewhere' })).secret;
    for (const [method, path, body] of [
      ['GET', '/tenants/acme/saml', undefined],
      ['PUT', '/tenants/acme/saml', { enabled: false }],
      ['DELETE', '/tenants/acme/saml', undefined],
      ['POST', '/tenants/acme/saml/test', undefined],
      ['GET', '/tenants/acme/saml/log', undefined],
    ] as const) {
      const response = await server.api(method, path, body, limitedKey);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.code).toBe('TENANT_NOT_FOUND');
    }
    expect((await server.api('GET', '/tenants/acme/saml')).body.enabled).toBe(true);
  });

  it('removes a connection: sign-in stops', async () => {
    await server.admin.createTenant('removed');
    await connect(server, 'removed', idp);
    expect((await server.api('DELETE', '/tenants/removed/saml')).status).toBe(204);
    expect((await server.api('GET', '/tenants/removed/saml')).body.configured).toBe(false);
    expect((await browserGet(`${server.url}/sso/removed/saml/login`)).status).toBe(404);
    const again = await server.api('DELETE', '/tenants/removed/saml');
    expect(again).toMatchObject({ status: 404, body: { code: 'SAML_NOT_CONFIGURED' } });
    expect((await server.api('POST', '/tenants/removed/saml/test')).body.code).toBe('SAML_NOT_CONFIGURED');
  });
});

/** The AuthnRequest inside a login redirect, inflated. */
function authnRequestOf(location: string): string {
  const encoded = new URL(location).searchParams.get('SAMLRequest')!;
  return inflateRawSync(Buffer.from(encoded, 'base64')).toString('utf8');
}

describe('Test Connection', () => {
  it('shows what the IdP sent and who would sign in, creating no session, even while switched off', async () => {
    await server.api('PUT', '/tenants/acme/saml', { enabled: false });
    try {
      const started = await server.api('POST', '/tenants/acme/saml/test');
      expect(started.status).toBe(201);
      expect(started.body).toMatchObject({ status: 'pending', result: null, error: null });
      expect(started.body.url).toBe(`${server.url}/sso/acme/saml/login?test=${started.body.id}`);

      const login = await browserGet(started.body.url);
      expect(login.status).toBe(302);
      // The IdP is asked to authenticate again, so the admin can test as another person.
      expect(authnRequestOf(login.location!)).toContain('ForceAuthn="true"');
      const request = await idp.receive(login.location!, await spMetadata(server, 'acme'));
      const response = await idp.respond(spOf(server, 'acme'), {
        ...person('ada@acme.test', { department: 'Engines' }),
        inResponseTo: request.id,
      });
      const page = await browserPost(`${server.url}/sso/acme/saml/acs`, { SAMLResponse: response });
      expect(page.status).toBe(200);
      expect(page.setCookie).toBeNull();
      expect(page.text).toContain('Test Connection succeeded');
      expect(page.text).toContain('ada@acme.test');
      expect(page.text).toContain('Engines');
      expect(page.text).toContain('<code>admin</code>');

      const result = await server.api('GET', `/tenants/acme/saml/test/${started.body.id}`);
      expect(result.body).toMatchObject({
        status: 'succeeded',
        error: null,
        result: {
          issuer: idp.entityId,
          nameId: 'ada@acme.test',
          email: 'ada@acme.test',
          emailSource: 'email',
          attributes: { email: ['ada@acme.test'], department: ['Engines'] },
          user: { userName: 'ada@acme.test', directoryId: staff.id, active: true, source: 'scim' },
          roles: ['admin'],
          signIn: 'existing',
          refusal: null,
        },
      });
      expect((await server.api('GET', '/tenants/acme/saml')).body.lastTest).toMatchObject({
        id: started.body.id,
        status: 'succeeded',
      });
      // A test link works once.
      const reused = await browserGet(started.body.url);
      expect(reused.status).toBe(404);
      expect(reused.text).toContain('This sign-in has expired or was already used.');
    } finally {
      await server.api('PUT', '/tenants/acme/saml', { enabled: true });
    }
  });

  it('shows why the response was refused, on the page and in the API', async () => {
    const started = await server.api('POST', '/tenants/acme/saml/test');
    const login = await browserGet(started.body.url);
    const request = await idp.receive(login.location!, await spMetadata(server, 'acme'));
    const wrongReplyUrl = await idp.respond(spOf(server, 'acme'), {
      ...person('ada@acme.test'),
      inResponseTo: request.id,
      recipient: `${server.url}/sso/acm/saml/acs`,
    });
    const page = await browserPost(`${server.url}/sso/acme/saml/acs`, { SAMLResponse: wrongReplyUrl });
    expect(page.status).toBe(403);
    expect(page.setCookie).toBeNull();
    expect(page.text).toContain('Test Connection failed');
    expect(page.text).toContain('RECIPIENT_MISMATCH');
    expect(page.text).toContain('/sso/acm/saml/acs');
    const result = await server.api('GET', `/tenants/acme/saml/test/${started.body.id}`);
    expect(result.body).toMatchObject({
      status: 'failed',
      result: null,
      error: { code: 'RECIPIENT_MISMATCH' },
    });
    expect(result.body.error.reason).toContain("Entra's Reply URL must be exactly it");
  });

  it('says JIT would create an unknown person, or why they would be refused, creating nobody', async () => {
    const jit = await server.createDirectory('acme', { name: 'jit' });
    await server.api('PUT', '/tenants/acme/saml', {
      jit: { enabled: true, directoryId: jit.id, defaultRole: null },
    });
    const run = async (email: string) => {
      const started = await server.api('POST', '/tenants/acme/saml/test');
      const login = await browserGet(started.body.url);
      const request = await idp.receive(login.location!, await spMetadata(server, 'acme'));
      const response = await idp.respond(spOf(server, 'acme'), {
        ...person(email),
        inResponseTo: request.id,
      });
      const page = await browserPost(`${server.url}/sso/acme/saml/acs`, { SAMLResponse: response });
      expect(page.status).toBe(200);
      return (await server.api('GET', `/tenants/acme/saml/test/${started.body.id}`)).body;
    };
    try {
      expect((await run('newbie@acme.test')).result).toMatchObject({ signIn: 'jit', user: null, roles: [] });
      expect((await server.api('GET', `/directories/${jit.id}/users`)).body.totalResults).toBe(0);
      await server.api('PUT', '/tenants/acme/saml', { jit: { enabled: false } });
      expect((await run('newbie@acme.test')).result).toMatchObject({
        signIn: 'refused',
        refusal: { code: 'USER_NOT_PROVISIONED' },
      });
    } finally {
      await server.api('PUT', '/tenants/acme/saml', { jit: { enabled: false, directoryId: null } });
    }
  });

  it("does not let an unsolicited response borrow a test's request to get past a switched-off connection", async () => {
    await server.api('PUT', '/tenants/acme/saml', { enabled: false });
    try {
      const started = await server.api('POST', '/tenants/acme/saml/test');
      const login = await browserGet(started.body.url);
      const request = await idp.receive(login.location!, await spMetadata(server, 'acme'));
      // A signed assertion answering nothing, in an unsigned Response that names the test's request.
      const xml = await idp.respondXml(spOf(server, 'acme'), person('ada@acme.test'));
      const edited = xml.replace('<samlp:Response ', `<samlp:Response InResponseTo="${request.id}" `);
      expect(edited).not.toBe(xml);
      const refused = await browserPost(`${server.url}/sso/acme/saml/acs`, {
        SAMLResponse: toBase64(edited),
      });
      await expectRefused(server, 'acme', refused, 'SSO_DISABLED');
      expect((await server.api('GET', `/tenants/acme/saml/test/${started.body.id}`)).body.status).toBe(
        'pending',
      );
    } finally {
      await server.api('PUT', '/tenants/acme/saml', { enabled: true });
    }
  });

  it('refuses unknown test links and answers 404 for unknown tests', async () => {
    const page = await browserGet(
      `${server.url}/sso/acme/saml/login?test=00000000-0000-4000-8000-000000000000`,
    );
    expect(page.status).toBe(404);
    const api = await server.api('GET', '/tenants/acme/saml/test/00000000-0000-4000-8000-000000000000');
    expect(api).toMatchObject({ status: 404, body: { code: 'SAML_TEST_NOT_FOUND' } });
  });
});

describe('deleting a tenant', () => {
  it('deletes its connection, sessions, tests, replay cache and sign-in log with it', async () => {
    const gone = await server.createDirectory('gone', { name: 'staff' });
    await gone.scim('POST', '/Users', { userName: 'x@gone.test', emails: [{ value: 'x@gone.test' }] });
    await connect(server, 'gone', idp);
    const acs = await signInIdpInitiated(server, 'gone', idp, person('x@gone.test'));
    expect(acs.status).toBe(303);
    await server.api('POST', '/tenants/gone/saml/test');
    const tenantId = (await server.admin.tenant('gone')).id;
    expect((await server.api('DELETE', '/tenants/gone')).status).toBe(204);
    const raw = await connectRaw(server.location);
    try {
      for (const table of [
        'saml_connections',
        'saml_requests',
        'saml_tests',
        'saml_assertions',
        'sso_sessions',
        'sso_log',
      ]) {
        const rows = await raw.query<{ n: number }>(
          `select count(*) as n from ${table} where tenant_id = $1`,
          [tenantId],
        );
        expect(Number(rows[0]!.n), table).toBe(0);
      }
    } finally {
      await raw.close();
    }
    expect((await browserGet(`${server.url}/sso/gone/session`, acs.cookie)).status).toBe(401);
  });
});

describe('the sign-in log', () => {
  it('pages newest first and filters by outcome', async () => {
    await signInIdpInitiated(server, 'acme', idp, person('ada@acme.test'));
    await signInIdpInitiated(server, 'acme', idp, person('nobody@acme.test'));
    const all = await server.api('GET', '/tenants/acme/saml/log?limit=2');
    expect(all.body.items).toHaveLength(2);
    expect(all.body.items[0]).toMatchObject({ outcome: 'refused', code: 'USER_NOT_PROVISIONED' });
    expect(all.body.items[1]).toMatchObject({ outcome: 'signed_in', email: 'ada@acme.test', code: null });
    expect(all.body.items[0].seq).toBeGreaterThan(all.body.items[1].seq);
    const next = await server.api('GET', `/tenants/acme/saml/log?limit=2&before=${all.body.nextBefore}`);
    expect(next.body.items[0].seq).toBeLessThan(all.body.items[1].seq);
    const refused = await server.api('GET', '/tenants/acme/saml/log?outcome=refused&limit=1000');
    expect(refused.body.items.every((e: { outcome: string }) => e.outcome === 'refused')).toBe(true);
  });
});

/** Makes the last metadata fetch of a tenant's connection `minutes` ago (its time and the next scheduled one). */
async function fetchedMinutesAgo(tenant: string, minutes: number): Promise<void> {
  const at = Date.now() - minutes * 60_000;
  const raw = await connectRaw(server.location);
  try {
    await raw.query(
      'update saml_connections set metadata_refreshed_at = $1, metadata_next_refresh_at = $2 where tenant_id = (select id from tenants where slug = $3)',
      [new Date(at).toISOString(), new Date(at + METADATA_REFRESH_MS).toISOString(), tenant],
    );
  } finally {
    await raw.close();
  }
}

describe('metadata refresh (a maintenance job)', () => {
  it('picks up a rolled certificate, and keeps the last good metadata when a refresh fails', async () => {
    const rolling = await server.createDirectory('rolling', { name: 'staff' });
    await rolling.scim('POST', '/Users', {
      userName: 'roll@rolling.test',
      emails: [{ value: 'roll@rolling.test' }],
    });
    const before = await TestIdp.create({ entityId: 'https://sts.windows.net/rolling/' });
    served.set('/rolling.xml', before.metadata());
    const put = await server.api('PUT', '/tenants/rolling/saml', {
      enabled: true,
      metadataUrl: `${metadataBase}/rolling.xml`,
    });
    expect(put.status).toBe(200);
    const oldFingerprint = put.body.idp.certificates[0].fingerprint;
    expect((await signInIdpInitiated(server, 'rolling', before, person('roll@rolling.test'))).status).toBe(
      303,
    );

    // Entra makes a new certificate active: its metadata now has only that one, and it signs with it.
    const after = await TestIdp.create({ entityId: before.entityId });
    served.set('/rolling.xml', after.metadata());
    await expectRefused(
      server,
      'rolling',
      await signInIdpInitiated(server, 'rolling', after, person('roll@rolling.test')),
      'SIGNATURE_INVALID',
    );

    const job = metadataRefreshJob(server.store, { allowHttp: true, allowPrivateAddresses: true });
    const log = captureLog();
    await job.run(new Date(Date.now() + 60 * 60_000), log);
    const refreshed = (await server.api('GET', '/tenants/rolling/saml')).body;
    expect(refreshed.idp.certificates).toHaveLength(1);
    expect(refreshed.idp.certificates[0].fingerprint).not.toBe(oldFingerprint);
    expect(log.lines.some((l) => l.level === 'info' && l.message.includes('new signing certificate'))).toBe(
      true,
    );
    const changed = await events('rolling', 'saml.metadata_changed');
    expect(changed).toHaveLength(1);
    expect(changed[0].data).toMatchObject({ removed: [oldFingerprint] });
    expect((await signInIdpInitiated(server, 'rolling', after, person('roll@rolling.test'))).status).toBe(
      303,
    );

    // The next refresh fails: the connection keeps working on what it had, and says why.
    served.set('/rolling.xml', 503);
    const failing = captureLog();
    await job.run(new Date(Date.now() + 2 * 60 * 60_000), failing);
    const kept = (await server.api('GET', '/tenants/rolling/saml')).body;
    expect(kept.idp).toEqual(refreshed.idp);
    expect(kept.metadataRefreshError.reason).toContain('HTTP 503');
    expect(failing.lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: expect.stringContaining('the last good metadata stays in use'),
      }),
    ]);
    expect((await signInIdpInitiated(server, 'rolling', after, person('roll@rolling.test'))).status).toBe(
      303,
    );

    // Not due yet: the job fetches nothing.
    served.set('/rolling.xml', after.metadata());
    const idle = captureLog();
    await job.run(new Date(Date.now() + 2 * 60 * 60_000 + 60_000), idle);
    expect(idle.lines).toEqual([]);
    expect((await server.api('GET', '/tenants/rolling/saml')).body.metadataRefreshError).not.toBeNull();
    // Refresh now, through the API: the error clears.
    const now = await server.api('POST', '/tenants/rolling/saml/refresh');
    expect(now.body).toMatchObject({ refresh: { ok: true, changed: false, error: null } });
    expect(now.body.connection.metadataRefreshError).toBeNull();
  });

  it('fetches the metadata at once when a response is signed with a certificate it does not know', async () => {
    const sudden = await server.createDirectory('sudden', { name: 'staff' });
    await sudden.scim('POST', '/Users', { userName: 'x@sudden.test', emails: [{ value: 'x@sudden.test' }] });
    const before = await TestIdp.create({ entityId: 'https://sts.windows.net/sudden/' });
    served.set('/sudden.xml', before.metadata());
    await server.api('PUT', '/tenants/sudden/saml', {
      enabled: true,
      metadataUrl: `${metadataBase}/sudden.xml`,
    });
    await fetchedMinutesAgo('sudden', 10);
    const after = await TestIdp.create({ entityId: before.entityId });
    served.set('/sudden.xml', after.metadata());
    const acs = await signInIdpInitiated(server, 'sudden', after, person('x@sudden.test'));
    expect(acs.status, acs.text).toBe(303);
    expect(await events('sudden', 'saml.metadata_changed')).toHaveLength(1);
    // Right after a fetch, an unknown certificate does not trigger another one.
    const stranger = await TestIdp.create({ entityId: before.entityId });
    await expectRefused(
      server,
      'sudden',
      await signInIdpInitiated(server, 'sudden', stranger, person('x@sudden.test')),
      'SIGNATURE_INVALID',
    );
  });
});

describe('the on-demand refresh under load', () => {
  it('fetches the metadata once for many concurrent sign-ins signed with an unknown certificate', async () => {
    const crowd = await server.createDirectory('crowd', { name: 'staff' });
    const people = Array.from({ length: 8 }, (_, i) => `p${i}@crowd.test`);
    for (const email of people)
      await crowd.scim('POST', '/Users', { userName: email, emails: [{ value: email }] });
    const before = await TestIdp.create({ entityId: 'https://sts.windows.net/crowd/' });
    served.set('/crowd.xml', before.metadata());
    const put = await server.api('PUT', '/tenants/crowd/saml', {
      enabled: true,
      metadataUrl: `${metadataBase}/crowd.xml`,
    });
    expect(put.status).toBe(200);
    await fetchedMinutesAgo('crowd', 10);

    // The IdP rolled its certificate; everyone signs in at once, and its metadata endpoint is slow.
    const after = await TestIdp.create({ entityId: before.entityId });
    served.set('/crowd.xml', after.metadata());
    slow.set('/crowd.xml', 1_000);
    requested.length = 0;
    try {
      const answers = await Promise.all(
        people.map((email) => signInIdpInitiated(server, 'crowd', after, person(email))),
      );
      expect(requested.filter((path) => path === '/crowd.xml')).toHaveLength(1);
      // The request that fetched signs in; the others were refused as before the fetch.
      const statuses = answers.map((a) => a.status);
      expect(statuses).toContain(303);
      for (const status of statuses) expect([303, 403]).toContain(status);
    } finally {
      slow.delete('/crowd.xml');
    }
    expect(await events('crowd', 'saml.metadata_changed')).toHaveLength(1);
    // The new certificate is stored: everyone signs in now, with no fetch.
    const again = await signInIdpInitiated(server, 'crowd', after, person(people[0]!));
    expect(again.status).toBe(303);
    expect(requested.filter((path) => path === '/crowd.xml')).toHaveLength(1);
  });
});

describe('certificate expiry warning (a maintenance job)', () => {
  it('warns once per certificate, 30 days ahead, in the log and as an event', async () => {
    await server.admin.createTenant('expiring');
    const soon = await createKeyPair({
      commonName: 'Expiring soon',
      notAfter: new Date(Date.now() + 10 * 86_400_000),
    });
    const later = await createKeyPair({ commonName: 'Valid for long' });
    const put = await server.api('PUT', '/tenants/expiring/saml', {
      entityId: 'https://sts.windows.net/expiring/',
      ssoUrl: 'https://login.microsoftonline.com/expiring/saml2',
      certificates: [soon.cert, later.cert],
    });
    expect(put.status).toBe(200);
    const fingerprint = put.body.idp.certificates.find(
      (c: { subject: string }) => c.subject === 'CN=Expiring soon',
    ).fingerprint;

    const job = certificateExpiryJob(server.store);
    const log = captureLog();
    await job.run(new Date(), log);
    const mine = log.lines.filter((l) => l.message.includes('tenant expiring:'));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.level).toBe('warn');
    expect(mine[0]!.message).toContain(fingerprint);
    expect(mine[0]!.message).toContain('the connection also trusts');
    const raised = await events('expiring', 'saml.certificate_expiring');
    expect(raised).toHaveLength(1);
    expect(raised[0].data).toMatchObject({ fingerprint, subject: 'CN=Expiring soon' });

    const again = captureLog();
    await job.run(new Date(Date.now() + 86_400_000), again);
    expect(again.lines.filter((l) => l.message.includes('tenant expiring:'))).toEqual([]);
    expect(await events('expiring', 'saml.certificate_expiring')).toHaveLength(1);
  });
});

describe('purging expired SSO state (a maintenance job)', () => {
  it('deletes ended sessions, used-up replay-cache entries and unanswered requests once they expire', async () => {
    const acs = await signInIdpInitiated(server, 'acme', idp, person('ada@acme.test'));
    expect((await browserGet(`${server.url}/sso/acme/session`, acs.cookie)).status).toBe(200);
    await browserGet(`${server.url}/sso/acme/saml/login`);
    const count = async (table: string) => {
      const raw = await connectRaw(server.location);
      try {
        return Number((await raw.query<{ n: number }>(`select count(*) as n from ${table}`))[0]!.n);
      } finally {
        await raw.close();
      }
    };
    expect(await count('sso_sessions')).toBeGreaterThan(0);
    expect(await count('saml_assertions')).toBeGreaterThan(0);
    expect(await count('saml_requests')).toBeGreaterThan(0);

    const log = captureLog();
    await ssoPurgeJob(server.store, 30).run(new Date(), log);
    expect((await browserGet(`${server.url}/sso/acme/session`, acs.cookie)).status).toBe(200);

    await ssoPurgeJob(server.store, 30).run(new Date(Date.now() + 9 * 60 * 60_000), log);
    expect(await count('sso_sessions')).toBe(0);
    expect(await count('saml_assertions')).toBe(0);
    expect(await count('saml_requests')).toBe(0);
    expect(log.lines.some((l) => l.message.startsWith('purged expired SSO state'))).toBe(true);
    expect((await browserGet(`${server.url}/sso/acme/session`, acs.cookie)).status).toBe(401);
  });
});
