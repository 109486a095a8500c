import { inflateRawSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAuthnRequest, REQUEST_ID_LIFETIME_MS } from './authn-request.js';
import { createConnection, type SamlConnection, serviceProviderFor } from './connection.js';
import { generateSpMetadata } from './sp-metadata.js';
import { TestIdp } from './testing/test-idp.js';
import { attributeOf, BINDING, descendants, firstChild, NS, parseXml, textOf } from './xml.js';

const sp = serviceProviderFor('https://rollcall.example', 'acme');
let idp: TestIdp;
let connection: SamlConnection;

beforeAll(async () => {
  idp = await TestIdp.create();
  connection = createConnection({
    idpEntityId: idp.entityId,
    ssoUrl: idp.ssoUrl,
    certificates: [idp.key.cert],
  });
});

/** What the IdP sees: the HTTP-Redirect binding's deflated, base64 SAMLRequest. */
function decode(url: string): Element {
  const encoded = new URL(url).searchParams.get('SAMLRequest')!;
  const xml = inflateRawSync(Buffer.from(encoded, 'base64')).toString('utf8');
  return parseXml(xml, 'RESPONSE_MALFORMED', 'AuthnRequest').documentElement!;
}

describe('createAuthnRequest (HTTP-Redirect)', () => {
  it('sends the browser to the IdP with a request naming us, our ACS and the ID to remember', async () => {
    const now = new Date('2026-03-01T12:00:00Z');
    const request = await createAuthnRequest(sp, connection, { now });
    expect(request.url.startsWith(`${idp.ssoUrl}?SAMLRequest=`)).toBe(true);
    expect(request.issuedAt).toBe('2026-03-01T12:00:00.000Z');
    expect(Date.parse(request.expiresAt) - now.getTime()).toBe(REQUEST_ID_LIFETIME_MS);
    expect(request.requestId).toMatch(/^_[0-9a-f]{40}$/);

    const authnRequest = decode(request.url);
    expect(authnRequest.localName).toBe('AuthnRequest');
    expect(attributeOf(authnRequest, 'ID')).toBe(request.requestId);
    expect(attributeOf(authnRequest, 'Destination')).toBe(idp.ssoUrl);
    expect(attributeOf(authnRequest, 'AssertionConsumerServiceURL')).toBe(sp.acsUrl);
    expect(attributeOf(authnRequest, 'ProtocolBinding')).toBe(BINDING.post);
    expect(attributeOf(authnRequest, 'ForceAuthn')).toBeUndefined();
    expect(textOf(firstChild(authnRequest, NS.assertion, 'Issuer'))).toBe(sp.entityId);
  });

  it("asks for no AuthnContext (Entra's AADSTS75011 for passkey/MFA sign-ins) and no NameID format", async () => {
    const authnRequest = decode((await createAuthnRequest(sp, connection)).url);
    expect(descendants(authnRequest, NS.protocol, 'RequestedAuthnContext')).toEqual([]);
    const policy = firstChild(authnRequest, NS.protocol, 'NameIDPolicy')!;
    expect(attributeOf(policy, 'Format')).toBeUndefined();
    expect(attributeOf(policy, 'AllowCreate')).toBe('true');
  });

  it('asks the IdP to authenticate again for a Test Connection', async () => {
    const authnRequest = decode((await createAuthnRequest(sp, connection, { forceAuthn: true })).url);
    expect(attributeOf(authnRequest, 'ForceAuthn')).toBe('true');
  });

  it('issues a fresh ID every time', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20; i += 1) ids.add((await createAuthnRequest(sp, connection)).requestId);
    expect(ids.size).toBe(20);
  });

  it('carries a safe RelayState and drops an unsafe one', async () => {
    const safe = await createAuthnRequest(sp, connection, { relayState: '/reports?range=30d' });
    expect(safe.relayState).toBe('/reports?range=30d');
    expect(new URL(safe.url).searchParams.get('RelayState')).toBe('/reports?range=30d');
    const absolute = await createAuthnRequest(sp, connection, {
      relayState: 'https://rollcall.example/app',
      origin: 'https://rollcall.example',
    });
    expect(absolute.relayState).toBe('/app');
    for (const relayState of ['https://evil.example/', '//evil.example', '/\\evil.example']) {
      const request = await createAuthnRequest(sp, connection, { relayState });
      expect(request.relayState).toBeUndefined();
      expect(new URL(request.url).searchParams.has('RelayState')).toBe(false);
    }
  });

  it('keeps a query string the IdP SSO URL already has', async () => {
    const withQuery = createConnection({
      idpEntityId: idp.entityId,
      ssoUrl: 'https://idp.example/sso/saml?app=rollcall',
      certificates: [idp.key.cert],
    });
    const url = new URL((await createAuthnRequest(sp, withQuery)).url);
    expect(url.searchParams.get('app')).toBe('rollcall');
    expect(url.searchParams.has('SAMLRequest')).toBe(true);
  });

  it('is read by a real IdP (samlify) with our SP metadata', async () => {
    const request = await createAuthnRequest(sp, connection, { relayState: '/home' });
    const received = await idp.receive(request.url, generateSpMetadata(sp, { wantAssertionsSigned: false }));
    expect(received).toEqual({
      id: request.requestId,
      issuer: sp.entityId,
      acsUrl: sp.acsUrl,
      relayState: '/home',
    });
  });
});
