import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHostApp } from '../../examples/host-app/host-app.js';
import { type App, buildApp } from '../../src/http/app.js';
import { serviceProviderFor } from '../../src/saml/connection.js';
import { TestIdp } from '../../src/saml/testing/test-idp.js';
import { Store } from '../../src/store/store.js';
import { Browser, type Page } from '../support/browser.js';
import { startServer, type TestDirectory, type TestServer } from '../support/rollcall-server.js';
import { connect, person, spMetadata } from '../support/sso.js';

/**
 * The whole loop of issue 6, over real HTTP: SCIM provisions a user with a role; the example host app
 * (examples/host-app, openid-client) starts an OpenID Connect sign-in; rollcall sends it through the
 * tenant's SAML login, where samlify plays Entra and signs the response; the ACS opens the SSO
 * session; the interaction finishes; the host app exchanges the code and shows the ID token's roles.
 * The same for IdP-initiated sign-in, a JIT user, a deactivated user, a second tenant, key rotation,
 * and two rollcall nodes behind one URL.
 */
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface HostApp {
  /** The app's URL as the browser sees it (`localhost`, so its cookies are apart from rollcall's `127.0.0.1`). */
  readonly url: string;
  readonly clientId: string;
  readonly server: Server;
}

/** Registers the example app with rollcall (redirect, login and post-logout URIs on its port) and starts it. */
async function startHostApp(rollcall: TestServer, issuer: string): Promise<HostApp> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://localhost:${(server.address() as { port: number }).port}`;
  const created = await rollcall.api('POST', '/oidc/clients', {
    name: 'Example host app',
    redirectUris: [`${url}/callback`],
    postLogoutRedirectUris: [`${url}/`],
    loginUri: `${url}/login`,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  server.on(
    'request',
    createHostApp({ issuer, clientId: created.body.id, clientSecret: created.body.secret, baseUrl: url }),
  );
  return { url, clientId: created.body.id, server };
}

/** `localhost` is the host app, on IPv4 loopback like everything in these tests. */
function loopback(url: URL): URL {
  if (url.hostname !== 'localhost') return url;
  const routed = new URL(url);
  routed.hostname = '127.0.0.1';
  return routed;
}

interface Me {
  signedIn: boolean;
  claims: Record<string, unknown>;
  idToken: string;
  userinfo: Record<string, unknown>;
}

async function me(browser: Browser, host: HostApp): Promise<{ status: number; body: Me }> {
  const page = await browser.navigate(`${host.url}/me`);
  return { status: page.status, body: JSON.parse(page.text) };
}

function kidOf(jwt: string): string {
  return JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()).kid;
}

/**
 * Plays the IdP: the browser arrived at the IdP's sign-on URL with an AuthnRequest; the IdP signs the
 * person in and the browser posts the signed response to the ACS, then follows the redirects.
 */
async function answerAtIdp(
  browser: Browser,
  atIdp: Page,
  rollcallUrl: string,
  idp: TestIdp,
  tenant: string,
  email: string,
): Promise<Page> {
  expect(atIdp.url.href.startsWith(idp.ssoUrl), `expected the IdP, got ${atIdp.url.href}`).toBe(true);
  const request = await idp.receive(atIdp.url.href, await spMetadataAt(rollcallUrl, tenant));
  const response = await idp.respond(serviceProviderFor(rollcallUrl, tenant), {
    ...person(email),
    inResponseTo: request.id,
  });
  return browser.navigate(`${rollcallUrl}/sso/${tenant}/saml/acs`, {
    method: 'POST',
    form: {
      SAMLResponse: response,
      ...(request.relayState !== undefined && { RelayState: request.relayState }),
    },
    stopAt: (url) => url.href.startsWith(idp.ssoUrl),
  });
}

async function spMetadataAt(rollcallUrl: string, tenant: string): Promise<string> {
  return (await fetch(`${rollcallUrl}/sso/${tenant}/saml/metadata`)).text();
}

describe('signing in to the host app through rollcall', () => {
  let rollcall: TestServer;
  let issuer: string;
  let acmeIdp: TestIdp;
  let globexIdp: TestIdp;
  let staff: TestDirectory;
  let globex: TestDirectory;
  let host: HostApp;
  /** The key-rotation clock: real time plus what the rotation test adds. */
  let clockOffset = 0;

  const newBrowser = () => new Browser(loopback);
  const atAnIdp = (url: URL) => url.href.startsWith(acmeIdp.ssoUrl) || url.href.startsWith(globexIdp.ssoUrl);

  /** SP-initiated: the host app's login, through the IdP, back to the host app. */
  async function signIn(browser: Browser, query: string, email: string, idp = acmeIdp, tenant = 'acme') {
    const atIdp = await browser.navigate(`${host.url}/login?${query}`, { stopAt: atAnIdp });
    return answerAtIdp(browser, atIdp, rollcall.url, idp, tenant, email);
  }

  async function provision(directory: TestDirectory, email: string, name: [string, string], role?: string) {
    const created = await directory.scim('POST', '/Users', {
      userName: email,
      name: { givenName: name[0], familyName: name[1] },
      displayName: name.join(' '),
      emails: [{ value: email, type: 'work', primary: true }],
      active: true,
      ...(role && { roles: [{ value: role, primary: true, type: 'WindowsAzureActiveDirectoryRole' }] }),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.id as string;
  }

  beforeAll(async () => {
    rollcall = await startServer({ secretKey: randomBytes(32), oidcClock: () => Date.now() + clockOffset });
    issuer = `${rollcall.url}/oidc`;
    acmeIdp = await TestIdp.create();
    globexIdp = await TestIdp.create({
      entityId: 'https://sts.windows.net/00000000-0000-0000-0000-00000000beef/',
      ssoUrl: 'https://login.microsoftonline.com/00000000-0000-0000-0000-00000000beef/saml2',
    });
    staff = await rollcall.createDirectory('acme', {
      name: 'staff',
      roles: [
        { value: 'admin', display: 'Admin' },
        { value: 'member', display: 'Member' },
      ],
      defaultRole: 'member',
    });
    globex = await rollcall.createDirectory('globex', {
      name: 'people',
      roles: [{ value: 'viewer', display: 'Viewer' }],
    });
    await rollcall.api('POST', '/tenants/acme/domains', { domain: 'acme.test' });
    await connect(rollcall, 'acme', acmeIdp, {
      allowIdpInitiated: true,
      jit: { enabled: true, directoryId: staff.id, defaultRole: 'member' },
    });
    await connect(rollcall, 'globex', globexIdp);
    host = await startHostApp(rollcall, issuer);
  });
  afterAll(async () => {
    await new Promise((resolve) => host.server.close(resolve));
    await rollcall.close();
  });

  it('SP-initiated: a user SCIM provisioned with a role signs in, and the ID token carries that role', async () => {
    const id = await provision(staff, 'ada@acme.test', ['Ada', 'Lovelace'], 'Admin');
    const browser = newBrowser();
    const home = await signIn(browser, 'tenant=acme', 'ada@acme.test');
    expect(home.url.href).toBe(`${host.url}/`);
    expect(home.text).toContain('Signed in as <strong>Ada Lovelace</strong>');
    expect(home.text).toContain('Roles: admin');
    const paths = home.visited.map((u) => u.pathname);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/sso/acme/saml/acs',
        expect.stringMatching(/^\/oidc\/interaction\//),
        '/callback',
      ]),
    );

    const { status, body } = await me(browser, host);
    expect(status).toBe(200);
    expect(body.claims).toMatchObject({
      iss: issuer,
      aud: host.clientId,
      sub: id,
      email: 'ada@acme.test',
      name: 'Ada Lovelace',
      tenant: 'acme',
      directory: staff.id,
      roles: ['admin'],
    });
    expect(body.userinfo).toMatchObject({
      sub: id,
      email: 'ada@acme.test',
      tenant: 'acme',
      roles: ['admin'],
    });
  });

  it('signs out of the app and rollcall, and signs in again within the SSO session without the IdP', async () => {
    const browser = newBrowser();
    await signIn(browser, 'tenant=acme', 'ada@acme.test');
    const confirm = await browser.navigate(`${host.url}/logout`, { method: 'POST' });
    expect(confirm.url.pathname).toBe('/oidc/session/end');
    expect(confirm.text).toContain('Sign out of Example host app?');
    const signedOut = await browser.submitForm(confirm, { extra: { logout: 'yes' } });
    expect(signedOut.url.href).toBe(`${host.url}/`);
    expect(signedOut.text).toContain('Sign in with SSO');
    expect((await me(browser, host)).status).toBe(401);
    // The SSO session with the tenant stands (as the IdP's own does): no IdP round trip.
    const again = await browser.navigate(`${host.url}/login?tenant=acme`, { stopAt: atAnIdp });
    expect(again.url.href).toBe(`${host.url}/`);
    expect(again.text).toContain('Roles: admin');
  });

  /** An authorization request made by hand (PKCE challenge of a fixed verifier), stopped at the app's callback. */
  async function authorize(browser: Browser, params: Record<string, string>) {
    const url = new URL(`${issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: host.clientId,
      redirect_uri: `${host.url}/callback`,
      response_type: 'code',
      scope: 'openid email',
      state: 'by-hand',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      ...params,
    }).toString();
    return browser.navigate(url, { stopAt: (u) => u.pathname === '/callback' || atAnIdp(u) });
  }

  it('grants what the app asks for when it asks with prompt=consent, without a consent screen', async () => {
    const browser = newBrowser();
    await signIn(browser, 'tenant=acme', 'ada@acme.test');
    const back = await authorize(browser, { prompt: 'consent', tenant: 'acme' });
    expect(back.url.pathname).toBe('/callback');
    // The consent step is an interaction of its own, answered by rollcall at once.
    expect(back.visited.some((u) => u.pathname.startsWith('/oidc/interaction/'))).toBe(true);
    expect(back.url.searchParams.get('state')).toBe('by-hand');
    expect(back.url.searchParams.get('code')).toBeTruthy();
  });

  it('takes the SSO sign-in the browser holds when the request names no tenant', async () => {
    const browser = newBrowser();
    await signIn(browser, 'tenant=acme', 'ada@acme.test');
    const back = await authorize(browser, {});
    expect(back.url.pathname).toBe('/callback');
    expect(back.url.searchParams.get('code')).toBeTruthy();
  });

  it('answers prompt=none with login_required unless the SSO session of the tenant stands', async () => {
    const fresh = await authorize(newBrowser(), { prompt: 'none', tenant: 'acme' });
    expect(fresh.url.pathname).toBe('/callback');
    expect(fresh.url.searchParams.get('error')).toBe('login_required');
    const browser = newBrowser();
    await signIn(browser, 'tenant=acme', 'ada@acme.test');
    expect(
      (await authorize(browser, { prompt: 'none', tenant: 'acme' })).url.searchParams.get('code'),
    ).toBeTruthy();
    const otherTenant = await authorize(browser, { prompt: 'none', tenant: 'globex' });
    expect(otherTenant.url.searchParams.get('error')).toBe('login_required');
  });

  it("stops with a plain page when the browser keeps losing rollcall's SSO cookie", async () => {
    const browser = newBrowser();
    let page = await browser.navigate(`${host.url}/login?tenant=acme`, { stopAt: atAnIdp });
    for (let trip = 0; trip < 3; trip++) {
      const request = await acmeIdp.receive(page.url.href, await spMetadata(rollcall, 'acme'));
      const response = await acmeIdp.respond(serviceProviderFor(rollcall.url, 'acme'), {
        ...person('ada@acme.test'),
        inResponseTo: request.id,
      });
      const back = await browser.navigate(`${rollcall.url}/sso/acme/saml/acs`, {
        method: 'POST',
        form: { SAMLResponse: response, RelayState: request.relayState! },
        stopAt: (url) => url.pathname.startsWith('/oidc/interaction/'),
      });
      browser.jar.delete('127.0.0.1', 'rollcall_sso');
      page = await browser.navigate(back.url, { stopAt: atAnIdp });
    }
    expect(page.status).toBe(400);
    expect(page.text).toContain('did not keep');
    expect((await me(browser, host)).status).toBe(401);
  });

  it('takes the tenant from the email domain of a login_hint', async () => {
    const browser = newBrowser();
    const home = await signIn(browser, `login_hint=${encodeURIComponent('ada@acme.test')}`, 'ada@acme.test');
    expect(home.text).toContain('Roles: admin');
    expect((await me(browser, host)).body.claims.tenant).toBe('acme');
  });

  it('gives the roles SCIM holds now: a refresh after Entra changed the role carries the new one', async () => {
    const id = await provision(staff, 'ben@acme.test', ['Ben', 'Franklin'], 'Admin');
    const browser = newBrowser();
    await signIn(browser, 'tenant=acme', 'ben@acme.test');
    expect((await me(browser, host)).body.claims.roles).toEqual(['admin']);
    const patched = await staff.scim('PATCH', `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'roles[primary eq "True"].value', value: 'Member' }],
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    // userinfo reads the user as of now, before any refresh.
    expect((await me(browser, host)).body.userinfo.roles).toEqual(['member']);
    const refreshed = await browser.navigate(`${host.url}/refresh`, { method: 'POST' });
    expect(refreshed.text).toContain('Roles: member');
    expect((await me(browser, host)).body.claims.roles).toEqual(['member']);
  });

  it('IdP-initiated: a sign-in from the IdP portal lands in the host app, signed in', async () => {
    const id = await provision(staff, 'cy@acme.test', ['Cy', 'Young'], 'Member');
    const browser = newBrowser();
    const unsolicited = await acmeIdp.respond(
      serviceProviderFor(rollcall.url, 'acme'),
      person('cy@acme.test'),
    );
    const home = await browser.navigate(`${rollcall.url}/sso/acme/saml/acs`, {
      method: 'POST',
      form: { SAMLResponse: unsolicited, RelayState: `/oidc/launch/${host.clientId}` },
      stopAt: atAnIdp,
    });
    expect(home.url.href).toBe(`${host.url}/`);
    expect(home.text).toContain('Roles: member');
    expect(home.visited.map((u) => u.pathname)).toEqual([
      '/sso/acme/saml/acs',
      `/oidc/launch/${host.clientId}`,
      '/login',
      '/oidc/auth',
      expect.stringMatching(/^\/oidc\/interaction\//),
      expect.stringMatching(/^\/oidc\/auth\//),
      '/callback',
      '/',
    ]);
    expect((await me(browser, host)).body.claims).toMatchObject({
      sub: id,
      tenant: 'acme',
      roles: ['member'],
    });
  });

  it('JIT: a person SCIM never provisioned is created at first sign-in with the default role', async () => {
    const browser = newBrowser();
    const home = await signIn(browser, 'tenant=acme', 'dee@acme.test');
    expect(home.text).toContain('Roles: member');
    const { claims } = (await me(browser, host)).body;
    const users = await rollcall.api(
      'GET',
      `/directories/${staff.id}/users?filter=${encodeURIComponent('userName eq "dee@acme.test"')}`,
    );
    expect(users.body.items).toHaveLength(1);
    expect(users.body.items[0]).toMatchObject({ id: claims.sub, source: 'jit' });
    expect(claims).toMatchObject({
      email: 'dee@acme.test',
      tenant: 'acme',
      directory: staff.id,
      roles: ['member'],
    });
  });

  it('refuses a deactivated user: no refresh, no userinfo, no new sign-in', async () => {
    const id = await provision(staff, 'eve@acme.test', ['Eve', 'Moneypenny'], 'Admin');
    const browser = newBrowser();
    await signIn(browser, 'tenant=acme', 'eve@acme.test');
    expect((await me(browser, host)).body.claims.sub).toBe(id);

    const deactivated = await staff.scim('PATCH', `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect(deactivated.status).toBe(200);

    expect((await me(browser, host)).body.userinfo).toHaveProperty('error');
    const refresh = await browser.navigate(`${host.url}/refresh`, { method: 'POST' });
    expect(refresh.status).toBe(401);
    expect(refresh.text).toContain('invalid_grant');
    expect((await me(browser, host)).status).toBe(401);

    // A new sign-in goes back to the IdP (the SSO session ended with the user) and is refused there.
    const atIdp = await browser.navigate(`${host.url}/login?tenant=acme`, { stopAt: atAnIdp });
    const refused = await answerAtIdp(browser, atIdp, rollcall.url, acmeIdp, 'acme', 'eve@acme.test');
    expect(refused.status).toBe(403);
    expect(refused.url.pathname).toBe('/sso/acme/saml/acs');
    expect((await me(browser, host)).status).toBe(401);
  });

  it('refuses the code of a user deactivated between the sign-in and the code exchange', async () => {
    const id = await provision(staff, 'fay@acme.test', ['Fay', 'Wray'], 'Member');
    const browser = newBrowser();
    const atIdp = await browser.navigate(`${host.url}/login?tenant=acme`, { stopAt: atAnIdp });
    const request = await acmeIdp.receive(atIdp.url.href, await spMetadata(rollcall, 'acme'));
    const response = await acmeIdp.respond(serviceProviderFor(rollcall.url, 'acme'), {
      ...person('fay@acme.test'),
      inResponseTo: request.id,
    });
    const atCallback = await browser.navigate(`${rollcall.url}/sso/acme/saml/acs`, {
      method: 'POST',
      form: { SAMLResponse: response, RelayState: request.relayState! },
      stopAt: (url) => url.pathname === '/callback',
    });
    expect(atCallback.url.searchParams.get('code')).toBeTruthy();
    await staff.scim('PATCH', `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    const callback = await browser.navigate(atCallback.url);
    expect(callback.status).toBe(500);
    expect(callback.text).toContain('invalid_grant');
    expect((await me(browser, host)).status).toBe(401);
  });

  it("stops a deleted app's tokens at once", async () => {
    const other = await startHostApp(rollcall, issuer);
    try {
      const browser = newBrowser();
      const atIdp = await browser.navigate(`${other.url}/login?tenant=acme`, { stopAt: atAnIdp });
      const home = await answerAtIdp(browser, atIdp, rollcall.url, acmeIdp, 'acme', 'ada@acme.test');
      expect(home.url.href).toBe(`${other.url}/`);
      expect((await me(browser, other)).body.userinfo.roles).toEqual(['admin']);
      expect((await rollcall.api('DELETE', `/oidc/clients/${other.clientId}`)).status).toBe(204);
      expect((await me(browser, other)).body.userinfo).toHaveProperty('error');
      const refresh = await browser.navigate(`${other.url}/refresh`, { method: 'POST' });
      expect(refresh.status).toBe(401);
      expect(refresh.text).toContain('invalid_client');
    } finally {
      await new Promise((resolve) => other.server.close(resolve));
    }
  });

  it("keeps tenants apart: a browser signed in to one tenant goes through the other tenant's IdP", async () => {
    const globexId = await provision(globex, 'gil@globex.test', ['Gil', 'Scott'], 'Viewer');
    const browser = newBrowser();
    await signIn(browser, 'tenant=acme', 'ada@acme.test');
    expect((await me(browser, host)).body.claims.tenant).toBe('acme');

    const atGlobex = await browser.navigate(`${host.url}/login?tenant=globex`, { stopAt: atAnIdp });
    expect(atGlobex.url.href.startsWith(globexIdp.ssoUrl)).toBe(true);
    let page = await answerAtIdp(browser, atGlobex, rollcall.url, globexIdp, 'globex', 'gil@globex.test');
    // The provider ends the acme sign-in of this browser before taking the globex one (an auto-posted form).
    for (let i = 0; i < 3 && page.url.href !== `${host.url}/`; i++) page = await browser.submitForm(page);
    expect(page.url.href).toBe(`${host.url}/`);
    expect((await me(browser, host)).body.claims).toMatchObject({
      sub: globexId,
      tenant: 'globex',
      roles: ['viewer'],
    });
  });

  it('signs with a rotated key: published a day ahead, then signing, the old one retired after its tokens', async () => {
    const jwks = async () =>
      ((await (await fetch(`${issuer}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    const kidOfSignIn = async () => {
      const browser = newBrowser();
      await signIn(browser, 'tenant=acme', 'ada@acme.test');
      return kidOf((await me(browser, host)).body.idToken);
    };
    const first = await kidOfSignIn();
    expect(await jwks()).toEqual([first]);

    clockOffset = 29 * DAY + HOUR;
    await rollcall.app.oidc!.reloadKeys();
    const published = await jwks();
    expect(published).toHaveLength(2);
    expect(published[0]).toBe(first);
    expect(await kidOfSignIn()).toBe(first);

    clockOffset = 30 * DAY + HOUR;
    await rollcall.app.oidc!.reloadKeys();
    const second = published[1]!;
    expect(await jwks()).toEqual([second, first]);
    // The host app has the old key set cached; openid-client fetches the new one for the unknown kid.
    expect(await kidOfSignIn()).toBe(second);

    clockOffset = 30 * DAY + 3 * HOUR;
    await rollcall.app.oidc!.reloadKeys();
    expect(await jwks()).toEqual([second]);
  });
});

describe('two rollcall nodes behind one URL', () => {
  let nodeA: TestServer;
  let nodeB: { app: App; store: Store; url: string };
  let host: HostApp;
  let idp: TestIdp;

  beforeAll(async () => {
    const secretKey = randomBytes(32);
    nodeA = await startServer({ secretKey });
    const store = await Store.open(nodeA.location.storeOptions);
    const app = await buildApp({ store, secretKey, publicUrl: nodeA.url });
    await app.server.listen({ port: 0, host: '127.0.0.1' });
    nodeB = { app, store, url: `http://127.0.0.1:${(app.server.server.address() as { port: number }).port}` };
    idp = await TestIdp.create();
    const staff = await nodeA.createDirectory('acme', {
      name: 'staff',
      roles: [{ value: 'admin', display: 'Admin' }],
    });
    await staff.scim('POST', '/Users', {
      userName: 'ada@acme.test',
      emails: [{ value: 'ada@acme.test', primary: true }],
      roles: [{ value: 'admin', primary: true }],
    });
    await connect(nodeA, 'acme', idp);
    host = await startHostApp(nodeA, `${nodeA.url}/oidc`);
  });
  afterAll(async () => {
    await new Promise((resolve) => host.server.close(resolve));
    await nodeB.app.close();
    await nodeB.store.close();
    await nodeA.close();
  });

  it('completes a sign-in whose every step lands on the other node than the one before', async () => {
    let turn = 0;
    const served: string[] = [];
    // A round-robin load balancer: requests for rollcall's URL alternate between the two nodes.
    const browser = new Browser((url) => {
      const routed = loopback(url);
      if (routed.origin !== nodeA.url) return routed;
      const node = turn++ % 2 === 0 ? nodeA.url : nodeB.url;
      served.push(`${node === nodeA.url ? 'A' : 'B'} ${url.pathname}`);
      return new URL(url.pathname + url.search, node);
    });
    const atIdp = await browser.navigate(`${host.url}/login?tenant=acme`, {
      stopAt: (url) => url.href.startsWith(idp.ssoUrl),
    });
    const home = await answerAtIdp(browser, atIdp, nodeA.url, idp, 'acme', 'ada@acme.test');
    expect(home.url.href).toBe(`${host.url}/`);
    expect(home.text).toContain('Roles: admin');
    expect(served.filter((s) => s.startsWith('A')).length).toBeGreaterThanOrEqual(2);
    expect(served.filter((s) => s.startsWith('B')).length).toBeGreaterThanOrEqual(2);
    expect(served.some((s) => / \/oidc\/interaction\//.test(s))).toBe(true);
  });
});
