import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createConnection,
  type SamlConnectionInput,
  type ServiceProvider,
  serviceProviderFor,
} from './connection.js';
import { SamlError, type SamlErrorCode } from './errors.js';
import { MemoryClaims } from './testing/memory-claims.js';
import {
  createKeyPair,
  type ResponseSpec,
  RSA_SHA1,
  type Signing,
  signResponse,
  TestIdp,
  toBase64,
} from './testing/test-idp.js';
import {
  MAX_RESPONSE_BYTES,
  type ValidateResponseOptions,
  validateSamlResponse,
} from './validate-response.js';
import { NS } from './xml.js';

/**
 * Every security point of issue 6 sends its attack here and sees it refused with its own code.
 * The responses come from a real IdP library (samlify) with generated keys; attacks that no honest
 * IdP would produce are made by editing or re-signing what it sent, as an attacker would.
 */
let idp: TestIdp;
const sp: ServiceProvider = serviceProviderFor('https://rollcall.example', 'acme');
const EVE = { nameId: 'eve@acme.test', attributes: { email: 'eve@acme.test' } } satisfies ResponseSpec;

beforeAll(async () => {
  idp = await TestIdp.create();
});

interface Attempt {
  connection?: Partial<SamlConnectionInput>;
  claims?: MemoryClaims;
  options?: Partial<ValidateResponseOptions>;
}

/** Validates as the ACS would; IdP-initiated allowed unless the attempt says otherwise. */
function validate(samlResponse: string, attempt: Attempt = {}) {
  const claims = attempt.claims ?? new MemoryClaims();
  return validateSamlResponse(samlResponse, {
    sp,
    connection: createConnection({
      idpEntityId: idp.entityId,
      ssoUrl: idp.ssoUrl,
      certificates: [idp.key.cert],
      allowIdpInitiated: true,
      ...attempt.connection,
    }),
    claimRequestId: claims.claimRequestId,
    claimAssertionId: claims.claimAssertionId,
    ...attempt.options,
  });
}

async function refusal(promise: Promise<unknown>): Promise<SamlError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a refusal, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(SamlError);
  return outcome.error as SamlError;
}

async function expectRefused(promise: Promise<unknown>, code: SamlErrorCode): Promise<SamlError> {
  const error = await refusal(promise);
  expect({ code: error.code, reason: error.reason }).toMatchObject({ code });
  return error;
}

function parse(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'text/xml');
}
function serialize(document: Document): string {
  return new XMLSerializer().serializeToString(document);
}

describe('XML signature wrapping: the signature must cover the assertion actually used', () => {
  it('refuses a forged assertion placed where the signed one was, the signed one moved to Extensions', async () => {
    const document = parse(await idp.respondXml(sp, EVE));
    const response = document.documentElement!;
    const signed = document.getElementsByTagNameNS(NS.assertion, 'Assertion')[0]!;
    const forged = signed.cloneNode(true) as Element;
    forged.removeChild(forged.getElementsByTagNameNS(NS.dsig, 'Signature')[0]!);
    forged.setAttribute('ID', '_forged');
    forged.getElementsByTagNameNS(NS.assertion, 'NameID')[0]!.textContent = 'ada@acme.test';
    forged.getElementsByTagNameNS(NS.assertion, 'AttributeValue')[0]!.textContent = 'ada@acme.test';
    const extensions = document.createElementNS(NS.protocol, 'samlp:Extensions');
    response.replaceChild(forged, signed);
    extensions.appendChild(signed);
    response.insertBefore(extensions, response.getElementsByTagNameNS(NS.protocol, 'Status')[0]!);

    await expectRefused(validate(toBase64(serialize(document))), 'SIGNATURE_WRAPPING');
  });

  it('refuses the signed assertion hidden inside the forged one (same ID, XSW in Advice)', async () => {
    const document = parse(await idp.respondXml(sp, EVE));
    const response = document.documentElement!;
    const signed = document.getElementsByTagNameNS(NS.assertion, 'Assertion')[0]!;
    const forged = signed.cloneNode(true) as Element;
    forged.removeChild(forged.getElementsByTagNameNS(NS.dsig, 'Signature')[0]!);
    forged.getElementsByTagNameNS(NS.assertion, 'NameID')[0]!.textContent = 'ada@acme.test';
    const advice = document.createElementNS(NS.assertion, 'Advice');
    response.replaceChild(forged, signed);
    advice.appendChild(signed);
    forged.appendChild(advice);

    await expectRefused(validate(toBase64(serialize(document))), 'SIGNATURE_WRAPPING');
  });

  it('refuses a signed response moved inside a forged, unsigned one', async () => {
    const original = parse(await idp.respondXml(sp, { ...EVE, sign: 'response' })).documentElement!;
    const forged = parse(await idp.respondXml(sp, { nameId: 'ada@acme.test', sign: 'none' }));
    const root = forged.documentElement!;
    const extensions = forged.createElementNS(NS.protocol, 'samlp:Extensions');
    extensions.appendChild(forged.importNode(original, true));
    root.insertBefore(extensions, root.getElementsByTagNameNS(NS.protocol, 'Status')[0]!);

    await expectRefused(validate(toBase64(serialize(forged))), 'SIGNATURE_WRAPPING');
  });

  it('refuses an ID used twice, the way a reference is pointed at a decoy', async () => {
    const xml = await idp.respondXml(sp, EVE);
    const assertionId = /<Assertion ID="([^"]+)"/.exec(xml)![1]!;
    const decoy = xml.replace(
      '<samlp:Status>',
      `<samlp:Extensions><x:Decoy xmlns:x="urn:x" ID="${assertionId}"/></samlp:Extensions><samlp:Status>`,
    );
    await expectRefused(validate(toBase64(decoy)), 'SIGNATURE_WRAPPING');
  });

  it('refuses an assertion changed after signing (the signature no longer verifies)', async () => {
    const xml = await idp.respondXml(sp, EVE);
    const tampered = xml.replace(/eve@acme\.test/g, 'ada@acme.test');
    const error = await expectRefused(validate(toBase64(tampered)), 'SIGNATURE_INVALID');
    expect(error.reason).toContain('changed after signing');
  });

  it('refuses a signed response whose assertion was changed', async () => {
    const xml = await idp.respondXml(sp, { ...EVE, sign: 'response' });
    await expectRefused(
      validate(toBase64(xml.replace(/eve@acme\.test/g, 'ada@acme.test'))),
      'SIGNATURE_INVALID',
    );
  });

  it('refuses an invalid response signature even when the assertion signature is valid', async () => {
    const stranger = await createKeyPair({ commonName: 'Not the IdP' });
    const xml = await idp.respondXml(sp, EVE);
    const resigned = signResponse(xml, stranger);
    await expectRefused(validate(toBase64(resigned)), 'SIGNATURE_INVALID');
  });
});

describe('signatures', () => {
  it('refuses a signature from a certificate the connection does not have, naming both fingerprints', async () => {
    const impostor = await TestIdp.create({ entityId: idp.entityId });
    const error = await expectRefused(validate(await impostor.respond(sp, EVE)), 'SIGNATURE_INVALID');
    expect(error.reason).toContain('refresh the metadata or add the new certificate');
    const trusted = createConnection({
      idpEntityId: 'x',
      ssoUrl: 'https://x.example',
      certificates: [idp.key.cert],
    });
    const sent = createConnection({
      idpEntityId: 'x',
      ssoUrl: 'https://x.example',
      certificates: [impostor.key.cert],
    });
    expect(error.reason).toContain(trusted.certificates[0]!.fingerprint);
    expect(error.reason).toContain(sent.certificates[0]!.fingerprint);
    expect(error.userMessage).not.toContain(':');
  });

  it('rollover: refuses the new certificate until it is added to the connection', async () => {
    const next = await TestIdp.create({ entityId: idp.entityId });
    await expectRefused(validate(await next.respond(sp, EVE)), 'SIGNATURE_INVALID');
    await expect(
      validate(await next.respond(sp, EVE), { connection: { certificates: [idp.key.cert, next.key.cert] } }),
    ).resolves.toMatchObject({ email: 'eve@acme.test' });
  });

  it('refuses SHA-1 signatures', async () => {
    const sha1 = await TestIdp.create({ entityId: idp.entityId, key: idp.key, signatureAlgorithm: RSA_SHA1 });
    const xml = await sha1.respondXml(sp, EVE);
    expect(xml).toContain('xmldsig#rsa-sha1');
    const error = await expectRefused(validate(toBase64(xml)), 'WEAK_ALGORITHM');
    expect(error.reason).toContain('SHA-256');
  });

  it.each([
    [{}],
    [{ wantAssertionsSigned: true }],
    [{ wantResponseSigned: true }],
    [{ wantAssertionsSigned: true, wantResponseSigned: true }],
  ])('refuses an unsigned response with an unsigned assertion, whatever the options: %j', async (options) => {
    const unsigned = await idp.respond(sp, { ...EVE, sign: 'none' });
    await expectRefused(validate(unsigned, { connection: options }), 'SIGNATURE_MISSING');
  });

  it('"Request signed Assertions" on: refuses a response whose only signature is on the response', async () => {
    const response = await idp.respond(sp, { ...EVE, sign: 'response' });
    await expectRefused(
      validate(response, { connection: { wantAssertionsSigned: true } }),
      'ASSERTION_SIGNATURE_REQUIRED',
    );
  });

  it('"Request signed Authentication Response" on: refuses a response whose only signature is on the assertion', async () => {
    const response = await idp.respond(sp, { ...EVE, sign: 'assertion' });
    await expectRefused(
      validate(response, { connection: { wantResponseSigned: true } }),
      'RESPONSE_SIGNATURE_REQUIRED',
    );
  });
});

describe('who the response is from and for', () => {
  it('refuses another issuer, even one signing with a trusted certificate', async () => {
    const other = await TestIdp.create({ entityId: 'https://sts.windows.net/another-tenant/', key: idp.key });
    const error = await expectRefused(validate(await other.respond(sp, EVE)), 'ISSUER_MISMATCH');
    expect(error.reason).toContain('https://sts.windows.net/another-tenant/');
  });

  it('refuses an assertion for another audience (another tenant’s SP entity ID)', async () => {
    const other = serviceProviderFor('https://rollcall.example', 'globex');
    await expectRefused(
      validate(await idp.respond(sp, { ...EVE, audience: other.entityId })),
      'AUDIENCE_MISMATCH',
    );
  });

  it('refuses a subject confirmation for another Recipient', async () => {
    const other = serviceProviderFor('https://rollcall.example', 'globex');
    const error = await expectRefused(
      validate(await idp.respond(sp, { ...EVE, recipient: other.acsUrl })),
      'RECIPIENT_MISMATCH',
    );
    expect(error.reason).toContain(other.acsUrl);
  });

  it('refuses a response for another Destination', async () => {
    const other = serviceProviderFor('https://rollcall.example', 'globex');
    for (const sign of ['assertion', 'response'] satisfies Signing[]) {
      await expectRefused(
        validate(await idp.respond(sp, { ...EVE, sign, destination: other.acsUrl })),
        'DESTINATION_MISMATCH',
      );
    }
  });

  it('refuses a signed response without a Destination (SAML Bindings §3.5.5.2)', async () => {
    await expectRefused(
      validate(await idp.respond(sp, { ...EVE, sign: 'response', destination: null })),
      'DESTINATION_MISMATCH',
    );
  });
});

describe('time', () => {
  it('refuses an expired assertion', async () => {
    const past = new Date(Date.now() - 10 * 60_000);
    await expectRefused(validate(await idp.respond(sp, { ...EVE, notOnOrAfter: past })), 'EXPIRED');
  });

  it('refuses an expired subject confirmation inside valid conditions', async () => {
    const past = new Date(Date.now() - 10 * 60_000);
    await expectRefused(validate(await idp.respond(sp, { ...EVE, subjectNotOnOrAfter: past })), 'EXPIRED');
  });

  it('refuses an assertion not valid yet', async () => {
    const later = new Date(Date.now() + 10 * 60_000);
    const error = await expectRefused(
      validate(await idp.respond(sp, { ...EVE, notBefore: later })),
      'NOT_YET_VALID',
    );
    expect(error.reason).toContain('skew');
  });

  it('allows a smaller skew when asked', async () => {
    const soon = new Date(Date.now() + 60_000);
    await expectRefused(
      validate(await idp.respond(sp, { ...EVE, notBefore: soon }), { options: { clockSkewMs: 10_000 } }),
      'NOT_YET_VALID',
    );
  });
});

describe('InResponseTo and replay', () => {
  it('refuses an answer to a request this tenant did not issue', async () => {
    const claims = new MemoryClaims();
    claims.issue('_ours');
    const response = await idp.respond(sp, { ...EVE, inResponseTo: '_theirs' });
    await expectRefused(validate(response, { claims }), 'IN_RESPONSE_TO_UNKNOWN');
  });

  it('refuses a second answer to the same request', async () => {
    const claims = new MemoryClaims();
    claims.issue('_ours');
    await validate(await idp.respond(sp, { ...EVE, inResponseTo: '_ours' }), { claims });
    await expectRefused(
      validate(await idp.respond(sp, { ...EVE, inResponseTo: '_ours' }), { claims }),
      'IN_RESPONSE_TO_UNKNOWN',
    );
  });

  it('refuses a Response InResponseTo that disagrees with the signed assertion’s', async () => {
    const claims = new MemoryClaims();
    claims.issue('_ours');
    claims.issue('_other');
    const xml = await idp.respondXml(sp, { ...EVE, inResponseTo: '_ours' });
    const edited = xml.replace(/(<samlp:Response[^>]*InResponseTo=")_ours"/, '$1_other"');
    expect(edited).not.toBe(xml);
    await expectRefused(validate(toBase64(edited), { claims }), 'IN_RESPONSE_TO_UNKNOWN');
  });

  it("does not let an unsigned Response's InResponseTo make an unsolicited assertion solicited", async () => {
    const claims = new MemoryClaims();
    claims.issue('_started-by-the-attacker');
    const xml = await idp.respondXml(sp, { ...EVE, sign: 'assertion' });
    const edited = xml.replace(
      '<samlp:Response ',
      '<samlp:Response InResponseTo="_started-by-the-attacker" ',
    );
    await expectRefused(
      validate(toBase64(edited), { claims, connection: { allowIdpInitiated: false } }),
      'UNSOLICITED_RESPONSE',
    );
  });

  it('takes InResponseTo from a signed Response when the assertion does not repeat it', async () => {
    const claims = new MemoryClaims();
    claims.issue('_ours');
    const xml = await idp.respondXml(sp, { ...EVE, sign: 'none', inResponseTo: '_ours' });
    const withoutSubjectValue = xml.replace(/(<SubjectConfirmationData) InResponseTo="_ours"/, '$1');
    expect(withoutSubjectValue).not.toBe(xml);
    const signed = signResponse(withoutSubjectValue, idp.key);
    await expect(
      validate(toBase64(signed), { claims, connection: { allowIdpInitiated: false } }),
    ).resolves.toMatchObject({ inResponseTo: '_ours' });
  });

  it('refuses an unsolicited response where IdP-initiated sign-in is off', async () => {
    await expectRefused(
      validate(await idp.respond(sp, EVE), { connection: { allowIdpInitiated: false } }),
      'UNSOLICITED_RESPONSE',
    );
  });

  it('refuses the same assertion twice (replay)', async () => {
    const claims = new MemoryClaims();
    const response = await idp.respond(sp, EVE);
    await expect(validate(response, { claims })).resolves.toMatchObject({ email: 'eve@acme.test' });
    await expectRefused(validate(response, { claims }), 'ASSERTION_REPLAYED');
  });

  it('hands the replay store the assertion ID, the issuer and how long to remember it', async () => {
    const seen: { id: string; issuer: string; expiresAt: string }[] = [];
    const notOnOrAfter = new Date(Date.now() + 30 * 60_000);
    const response = await idp.respond(sp, { ...EVE, assertionId: '_a1', notOnOrAfter });
    await validate(response, {
      options: {
        claimAssertionId: async (assertion) => {
          seen.push(assertion);
          return true;
        },
      },
    });
    expect(seen).toEqual([
      {
        id: '_a1',
        issuer: idp.entityId,
        expiresAt: new Date(notOnOrAfter.getTime() + 3 * 60_000).toISOString(),
      },
    ]);
  });

  it('uses up neither the request nor the assertion ID when the response is refused', async () => {
    const claims = new MemoryClaims();
    claims.issue('_ours');
    const expired = await idp.respond(sp, {
      ...EVE,
      inResponseTo: '_ours',
      assertionId: '_a2',
      notOnOrAfter: new Date(Date.now() - 3_600_000),
    });
    await expectRefused(validate(expired, { claims }), 'EXPIRED');
    expect(await claims.claimRequestId('_ours')).toBe(true);
    expect(await claims.claimAssertionId({ id: '_a2' })).toBe(true);
  });
});

describe('the XML itself', () => {
  it('refuses a DTD with an internal entity', async () => {
    const xml = await idp.respondXml(sp, EVE);
    const withEntity = `<!DOCTYPE samlp:Response [<!ENTITY who "ada@acme.test">]>${xml.replace('eve@acme.test</NameID>', '&who;</NameID>')}`;
    await expectRefused(validate(toBase64(withEntity)), 'XML_UNSAFE');
  });

  it('refuses an external entity (XXE) and entity expansion ("billion laughs")', async () => {
    const xml = await idp.respondXml(sp, EVE);
    const xxe = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${xml.replace('eve@acme.test</NameID>', '&xxe;</NameID>')}`;
    await expectRefused(validate(toBase64(xxe)), 'XML_UNSAFE');
    const laughs = `<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>${xml}`;
    await expectRefused(validate(toBase64(laughs)), 'XML_UNSAFE');
  });

  it('refuses an oversized response before decoding it', async () => {
    const huge = 'A'.repeat(Math.ceil((MAX_RESPONSE_BYTES * 4) / 3) * 2);
    const error = await expectRefused(validate(huge), 'RESPONSE_TOO_LARGE');
    expect(error.reason).toBe(`the SAMLResponse is larger than ${MAX_RESPONSE_BYTES} bytes`);
    const padded = (await idp.respondXml(sp, EVE)).replace(
      '</samlp:Response>',
      `${' '.repeat(MAX_RESPONSE_BYTES)}</samlp:Response>`,
    );
    await expectRefused(validate(toBase64(padded)), 'RESPONSE_TOO_LARGE');
  });

  it('refuses a response a few bytes over the limit, counted after decoding', async () => {
    const xml = await idp.respondXml(sp, EVE);
    const size = Buffer.byteLength(xml);
    const error = await expectRefused(
      validate(toBase64(xml), { options: { maxResponseBytes: size - 1 } }),
      'RESPONSE_TOO_LARGE',
    );
    expect(error.reason).toBe(`the SAMLResponse is ${size} bytes; the limit is ${size - 1}`);
    await expect(validate(toBase64(xml), { options: { maxResponseBytes: size } })).resolves.toBeDefined();
  });

  it.each([
    ['not base64', '%%% not base64 %%%'],
    ['not XML', toBase64('this is not xml')],
    ['not a Response', toBase64('<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>')],
    [
      'a Response without an assertion',
      toBase64(
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:Response>',
      ),
    ],
  ])('refuses %s as malformed', async (_, samlResponse) => {
    await expectRefused(validate(samlResponse), 'RESPONSE_MALFORMED');
  });

  it('refuses an assertion without Conditions (no audience to check)', async () => {
    const xml = await idp.respondXml(sp, EVE);
    const stripped = xml.replace(/<Conditions[\s\S]*<\/Conditions>/, '');
    expect(stripped).not.toBe(xml);
    await expectRefused(validate(toBase64(stripped)), 'RESPONSE_MALFORMED');
  });

  it('refuses an encrypted assertion with a reason that says what to change in the IdP', async () => {
    const xml = await idp.respondXml(sp, { ...EVE, sign: 'response' });
    const encrypted = xml.replace(
      /<Assertion [\s\S]*<\/Assertion>/,
      '<EncryptedAssertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion"><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></EncryptedAssertion>',
    );
    const error = await expectRefused(validate(toBase64(encrypted)), 'ENCRYPTED_ASSERTION_UNSUPPORTED');
    expect(error.reason).toContain('encryption');
  });
});

describe('the stores', () => {
  it('lets a store failure through as itself, not as a refusal of the response', async () => {
    const outage = new Error('database unavailable');
    const response = await idp.respond(sp, EVE);
    await expect(
      validate(response, {
        options: {
          claimAssertionId: async () => {
            throw outage;
          },
        },
      }),
    ).rejects.toBe(outage);
  });
});

describe('what the person signing in is told', () => {
  it("reports the IdP's refusal to the admin and a plain sentence to the user", async () => {
    const message =
      'AADSTS50105: Your administrator has configured the application to block users unless they are specifically granted access.';
    const response = await idp.respond(sp, {
      sign: 'response',
      status: {
        code: 'urn:oasis:names:tc:SAML:2.0:status:Requester',
        nested: 'urn:oasis:names:tc:SAML:2.0:status:RequestDenied',
        message,
      },
    });
    const error = await expectRefused(validate(response), 'IDP_ERROR');
    expect(error.reason).toBe(`the IdP answered Requester/RequestDenied: ${message}`);
    expect(error.userMessage).toBe(
      'Your identity provider did not complete the sign-in. Contact your administrator.',
    );
  });
});
