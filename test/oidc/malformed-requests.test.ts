import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceProviderFor } from '../../src/saml/connection.js';
import { TestIdp } from '../../src/saml/testing/test-idp.js';
import { Browser, type Page } from '../support/browser.js';
import { getWithHost } from '../support/raw-http.js';
import { startServer, type TestServer } from '../support/rollcall-server.js';
import { connect, person, spMetadata } from '../support/sso.js';

/**
 * DESIGN.md: every error a client can cause is a clear, typed response, never a 500. Each request
 * here is one a browser or a script can send to `/oidc/*`: an SSO cookie that does not percent-decode
 * (at each of the three places the provider reads it), ids no row can hold (NUL, which PostgreSQL
 * refuses to compare), a path that does not decode. Each gets its ordinary answer or a 4xx.
 */
let server: TestServer;
let issuer: string;
let idp: TestIdp;
let client: { id: string; secret: string };
const CALLBACK = 'http://localhost:4999/callback';
const LOGIN_URI = 'https://app.test/login';

beforeAll(async () => {
  server = await startServer({ secretKey: randomBytes(32) });
  issuer = `${server.url}/oidc`;
  idp = await TestIdp.create();
  const staff = await server.createDirectory('acme', { name: 'staff' });
  await staff.scim('POST', '/Users', { userName: 'ada@acme.test', emails: [{ value: 'ada@acme.test' }] });
  await connect(server, 'acme', idp);
  const created = await server.api('POST', '/oidc/clients', {
    name: 'Host app',
    redirectUris: [CALLBACK],
    loginUri: LOGIN_URI,
  });
  expect(created.status).toBe(201);
  client = { id: created.body.id, secret: created.body.secret };
});
afterAll(() => server.close());

const atIdp = (url: URL) => url.href.startsWith(idp.ssoUrl);
const atApp = (url: URL) => url.href.startsWith(CALLBACK) || url.href.startsWith(LOGIN_URI);

function authorizeUrl(params: Record<string, string> = {}): URL {
  const url = new URL(`${issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: client.id,
    redirect_uri: CALLBACK,
    response_type: 'code',
    scope: 'openid email',
    code_challenge: createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url'),
    code_challenge_method: 'S256',
    ...params,
  }).toString();
  return url;
}

/** Plays the IdP for a browser that arrived at its sign-on URL, and follows the sign-in back to the app. */
async function answerAtIdp(browser: Browser, page: Page): Promise<Page> {
  expect(atIdp(page.url), `expected the IdP, got ${page.url.href}`).toBe(true);
  const request = await idp.receive(page.url.href, await spMetadata(server, 'acme'));
  const response = await idp.respond(serviceProviderFor(server.url, 'acme'), {
    ...person('ada@acme.test'),
    inResponseTo: request.id,
  });
  return browser.navigate(`${server.url}/sso/acme/saml/acs`, {
    method: 'POST',
    form: { SAMLResponse: response, RelayState: request.relayState! },
    stopAt: (url) => atApp(url) || atIdp(url),
  });
}

/** Replaces the browser's SSO cookie with a value that does not percent-decode. */
function spoilSsoCookie(browser: Browser, value = '%') {
  browser.jar.store(new URL(server.url), [`rollcall_sso=${value}; Path=/`]);
}

describe('an SSO cookie that does not decode', () => {
  it('at the IdP-initiated launch: goes on to the app as without a sign-in', async () => {
    for (const value of ['%', '%E0%A4%A', `${'a'.repeat(43)}%`]) {
      const browser = new Browser();
      spoilSsoCookie(browser, value);
      const page = await browser.navigate(`${server.url}/oidc/launch/${client.id}`, { stopAt: atApp });
      expect(page.visited.at(-1)?.pathname, value).toBe(`/oidc/launch/${client.id}`);
      expect(page.url.origin + page.url.pathname).toBe(LOGIN_URI);
      expect(page.url.searchParams.get('tenant')).toBeNull();
    }
  });

  it('at the interaction: sends the browser through the SAML login as without a sign-in', async () => {
    const browser = new Browser();
    const leaving = await browser.navigate(authorizeUrl({ tenant: 'acme' }), {
      stopAt: (url) => url.pathname.startsWith('/oidc/interaction/'),
    });
    spoilSsoCookie(browser);
    const page = await browser.navigate(leaving.url, { stopAt: atIdp });
    expect(page.status).toBe(0);
    expect(page.visited.map((u) => u.pathname)).toEqual([leaving.url.pathname, '/sso/acme/saml/login']);
  });

  it("at the authorization endpoint's check of a signed-in browser: asks for the sign-in again", async () => {
    const browser = new Browser();
    const first = await answerAtIdp(
      browser,
      await browser.navigate(authorizeUrl({ tenant: 'acme' }), { stopAt: atIdp }),
    );
    expect(first.url.searchParams.get('code')).toBeTruthy();
    // Signed in: the next request needs no IdP round trip.
    const again = await browser.navigate(authorizeUrl({ tenant: 'acme' }), {
      stopAt: (u) => atApp(u) || atIdp(u),
    });
    expect(again.url.searchParams.get('code')).toBeTruthy();
    spoilSsoCookie(browser);
    const spoiled = await browser.navigate(authorizeUrl({ tenant: 'acme' }), {
      stopAt: (u) => atApp(u) || atIdp(u),
    });
    expect(atIdp(spoiled.url), spoiled.text.slice(0, 300)).toBe(true);
    const none = await browser.navigate(authorizeUrl({ tenant: 'acme', prompt: 'none' }), { stopAt: atApp });
    expect(none.url.searchParams.get('error')).toBe('login_required');
  });
});

describe('ids no row can hold', () => {
  it('answers a launch of an app id with a NUL as an unknown app', async () => {
    const page = await new Browser().navigate(`${server.url}/oidc/launch/%00`);
    expect(page.status).toBe(404);
    expect(page.text).toContain('Unknown app');
  });

  it('answers an authorization request for a client id with a NUL as an unknown client', async () => {
    const page = await new Browser().navigate(authorizeUrl({ client_id: '\u0000' }), { stopAt: atApp });
    expect(page.status).toBe(400);
    expect(page.text).toContain('invalid_client');
  });

  it('answers a tenant or a login_hint domain with a NUL as an unknown organisation', async () => {
    const cases: Record<string, string>[] = [{ tenant: 'ac\u0000me' }, { login_hint: 'ada@acme.test\u0000' }];
    for (const params of cases) {
      const page = await new Browser().navigate(authorizeUrl(params), {
        stopAt: (u) => atApp(u) || atIdp(u),
      });
      expect(page.status, JSON.stringify(params)).toBe(400);
      expect(page.text).toContain('Unknown organisation');
    }
  });

  it('refuses a client id with a NUL at the token, revocation and end-session endpoints', async () => {
    const form = (body: Record<string, string>, headers: Record<string, string> = {}) => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(body),
    });
    const token = await fetch(
      `${issuer}/token`,
      form({ grant_type: 'authorization_code', code: 'x', client_id: '\u0000', redirect_uri: CALLBACK }),
    );
    expect(token.status).toBe(401);
    expect((await token.json()).error).toBe('invalid_client');
    const basic = await fetch(
      `${issuer}/token`,
      form(
        { grant_type: 'authorization_code', code: 'x', redirect_uri: CALLBACK },
        { authorization: `Basic ${Buffer.from(`%00:${client.secret}`).toString('base64')}` },
      ),
    );
    expect(basic.status).toBe(400);
    expect((await basic.json()).error).toBe('invalid_request');
    const revoke = await fetch(`${issuer}/token/revocation`, form({ token: 'x', client_id: '\u0000' }));
    expect(revoke.status).toBe(401);
    const end = await new Browser().navigate(`${issuer}/session/end?client_id=%00`);
    expect(end.status).toBe(400);
    expect(end.text).toContain('invalid_client');
  });
});

describe('requests that do not decode, and failures of our own', () => {
  it('answers a path it cannot decode with 400, not a 500', async () => {
    for (const path of ['/oidc/launch/%', '/oidc/interaction/%E0%A4%A']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(400);
      expect(await response.text()).not.toMatch(/URI malformed/);
    }
  });

  it('refuses a Host header that names no host (the issuer is built from it) with 400', async () => {
    for (const host of ['%', 'a b', 'x:99999', 'a/b'])
      for (const path of ['/oidc/.well-known/openid-configuration', '/oidc/auth?client_id=x', '/oidc/jwks'])
        expect((await getWithHost(server.url, path, host)).status, `${host} ${path}`).toBe(400);
    expect((await getWithHost(server.url, '/oidc/jwks', `x.test:${new URL(server.url).port}`)).status).toBe(
      200,
    );
  });

  it("shows a plain page, not the error's message, when the launch fails on our side (the database away)", async () => {
    const broken = await startServer({ secretKey: randomBytes(32) });
    try {
      await broken.store.close();
      const page = await new Browser().navigate(`${broken.url}/oidc/launch/some-app`);
      expect(page.status).toBe(500);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.text).toContain('Something went wrong on our side');
      expect(page.text).not.toMatch(/statusCode|destroyed|closed|Error/);
    } finally {
      await broken.app.close();
      await broken.location.remove();
    }
  });
});

describe('the admin API for apps', () => {
  it('refuses a name or a URI with a NUL or another control character, and finds no client by such an id', async () => {
    for (const body of [
      { name: 'App\u0000', redirectUris: [CALLBACK] },
      { name: 'App', redirectUris: ['https://app.test/cb\u0000'] },
      { name: 'App', redirectUris: ['https://app.test/cb\n'] },
      { name: 'App', redirectUris: [CALLBACK], loginUri: 'https://app.test/\u0000' },
    ]) {
      const created = await server.api('POST', '/oidc/clients', body);
      expect(created.status, JSON.stringify(body)).toBe(400);
    }
    expect((await server.api('GET', '/oidc/clients/%00')).status).toBe(404);
    expect((await server.api('DELETE', '/oidc/clients/%00')).status).toBe(404);
  });
});
