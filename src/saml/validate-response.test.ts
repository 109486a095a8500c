import { beforeAll, describe, expect, it } from 'vitest';
import { createAuthnRequest } from './authn-request.js';
import {
  createConnection,
  type SamlConnection,
  type SamlConnectionInput,
  type ServiceProvider,
  serviceProviderFor,
} from './connection.js';
import { SamlError } from './errors.js';
import { connectionFromMetadata, parseIdpMetadata } from './idp-metadata.js';
import { safeRelayState } from './relay-state.js';
import { generateSpMetadata } from './sp-metadata.js';
import { MemoryClaims } from './testing/memory-claims.js';
import { type ResponseSpec, type Signing, TestIdp, toBase64 } from './testing/test-idp.js';
import { type ValidateResponseOptions, validateSamlResponse } from './validate-response.js';
import { NAME_ID_FORMAT } from './xml.js';

/**
 * The sign-ins that must work, with samlify as the IdP (shaped like Entra: entity ID
 * https://sts.windows.net/{tenant}/, assertion signed, the `email` claim of seed 001).
 * The attacks are in response-attacks.test.ts.
 */
const ENTRA_EMAIL = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress';
const ENTRA_GIVEN_NAME = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname';
const ENTRA_SURNAME = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname';
const ENTRA_DISPLAY_NAME = 'http://schemas.microsoft.com/identity/claims/displayname';
/** Entra's `name` claim is the UPN, which is not necessarily a mailbox. */
const ENTRA_UPN = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name';

let idp: TestIdp;
const sp: ServiceProvider = serviceProviderFor('https://rollcall.example', 'acme');

beforeAll(async () => {
  idp = await TestIdp.create();
});

function connectionWith(options: Partial<SamlConnectionInput> = {}): SamlConnection {
  return createConnection({
    idpEntityId: idp.entityId,
    ssoUrl: idp.ssoUrl,
    certificates: [idp.key.cert],
    ...options,
  });
}

/** An IdP-initiated response validated against a connection that allows it. */
async function idpInitiated(spec: ResponseSpec, options: Partial<SamlConnectionInput> = {}) {
  const claims = new MemoryClaims();
  const response = await idp.respond(sp, spec);
  return validateSamlResponse(response, {
    sp,
    connection: connectionWith({ allowIdpInitiated: true, ...options }),
    claimRequestId: claims.claimRequestId,
    claimAssertionId: claims.claimAssertionId,
  });
}

describe('SP-initiated sign-in', () => {
  it('round-trips: AuthnRequest read by the IdP, its answer validated, RelayState kept (seed 001)', async () => {
    const connection = connectionFromMetadata(parseIdpMetadata(idp.metadata()));
    const claims = new MemoryClaims();
    const request = await createAuthnRequest(sp, connection, { relayState: '/reports?range=30d' });
    claims.issue(request.requestId);

    const received = await idp.receive(request.url, generateSpMetadata(sp, { wantAssertionsSigned: false }));
    expect(received).toMatchObject({ id: request.requestId, issuer: sp.entityId, acsUrl: sp.acsUrl });

    const response = await idp.respond(sp, {
      inResponseTo: received.id,
      nameId: 'ada@acme.test',
      attributes: {
        email: 'ada@acme.test',
        [ENTRA_GIVEN_NAME]: 'Ada',
        [ENTRA_SURNAME]: 'Lovelace',
        [ENTRA_DISPLAY_NAME]: 'Ada Lovelace',
        'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups': ['g1', 'g2'],
      },
    });
    const options: ValidateResponseOptions = {
      sp,
      connection,
      claimRequestId: claims.claimRequestId,
      claimAssertionId: claims.claimAssertionId,
    };
    const signIn = await validateSamlResponse(response, options);
    expect(signIn).toMatchObject({
      issuer: idp.entityId,
      nameId: 'ada@acme.test',
      nameIdFormat: NAME_ID_FORMAT.email,
      email: 'ada@acme.test',
      emailSource: 'email',
      givenName: 'Ada',
      familyName: 'Lovelace',
      displayName: 'Ada Lovelace',
      inResponseTo: request.requestId,
    });
    expect(signIn.attributes['http://schemas.microsoft.com/ws/2008/06/identity/claims/groups']).toEqual([
      'g1',
      'g2',
    ]);
    expect(signIn.sessionIndex).toMatch(/^_/);
    expect(Date.parse(signIn.expiresAt)).toBeGreaterThan(Date.now());
    expect(safeRelayState(received.relayState)).toBe('/reports?range=30d');
  });

  it('accepts an answer to a request even where IdP-initiated sign-in is off', async () => {
    const claims = new MemoryClaims();
    claims.issue('_request-1');
    const response = await idp.respond(sp, {
      inResponseTo: '_request-1',
      attributes: { email: 'ada@acme.test' },
    });
    const signIn = await validateSamlResponse(response, {
      sp,
      connection: connectionWith({ allowIdpInitiated: false }),
      claimRequestId: claims.claimRequestId,
      claimAssertionId: claims.claimAssertionId,
    });
    expect(signIn.inResponseTo).toBe('_request-1');
  });
});

describe('IdP-initiated sign-in', () => {
  it('is accepted when the connection allows it, and says it answers no request', async () => {
    const signIn = await idpInitiated({ attributes: { email: 'ada@acme.test' } });
    expect(signIn.email).toBe('ada@acme.test');
    expect(signIn.inResponseTo).toBeUndefined();
  });
});

describe('the "Request signed …" options (seed 001 leaves both off)', () => {
  const cases: [options: Partial<SamlConnectionInput>, accepted: Signing[]][] = [
    [{}, ['assertion', 'response', 'both']],
    [{ wantAssertionsSigned: true }, ['assertion', 'both']],
    [{ wantResponseSigned: true }, ['response', 'both']],
    [{ wantAssertionsSigned: true, wantResponseSigned: true }, ['both']],
  ];
  it.each(cases)('with %j, accepts a response signed: %j', async (options, accepted) => {
    for (const sign of accepted) {
      const signIn = await idpInitiated({ sign, attributes: { email: 'ada@acme.test' } }, options);
      expect(signIn.email).toBe('ada@acme.test');
    }
  });
});

describe('certificate rollover', () => {
  it('accepts signatures from each of the connection’s certificates', async () => {
    const next = await TestIdp.create({ entityId: idp.entityId });
    const connection = connectionWith({
      certificates: [idp.key.cert, next.key.cert],
      allowIdpInitiated: true,
    });
    for (const signer of [idp, next]) {
      const claims = new MemoryClaims();
      const signIn = await validateSamlResponse(
        await signer.respond(sp, { attributes: { email: 'ada@acme.test' } }),
        {
          sp,
          connection,
          claimRequestId: claims.claimRequestId,
          claimAssertionId: claims.claimAssertionId,
        },
      );
      expect(signIn.email).toBe('ada@acme.test');
    }
  });
});

describe('email', () => {
  it('comes from the configured attribute first', async () => {
    const signIn = await idpInitiated(
      { attributes: { email: 'other@acme.test', workEmail: 'ada@acme.test' } },
      { emailAttribute: 'workEmail' },
    );
    expect(signIn).toMatchObject({ email: 'ada@acme.test', emailSource: 'workEmail' });
  });

  it("falls back to Entra's emailaddress claim, then the NameID", async () => {
    expect(
      await idpInitiated({ nameId: 'ada.upn@acme.test', attributes: { [ENTRA_EMAIL]: 'ada@acme.test' } }),
    ).toMatchObject({ email: 'ada@acme.test', emailSource: ENTRA_EMAIL });
    expect(
      await idpInitiated({ nameId: 'ada@acme.test', attributes: { [ENTRA_UPN]: 'ada.upn@acme.test' } }),
    ).toMatchObject({
      email: 'ada@acme.test',
      emailSource: 'NameID',
    });
  });

  it('matches the attribute name regardless of case, as admins type it', async () => {
    expect(await idpInitiated({ attributes: { Email: 'ada@acme.test' } })).toMatchObject({
      email: 'ada@acme.test',
    });
  });

  it('is missing when only an opaque NameID is sent, and the reason lists what the IdP sent', async () => {
    const error = await idpInitiated({
      nameId: 'ada@acme.test',
      nameIdFormat: NAME_ID_FORMAT.persistent,
      attributes: { [ENTRA_UPN]: 'ada.upn' },
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SamlError);
    expect(error).toMatchObject({ code: 'EMAIL_MISSING', status: 403 });
    expect((error as SamlError).reason).toContain(ENTRA_UPN);
    expect((error as SamlError).reason).toContain("claim named 'email'");
    expect((error as SamlError).userMessage).not.toContain('ada');
  });

  it('reads text split by a comment whole: the signature does not cover comments (CVE-2017-11427)', async () => {
    const xml = await idp.respondXml(sp, { nameId: 'ada@acme.test.evil.example' });
    const injected = xml.replace(
      'ada@acme.test.evil.example</NameID>',
      'ada@acme.test<!---->.evil.example</NameID>',
    );
    expect(injected).not.toBe(xml);
    const claims = new MemoryClaims();
    const signIn = await validateSamlResponse(toBase64(injected), {
      sp,
      connection: connectionWith({ allowIdpInitiated: true }),
      claimRequestId: claims.claimRequestId,
      claimAssertionId: claims.claimAssertionId,
    });
    expect(signIn.nameId).toBe('ada@acme.test.evil.example');
    expect(signIn.email).toBe('ada@acme.test.evil.example');
  });
});

describe('name parts', () => {
  it('come from configured attributes before the standard claims', async () => {
    const signIn = await idpInitiated(
      {
        attributes: { email: 'ada@acme.test', first: 'Augusta', [ENTRA_GIVEN_NAME]: 'Ada', lastName: 'King' },
      },
      { nameAttributes: { givenName: 'first' } },
    );
    expect(signIn).toMatchObject({ givenName: 'Augusta', familyName: 'King' });
    expect(signIn.displayName).toBeUndefined();
  });
});

describe('clock skew', () => {
  it('tolerates an IdP clock up to the skew ahead or behind', async () => {
    const now = Date.now();
    await expect(
      idpInitiated({ attributes: { email: 'ada@acme.test' }, notBefore: new Date(now + 60_000) }),
    ).resolves.toMatchObject({ email: 'ada@acme.test' });
    await expect(
      idpInitiated({ attributes: { email: 'ada@acme.test' }, notOnOrAfter: new Date(now - 60_000) }),
    ).resolves.toMatchObject({ email: 'ada@acme.test' });
  });
});
