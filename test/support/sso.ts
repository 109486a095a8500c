import { expect } from 'vitest';
import { type ServiceProvider, serviceProviderFor } from '../../src/saml/connection.js';
import type { ResponseSpec, TestIdp } from '../../src/saml/testing/test-idp.js';
import type { TestServer } from './rollcall-server.js';

/** What a browser gets back from an SSO endpoint: no redirect followed, the cookie it would keep. */
export interface BrowserResponse {
  readonly status: number;
  readonly location: string | null;
  /** The `rollcall_sso` value of a Set-Cookie, if one was set ('' when cleared). */
  readonly cookie: string | undefined;
  readonly setCookie: string | null;
  readonly headers: Headers;
  readonly text: string;
}

async function read(response: Response): Promise<BrowserResponse> {
  const setCookie = response.headers.get('set-cookie');
  const cookie = setCookie ? /(?:^|,\s*)rollcall_sso=([^;]*)/.exec(setCookie)?.[1] : undefined;
  return {
    status: response.status,
    location: response.headers.get('location'),
    cookie,
    setCookie,
    headers: response.headers,
    text: await response.text(),
  };
}

/** A GET as a browser makes it, with an optional session cookie. */
export async function browserGet(url: string, cookie?: string): Promise<BrowserResponse> {
  return read(
    await fetch(url, { redirect: 'manual', headers: cookie ? { cookie: `rollcall_sso=${cookie}` } : {} }),
  );
}

/** A form POST as a browser sends it (the IdP's auto-submitting form to the ACS). */
export async function browserPost(
  url: string,
  fields: Record<string, string>,
  cookie?: string,
): Promise<BrowserResponse> {
  return read(
    await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(cookie && { cookie: `rollcall_sso=${cookie}` }),
      },
      body: new URLSearchParams(fields).toString(),
    }),
  );
}

/** The SP values of a tenant on a test server (its public URL is the loopback URL). */
export function spOf(server: TestServer, tenant: string): ServiceProvider {
  return serviceProviderFor(server.url, tenant);
}

/** Sets up a tenant's SAML connection through the admin API with the test IdP's metadata, switched on. */
export async function connect(
  server: TestServer,
  tenant: string,
  idp: TestIdp,
  body: Record<string, unknown> = {},
): Promise<void> {
  const response = await server.api('PUT', `/tenants/${tenant}/saml`, {
    enabled: true,
    metadataXml: idp.metadata(),
    ...body,
  });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
}

/** The SP metadata the IdP is given (Entra's "Upload metadata file"). */
export async function spMetadata(server: TestServer, tenant: string): Promise<string> {
  const response = await browserGet(`${server.url}/sso/${tenant}/saml/metadata`);
  expect(response.status).toBe(200);
  return response.text;
}

/**
 * SP-initiated sign-in end to end: `/saml/login` redirects to the IdP, the IdP reads the
 * AuthnRequest and answers it with a signed response, which the browser posts to the ACS.
 */
export async function signInSpInitiated(
  server: TestServer,
  tenant: string,
  idp: TestIdp,
  spec: ResponseSpec = {},
  options: { relayState?: string; loginQuery?: string } = {},
): Promise<BrowserResponse & { requestId: string }> {
  const query = new URLSearchParams({
    ...(options.relayState !== undefined && { RelayState: options.relayState }),
  }).toString();
  const login = await browserGet(
    `${server.url}/sso/${tenant}/saml/login${options.loginQuery ?? (query ? `?${query}` : '')}`,
  );
  expect(login.status, login.text).toBe(302);
  const request = await idp.receive(login.location!, await spMetadata(server, tenant));
  const samlResponse = await idp.respond(spOf(server, tenant), { ...spec, inResponseTo: request.id });
  const acs = await browserPost(`${server.url}/sso/${tenant}/saml/acs`, {
    SAMLResponse: samlResponse,
    ...(request.relayState !== undefined && { RelayState: request.relayState }),
  });
  return { ...acs, requestId: request.id };
}

/** Posts an IdP-initiated (unsolicited) response, as Entra's My Apps does. */
export async function signInIdpInitiated(
  server: TestServer,
  tenant: string,
  idp: TestIdp,
  spec: ResponseSpec = {},
  relayState?: string,
): Promise<BrowserResponse> {
  const samlResponse = await idp.respond(spOf(server, tenant), spec);
  return browserPost(`${server.url}/sso/${tenant}/saml/acs`, {
    SAMLResponse: samlResponse,
    ...(relayState !== undefined && { RelayState: relayState }),
  });
}

/** An Entra-shaped response for a person: NameID and the `email` claim of seed 001. */
export function person(email: string, extra: Record<string, string> = {}): ResponseSpec {
  return { nameId: email, attributes: { email, ...extra } };
}
