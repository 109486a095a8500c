import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleOperators } from '../../src/directory/console-operators.js';
import { TestIdp } from '../../src/saml/testing/test-idp.js';
import { startServer, type TestDirectory, type TestServer } from '../support/rollcall-server.js';
import { browserGet, browserPost, person, spMetadata, spOf } from '../support/sso.js';

/**
 * The console's SSO page (settings, Test Connection, the switch that waits for a test) and a
 * tenant admin's sign-in through the tenant's SAML SSO, over real HTTP with a samlify IdP.
 */
let server: TestServer;
let idp: TestIdp;
let acme: TestDirectory;
let operatorCookie: string;

const PASSWORD = 'operator password 1';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

async function request(
  path: string,
  options: { cookie?: string; form?: Record<string, string> } = {},
): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, {
    method: options.form ? 'POST' : 'GET',
    redirect: 'manual',
    headers: { ...(options.cookie && { cookie: options.cookie }) },
    ...(options.form && { body: new URLSearchParams(options.form) }),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function cookieOf(answer: { headers: Headers }, name: string): string | undefined {
  const match = new RegExp(`${name}=([^;]+)`).exec(answer.headers.get('set-cookie') ?? '');
  return match ? `${name}=${match[1]}` : undefined;
}

function csrfOf(page: Answer): string {
  return /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
}

/** The IdP's side of a sign-in that rollcall started with a redirect to `location`. */
async function answerAtIdp(
  location: string,
  email: string,
): Promise<{ SAMLResponse: string; RelayState?: string }> {
  const authn = await idp.receive(location, await spMetadata(server, 'acme'));
  const samlResponse = await idp.respond(spOf(server, 'acme'), { ...person(email), inResponseTo: authn.id });
  return {
    SAMLResponse: samlResponse,
    ...(authn.relayState !== undefined && { RelayState: authn.relayState }),
  };
}

async function provision(userName: string, role: string): Promise<string> {
  const created = await acme.scim('POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    active: true,
    emails: [{ primary: true, value: userName }],
    roles: [{ primary: true, value: role }],
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

/** A tenant admin's way in: the console's SSO start, the SAML login, the IdP, the ACS, the callback. */
async function signInThroughSso(email: string): Promise<{ callback: Answer; console?: string }> {
  const start = await request('/console/sso/start?tenant=acme');
  expect(start.status).toBe(303);
  expect(start.headers.get('location')).toBe('/sso/acme/saml/login?RelayState=%2Fconsole%2Fsso%2Fcallback');
  const login = await browserGet(`${server.url}${start.headers.get('location')}`);
  expect(login.status).toBe(302);
  const acs = await browserPost(`${server.url}/sso/acme/saml/acs`, await answerAtIdp(login.location!, email));
  expect(acs.status, acs.text).toBe(303);
  expect(acs.location).toBe('/console/sso/callback');
  const callback = await request('/console/sso/callback', { cookie: `rollcall_sso=${acs.cookie}` });
  const consoleCookie = cookieOf(callback, 'rollcall_console');
  return { callback, ...(consoleCookie && { console: consoleCookie }) };
}

beforeAll(async () => {
  server = await startServer();
  idp = await TestIdp.create();
  await new ConsoleOperators(server.store).create('ops@vendor.test', PASSWORD);
  acme = await server.createDirectory('acme', {
    name: 'employees',
    roles: [
      { value: 'admin', display: 'Admin' },
      { value: 'member', display: 'Member' },
    ],
    consoleRoles: ['admin'],
  });
  await server.createDirectory('globex', { name: 'staff' });
  const signedIn = await request('/console/sign-in', {
    form: { email: 'ops@vendor.test', password: PASSWORD },
  });
  operatorCookie = cookieOf(signedIn, 'rollcall_console')!;
});
afterAll(() => server.close());

describe('the SSO page', () => {
  it('shows the SP values to copy before anything is set up', async () => {
    const page = await request('/console/t/acme/sso', { cookie: operatorCookie });
    expect(page.status).toBe(200);
    expect(page.text).toContain(`value="${server.url}/sso/acme/saml/acs"`);
    expect(page.text).toContain(`value="${server.url}/sso/acme/saml/metadata"`);
    expect(page.text).toContain('Request signed Assertions from the IdP?');
    expect(page.text).toContain('Request signed Authentication Response from the IdP?');
    expect(page.headers.get('content-security-policy')).not.toContain('form-action');
  });

  it('refuses metadata that is not metadata, with the reason, and keeps nothing', async () => {
    const page = await request('/console/t/acme/sso', { cookie: operatorCookie });
    const refused = await request('/console/t/acme/sso', {
      cookie: operatorCookie,
      form: { _csrf: csrfOf(page), metadataXml: '<not-metadata/>', emailAttribute: 'email' },
    });
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/role="alert"><p>[^<]*not SAML 2.0 metadata \(METADATA_INVALID\)/);
    expect((await server.api('GET', '/tenants/acme/saml')).body.configured).toBe(false);
  });

  it('switches on only after a Test Connection succeeded with the saved settings', async () => {
    let page = await request('/console/t/acme/sso', { cookie: operatorCookie });
    const saved = await request('/console/t/acme/sso', {
      cookie: operatorCookie,
      form: {
        _csrf: csrfOf(page),
        metadataXml: idp.metadata(),
        emailAttribute: 'email',
        allowIdpInitiated: 'on',
      },
    });
    expect(saved.status).toBe(303);
    page = await request('/console/t/acme/sso', { cookie: operatorCookie });
    expect(page.text).toContain(idp.entityId);
    expect(page.text).toMatch(/role="switch" aria-checked="false"[^>]*disabled/);

    const early = await request('/console/t/acme/sso/enabled', {
      cookie: operatorCookie,
      form: { _csrf: csrfOf(page), enabled: 'on' },
    });
    expect(early.status).toBe(400);
    expect(early.text).toContain('Run Test Connection');
    expect((await server.api('GET', '/tenants/acme/saml')).body.enabled).toBe(false);

    const adminId = await provision('ada@acme.test', 'Admin');
    const started = await request('/console/t/acme/sso/test', {
      cookie: operatorCookie,
      form: { _csrf: csrfOf(page) },
    });
    expect(started.status).toBe(303);
    const testUrl = started.headers.get('location')!;
    expect(testUrl).toMatch(new RegExp(`^${server.url}/sso/acme/saml/login\\?test=`));
    const login = await browserGet(testUrl);
    expect(login.status).toBe(302);
    const answered = await browserPost(
      `${server.url}/sso/acme/saml/acs`,
      await answerAtIdp(login.location!, 'ada@acme.test'),
    );
    expect(answered.status).toBe(200);
    expect(answered.cookie).toBeUndefined();

    page = await request('/console/t/acme/sso', { cookie: operatorCookie });
    expect(page.text).toContain('Test Connection succeeded');
    expect(page.text).toContain('What the identity provider sent');
    expect(page.text).toContain('ada@acme.test');
    expect(page.text).toContain('<code class="wrap">email</code>');
    const on = await request('/console/t/acme/sso/enabled', {
      cookie: operatorCookie,
      form: { _csrf: csrfOf(page), enabled: 'on' },
    });
    expect(on.status).toBe(303);
    expect((await server.api('GET', '/tenants/acme/saml')).body.enabled).toBe(true);
    expect(adminId).toBeTruthy();

    const audit = await request('/console/t/acme/audit', { cookie: operatorCookie });
    for (const action of ['sso.save', 'sso.test', 'sso.enable']) expect(audit.text).toContain(action);
    const overview = await request('/console/t/acme', { cookie: operatorCookie });
    expect(overview.text).toMatch(/SAML 2.0\s*<span class="badge on">On<\/span>/);
  });
});

describe('a tenant admin signing in through SSO', () => {
  it('gets a console session for their tenant only', async () => {
    const { callback, console: cookie } = await signInThroughSso('ada@acme.test');
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toBe('/console/t/acme');
    expect(cookie).toBeDefined();
    const own = await request('/console/t/acme', { cookie });
    expect(own.status).toBe(200);
    expect(own.text).toContain('Admin of acme');
    expect(own.text).not.toContain('href="/console/tenants"');
    expect((await request('/console/t/globex', { cookie })).status).toBe(404);
    expect((await request('/console/t/globex/sso', { cookie })).status).toBe(404);
    expect((await request('/console/tenants', { cookie })).status).toBe(403);
    // Their own SSO page, and their last sign-in on the users page.
    expect((await request('/console/t/acme/sso', { cookie })).status).toBe(200);
    const users = await request(`/console/t/acme/directories/${acme.id}/users`, { cookie });
    const row = users.text.slice(users.text.indexOf('>ada@acme.test</a>'));
    expect(row.slice(0, row.indexOf('</tr>'))).toMatch(/<time datetime="\d{4}-/);
  });

  it('is refused without a console role, and without an SSO session', async () => {
    await provision('bob@acme.test', 'member');
    const { callback, console: cookie } = await signInThroughSso('bob@acme.test');
    expect(callback.status).toBe(403);
    expect(callback.text).toContain('only for your organisation’s administrators');
    expect(cookie).toBeUndefined();

    const none = await request('/console/sso/callback');
    expect(none.status).toBe(401);
    expect(none.headers.get('set-cookie')).toBeNull();
    const forged = await request('/console/sso/callback', {
      cookie: 'rollcall_sso=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    });
    expect(forged.status).toBe(401);
  });

  it('loses the console when the IdP deactivates them', async () => {
    const { console: cookie } = await signInThroughSso('ada@acme.test');
    expect((await request('/console/t/acme', { cookie })).status).toBe(200);
    const users = await acme.scim(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "ada@acme.test"')}`,
    );
    const disabled = await acme.scim('PATCH', `/Users/${users.body.Resources[0].id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    expect(disabled.status).toBe(200);
    const after = await request('/console/t/acme', { cookie });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toContain('/console/sign-in');
  });

  it('is sent back with a clear message for an organisation name that cannot be one', async () => {
    const answer = await request('/console/sso/start?tenant=Not%20A%20Slug!');
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('Give your organisation');
  });
});
