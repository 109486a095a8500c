import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACS_BODY_LIMIT } from '../../src/http/routes/sso/sso-plugin.js';
import { createKeyPair, RSA_SHA1, signResponse, TestIdp, toBase64 } from '../../src/saml/testing/test-idp.js';
import { NS } from '../../src/saml/xml.js';
import { startServer, type TestServer } from '../support/rollcall-server.js';
import {
  browserGet,
  browserPost,
  connect,
  person,
  signInSpInitiated,
  spMetadata,
  spOf,
} from '../support/sso.js';
import { expectRefused } from '../support/sso-refusal.js';

/**
 * Every security point of issue 6, sent as an attack to a running rollcall over real HTTP and seen
 * refused: the status of its code, a plain page without internals, no session cookie, and the reason
 * in the tenant's sign-in log. The responses come from samlify with generated keys; attacks no honest
 * IdP would send are made by editing or re-signing what it sent, as an attacker would.
 */
let server: TestServer;
let idp: TestIdp;
const EVE = person('eve@acme.test');

beforeAll(async () => {
  server = await startServer();
  idp = await TestIdp.create();
  const staff = await server.createDirectory('acme', { name: 'staff' });
  for (const email of ['eve@acme.test', 'ada@acme.test'])
    expect((await staff.scim('POST', '/Users', { userName: email, emails: [{ value: email }] })).status).toBe(
      201,
    );
  await connect(server, 'acme', idp);
  // Another tenant that trusts the same IdP (one Entra tenant, two apps).
  const globex = await server.createDirectory('globex', { name: 'staff' });
  await globex.scim('POST', '/Users', { userName: 'eve@acme.test', emails: [{ value: 'eve@acme.test' }] });
  await connect(server, 'globex', idp);
});
afterAll(() => server.close());

const acs = (tenant = 'acme') => `${server.url}/sso/${tenant}/saml/acs`;
const post = (samlResponse: string, tenant = 'acme', extra: Record<string, string> = {}) =>
  browserPost(acs(tenant), { SAMLResponse: samlResponse, ...extra });
const parse = (xml: string) => new DOMParser().parseFromString(xml, 'text/xml');
const serialize = (document: Document) => new XMLSerializer().serializeToString(document);

/** An AuthnRequest this tenant issued, as the IdP reads it. */
async function issueRequest(tenant: string): Promise<{ id: string }> {
  const login = await browserGet(`${server.url}/sso/${tenant}/saml/login`);
  expect(login.status).toBe(302);
  return idp.receive(login.location!, await spMetadata(server, tenant));
}

describe('XML signature wrapping', () => {
  it('refuses a forged assertion in place of the signed one, the signed one moved to Extensions', async () => {
    const document = parse(await idp.respondXml(spOf(server, 'acme'), EVE));
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
    await expectRefused(server, 'acme', await post(toBase64(serialize(document))), 'SIGNATURE_WRAPPING');
  });

  it('refuses the signed assertion hidden inside a forged one', async () => {
    const document = parse(await idp.respondXml(spOf(server, 'acme'), EVE));
    const signed = document.getElementsByTagNameNS(NS.assertion, 'Assertion')[0]!;
    const forged = signed.cloneNode(true) as Element;
    forged.removeChild(forged.getElementsByTagNameNS(NS.dsig, 'Signature')[0]!);
    forged.getElementsByTagNameNS(NS.assertion, 'NameID')[0]!.textContent = 'ada@acme.test';
    const advice = document.createElementNS(NS.assertion, 'Advice');
    document.documentElement!.replaceChild(forged, signed);
    advice.appendChild(signed);
    forged.appendChild(advice);
    await expectRefused(server, 'acme', await post(toBase64(serialize(document))), 'SIGNATURE_WRAPPING');
  });

  it('refuses an assertion changed after signing', async () => {
    const xml = await idp.respondXml(spOf(server, 'acme'), EVE);
    const tampered = xml.replace(/eve@acme\.test/g, 'ada@acme.test');
    await expectRefused(server, 'acme', await post(toBase64(tampered)), 'SIGNATURE_INVALID');
  });
});

describe('signatures', () => {
  it('refuses a response signed by a key the connection does not trust', async () => {
    const impostor = await TestIdp.create({ entityId: idp.entityId });
    const entry = await expectRefused(
      server,
      'acme',
      await post(await impostor.respond(spOf(server, 'acme'), EVE)),
      'SIGNATURE_INVALID',
    );
    expect(entry.reason).toContain('which this connection does not have');
  });

  it('refuses a response whose valid assertion signature sits under an invalid response signature', async () => {
    const stranger = await createKeyPair({ commonName: 'Not the IdP' });
    const resigned = signResponse(await idp.respondXml(spOf(server, 'acme'), EVE), stranger);
    await expectRefused(server, 'acme', await post(toBase64(resigned)), 'SIGNATURE_INVALID');
  });

  it('refuses SHA-1', async () => {
    const sha1 = await TestIdp.create({ entityId: idp.entityId, key: idp.key, signatureAlgorithm: RSA_SHA1 });
    const xml = await sha1.respondXml(spOf(server, 'acme'), EVE);
    expect(xml).toContain('xmldsig#rsa-sha1');
    await expectRefused(server, 'acme', await post(toBase64(xml)), 'WEAK_ALGORITHM');
  });

  it('refuses a response in which nothing is signed, whatever the options', async () => {
    await expectRefused(
      server,
      'acme',
      await post(await idp.respond(spOf(server, 'acme'), { ...EVE, sign: 'none' })),
      'SIGNATURE_MISSING',
    );
  });

  it('requires the signature an option asks for', async () => {
    await connect(server, 'acme', idp, { wantAssertionsSigned: true });
    try {
      await expectRefused(
        server,
        'acme',
        await post(await idp.respond(spOf(server, 'acme'), { ...EVE, sign: 'response' })),
        'ASSERTION_SIGNATURE_REQUIRED',
      );
    } finally {
      await connect(server, 'acme', idp, { wantAssertionsSigned: false });
    }
    await connect(server, 'acme', idp, { wantResponseSigned: true });
    try {
      await expectRefused(
        server,
        'acme',
        await post(await idp.respond(spOf(server, 'acme'), { ...EVE, sign: 'assertion' })),
        'RESPONSE_SIGNATURE_REQUIRED',
      );
      const both = await post(await idp.respond(spOf(server, 'acme'), { ...EVE, sign: 'both' }));
      expect(both.status).toBe(303);
    } finally {
      await connect(server, 'acme', idp, { wantResponseSigned: false });
    }
  });
});

describe('who the response is from and for', () => {
  it('refuses another issuer, even one signing with a trusted key', async () => {
    const other = await TestIdp.create({ entityId: 'https://sts.windows.net/another-tenant/', key: idp.key });
    await expectRefused(
      server,
      'acme',
      await post(await other.respond(spOf(server, 'acme'), EVE)),
      'ISSUER_MISMATCH',
    );
  });

  it("refuses an assertion meant for another tenant's audience", async () => {
    const response = await idp.respond(spOf(server, 'acme'), {
      ...EVE,
      audience: spOf(server, 'globex').entityId,
    });
    await expectRefused(server, 'acme', await post(response), 'AUDIENCE_MISMATCH');
  });

  it("refuses a response for acme posted to globex's ACS (same IdP, same person)", async () => {
    const response = await idp.respond(spOf(server, 'acme'), EVE);
    const refused = await post(response, 'globex');
    expect(refused.status).toBe(403);
    expect(refused.setCookie).toBeNull();
    const log = await server.api('GET', '/tenants/globex/saml/log?outcome=refused&limit=1');
    expect(['AUDIENCE_MISMATCH', 'DESTINATION_MISMATCH', 'RECIPIENT_MISMATCH']).toContain(
      log.body.items[0].code,
    );
  });

  it('refuses another Recipient', async () => {
    const response = await idp.respond(spOf(server, 'acme'), {
      ...EVE,
      recipient: spOf(server, 'globex').acsUrl,
    });
    await expectRefused(server, 'acme', await post(response), 'RECIPIENT_MISMATCH');
  });

  it('refuses another Destination', async () => {
    const response = await idp.respond(spOf(server, 'acme'), {
      ...EVE,
      destination: spOf(server, 'globex').acsUrl,
    });
    await expectRefused(server, 'acme', await post(response), 'DESTINATION_MISMATCH');
  });
});

describe('time', () => {
  it('refuses an expired assertion', async () => {
    const past = new Date(Date.now() - 10 * 60_000);
    await expectRefused(
      server,
      'acme',
      await post(await idp.respond(spOf(server, 'acme'), { ...EVE, notOnOrAfter: past })),
      'EXPIRED',
    );
  });

  it('refuses an assertion not valid yet (beyond the clock skew)', async () => {
    const later = new Date(Date.now() + 10 * 60_000);
    await expectRefused(
      server,
      'acme',
      await post(await idp.respond(spOf(server, 'acme'), { ...EVE, notBefore: later })),
      'NOT_YET_VALID',
    );
  });
});

describe('InResponseTo and replay', () => {
  it('refuses an answer to a request no one issued', async () => {
    const response = await idp.respond(spOf(server, 'acme'), { ...EVE, inResponseTo: '_never-issued' });
    await expectRefused(server, 'acme', await post(response), 'IN_RESPONSE_TO_UNKNOWN');
  });

  it('refuses an answer to a request another tenant issued', async () => {
    const theirs = await issueRequest('globex');
    const response = await idp.respond(spOf(server, 'acme'), { ...EVE, inResponseTo: theirs.id });
    await expectRefused(server, 'acme', await post(response), 'IN_RESPONSE_TO_UNKNOWN');
  });

  it('refuses a second answer to the same request', async () => {
    const ours = await issueRequest('acme');
    const first = await post(await idp.respond(spOf(server, 'acme'), { ...EVE, inResponseTo: ours.id }));
    expect(first.status).toBe(303);
    const second = await post(await idp.respond(spOf(server, 'acme'), { ...EVE, inResponseTo: ours.id }));
    await expectRefused(server, 'acme', second, 'IN_RESPONSE_TO_UNKNOWN');
  });

  it('refuses a replayed assertion', async () => {
    const response = await idp.respond(spOf(server, 'acme'), EVE);
    expect((await post(response)).status).toBe(303);
    await expectRefused(server, 'acme', await post(response), 'ASSERTION_REPLAYED');
  });

  it('refuses a replayed SP-initiated response (its request is used up first)', async () => {
    const ours = await issueRequest('acme');
    const response = await idp.respond(spOf(server, 'acme'), { ...EVE, inResponseTo: ours.id });
    expect((await post(response)).status).toBe(303);
    await expectRefused(server, 'acme', await post(response), 'IN_RESPONSE_TO_UNKNOWN');
  });
});

describe('the XML itself', () => {
  it('refuses a DOCTYPE with an external entity (XXE)', async () => {
    const xml = await idp.respondXml(spOf(server, 'acme'), EVE);
    const xxe = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${xml.replace(
      'eve@acme.test</NameID>',
      '&xxe;</NameID>',
    )}`;
    const entry = await expectRefused(server, 'acme', await post(toBase64(xxe)), 'XML_UNSAFE');
    expect(entry.reason).not.toContain('root:');
  });

  it('refuses an entity-expansion bomb', async () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>' +
      '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&lol2;</samlp:Response>';
    await expectRefused(server, 'acme', await post(toBase64(bomb)), 'XML_UNSAFE');
  });

  it('refuses a response over 256 KiB', async () => {
    const big = await idp.respond(spOf(server, 'acme'), {
      ...EVE,
      attributes: { email: 'eve@acme.test', padding: 'x'.repeat(300 * 1024) },
    });
    await expectRefused(server, 'acme', await post(big), 'RESPONSE_TOO_LARGE');
  });

  it('refuses a form body over the ACS limit before reading it, with the same plain page', async () => {
    const huge = await post('A'.repeat(ACS_BODY_LIMIT + 10));
    expect(huge.status).toBe(413);
    expect(huge.setCookie).toBeNull();
    expect(huge.text).toContain('The sign-in response could not be read.');
  });

  it('refuses what is not a SAML response', async () => {
    await expectRefused(server, 'acme', await post('not base64!'), 'RESPONSE_MALFORMED');
    await expectRefused(server, 'acme', await browserPost(acs(), { RelayState: '/x' }), 'RESPONSE_MALFORMED');
    await expectRefused(server, 'acme', await post(toBase64('<a>unclosed')), 'RESPONSE_MALFORMED');
    const json = await fetch(acs(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"SAMLResponse":"x"}',
      redirect: 'manual',
    });
    expect(json.status).toBe(415);
    expect(await json.text()).toContain('could not be read');
  });

  it('refuses an encrypted assertion, telling the admin to switch token encryption off', async () => {
    const xml = await idp.respondXml(spOf(server, 'acme'), EVE);
    const encrypted = xml.replace(
      /<Assertion [\s\S]*<\/Assertion>/,
      '<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></saml:EncryptedAssertion>',
    );
    const entry = await expectRefused(
      server,
      'acme',
      await post(toBase64(encrypted)),
      'ENCRYPTED_ASSERTION_UNSUPPORTED',
    );
    expect(entry.reason).toContain('token encryption');
  });

  it("passes on the IdP's refusal (a person not assigned to the app)", async () => {
    const response = await idp.respond(spOf(server, 'acme'), {
      sign: 'response',
      status: {
        code: 'urn:oasis:names:tc:SAML:2.0:status:Requester',
        nested: 'urn:oasis:names:tc:SAML:2.0:status:RequestDenied',
        message: 'AADSTS50105: The signed in user is not assigned to a role for the application.',
      },
    });
    const entry = await expectRefused(server, 'acme', await post(response), 'IDP_ERROR');
    expect(entry.reason).toContain('AADSTS50105');
  });
});

describe('RelayState (no open redirect)', () => {
  it('goes where the AuthnRequest said, whatever RelayState is posted back with the answer', async () => {
    const login = await browserGet(`${server.url}/sso/acme/saml/login?RelayState=%2Fapp%2Finbox`);
    const request = await idp.receive(login.location!, await spMetadata(server, 'acme'));
    expect(request.relayState).toBe('/app/inbox');
    const response = await idp.respond(spOf(server, 'acme'), { ...EVE, inResponseTo: request.id });
    const answered = await post(response, 'acme', { RelayState: 'https://evil.example/' });
    expect(answered.status).toBe(303);
    expect(answered.location).toBe('/app/inbox');
  });

  it('drops an unsafe RelayState at login, so the IdP never carries it', async () => {
    const acsResponse = await signInSpInitiated(server, 'acme', idp, EVE, {
      relayState: 'https://evil.example/steal',
    });
    expect(acsResponse.location).toBe('/sso/acme/signed-in');
  });
});
