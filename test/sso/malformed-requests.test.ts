import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestIdp, toBase64 } from '../../src/saml/testing/test-idp.js';
import { getWithHost } from '../support/raw-http.js';
import { startServer, type TestServer } from '../support/rollcall-server.js';
import {
  type BrowserResponse,
  browserGet,
  browserPost,
  connect,
  person,
  signInIdpInitiated,
} from '../support/sso.js';

/**
 * DESIGN.md: every error a client can cause is a clear, typed response, never a 500. Each request
 * here is one a browser, a script or a scanner can send to `/sso/*`: cookies that do not decode,
 * values no row can hold (NUL, which PostgreSQL refuses to compare), repeated and missing fields,
 * bodies of the wrong type, methods a route does not take. Each gets a 4xx (or its ordinary answer)
 * and a plain page, never a 500 and never the error's own message.
 */
let server: TestServer;
let idp: TestIdp;

beforeAll(async () => {
  server = await startServer();
  idp = await TestIdp.create();
  const staff = await server.createDirectory('acme', { name: 'staff' });
  await staff.scim('POST', '/Users', { userName: 'ada@acme.test', emails: [{ value: 'ada@acme.test' }] });
  await connect(server, 'acme', idp);
});
afterAll(() => server.close());

const url = (path: string) => `${server.url}${path}`;
const form = { 'content-type': 'application/x-www-form-urlencoded' };

async function send(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<BrowserResponse> {
  const response = await fetch(url(path), {
    method,
    redirect: 'manual',
    headers,
    ...(body !== undefined && { body }),
  });
  return {
    status: response.status,
    location: response.headers.get('location'),
    cookie: undefined,
    setCookie: response.headers.get('set-cookie'),
    headers: response.headers,
    text: await response.text(),
  };
}

/** A refusal the person can read: a 4xx HTML page that shows no error message of ours or of a library. */
function expectPlainRefusal(response: BrowserResponse, status: number) {
  expect({ status: response.status, text: response.text.slice(0, 300) }).toMatchObject({ status });
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(response.text).not.toMatch(/URI malformed|invalid byte sequence|statusCode|Error:/);
}

describe('cookies that do not decode', () => {
  it('treats a session cookie that is not percent-decodable as no session, at every route that reads it', async () => {
    for (const cookie of ['%', '%E0%A4%A', `${'a'.repeat(43)}%`]) {
      const session = await send('GET', '/sso/acme/session', { cookie: `rollcall_sso=${cookie}` });
      expect(session.status, cookie).toBe(401);
      expect(JSON.parse(session.text)).toMatchObject({ error: 'not_signed_in' });
      const signedIn = await send('GET', '/sso/acme/signed-in', { cookie: `rollcall_sso=${cookie}` });
      expectPlainRefusal(signedIn, 401);
      const logout = await send('POST', '/sso/acme/logout', { cookie: `rollcall_sso=${cookie}` });
      expect(logout.status, cookie).toBe(200);
      expect(logout.setCookie).toMatch(/^rollcall_sso=;/);
    }
  });

  it('still finds the session beside a malformed cookie of someone else', async () => {
    const acs = await signInIdpInitiated(server, 'acme', idp, person('ada@acme.test'));
    expect(acs.status).toBe(303);
    const session = await send('GET', '/sso/acme/session', {
      cookie: `other=%; rollcall_sso=${acs.cookie}; third=%E0%A4%A`,
    });
    expect(session.status).toBe(200);
    expect(JSON.parse(session.text)).toMatchObject({ email: 'ada@acme.test' });
  });
});

describe('values no row can hold', () => {
  it('answers a tenant with a NUL in it as an unknown tenant, on every route', async () => {
    expectPlainRefusal(await browserGet(url('/sso/%00/saml/metadata')), 404);
    expectPlainRefusal(await browserGet(url('/sso/ac%00me/saml/login')), 404);
    expectPlainRefusal(await browserPost(url('/sso/%00/saml/acs'), { SAMLResponse: 'PHgvPg==' }), 404);
    expect((await browserGet(url('/sso/%00/session'))).status).toBe(401);
  });

  it('answers a Test Connection id with a NUL in it as a test that is not pending', async () => {
    expectPlainRefusal(await browserGet(url('/sso/acme/saml/login?test=%00')), 404);
  });

  it('refuses a response whose InResponseTo holds a NUL as malformed, without looking it up', async () => {
    const xml =
      '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r" Version="2.0" ' +
      'IssueInstant="2020-01-01T00:00:00Z" InResponseTo="_a&#0;"/>';
    const acs = await browserPost(url('/sso/acme/saml/acs'), { SAMLResponse: toBase64(xml) });
    expectPlainRefusal(acs, 400);
  });
});

describe('repeated, missing and malformed fields', () => {
  it('takes the first of a repeated query parameter, and ignores a query string that does not decode', async () => {
    for (const query of [
      'RelayState=/a&RelayState=/b',
      'test=a&test=b&RelayState=/a',
      'RelayState=%',
      '%%%',
    ]) {
      const login = await browserGet(url(`/sso/acme/saml/login?${query}`));
      expect(login.status, query).toBeLessThan(500);
    }
    expect((await browserGet(url('/sso/acme/saml/login?RelayState=/a&RelayState=/b'))).status).toBe(302);
  });

  it('refuses an ACS post without a SAMLResponse, with one that is not base64 or not XML, or twice over', async () => {
    for (const body of [
      '',
      'RelayState=%2F',
      'SAMLResponse=',
      'SAMLResponse=%%%',
      'SAMLResponse=!!!not-base64!!!',
      `SAMLResponse=${encodeURIComponent(toBase64('\u0000\u0001'))}`,
      `SAMLResponse=${encodeURIComponent(toBase64('<x/>'))}&SAMLResponse=${encodeURIComponent(toBase64('<y/>'))}`,
    ]) {
      const acs = await send('POST', '/sso/acme/saml/acs', form, body);
      expectPlainRefusal(acs, 400);
      expect(acs.setCookie, body).toBeNull();
    }
  });

  it('refuses a body that is not a form, and an ACS post without a body', async () => {
    expectPlainRefusal(
      await send('POST', '/sso/acme/saml/acs', { 'content-type': 'application/json' }, '{}'),
      415,
    );
    expectPlainRefusal(await send('POST', '/sso/acme/saml/acs', { 'content-type': 'text/xml' }, '<x/>'), 415);
    expectPlainRefusal(
      await send('POST', '/sso/acme/logout', { 'content-type': 'application/json' }, '{}'),
      415,
    );
    expectPlainRefusal(await send('POST', '/sso/acme/saml/acs'), 400);
  });

  it('ends a session for a logout whose RelayState is repeated or does not decode, and goes to no other site', async () => {
    const repeated = await send('POST', '/sso/acme/logout?RelayState=/a&RelayState=https://evil.test/');
    expect([200, 303]).toContain(repeated.status);
    expect(repeated.location ?? '').not.toContain('evil.test');
    expect((await send('POST', '/sso/acme/logout', form, 'RelayState=%')).status).toBe(200);
  });

  it('answers a path it cannot decode with a plain 400 page (Fastify refuses it before any route)', async () => {
    for (const path of ['/sso/%/session', '/sso/%E0%A4%A/saml/login']) {
      const response = await browserGet(url(path));
      expectPlainRefusal(response, 400);
      expect(response.text).not.toContain('FST_ERR_BAD_URL');
    }
  });

  it('answers methods a route does not take with the plain 404 page', async () => {
    for (const [method, path] of [
      ['GET', '/sso/acme/saml/acs'],
      ['PUT', '/sso/acme/saml/acs'],
      ['DELETE', '/sso/acme/session'],
      ['GET', '/sso/acme/logout'],
      ['POST', '/sso/acme/saml/metadata'],
    ] as const)
      expectPlainRefusal(await send(method, path), 404);
  });
});

describe('a Host header that names no host (no public URL configured: the SP values are built from it)', () => {
  it('is refused with 400 on every SSO route, and a proper one still works', async () => {
    for (const host of ['%', 'a b', '[::1', 'x:99999', 'a/b', 'a@b', 'x%00', ''])
      for (const path of ['/sso/acme/saml/metadata', '/sso/acme/saml/login', '/sso/acme/session']) {
        const response = await getWithHost(server.url, path, host);
        expect(response.status, `${JSON.stringify(host)} ${path}`).toBe(400);
      }
    const good = await getWithHost(
      server.url,
      '/sso/acme/saml/metadata',
      `idp-facing.test:${new URL(server.url).port}`,
    );
    expect(good.status).toBe(200);
    expect(good.text).toContain('entityID="http://idp-facing.test:');
  });
});
