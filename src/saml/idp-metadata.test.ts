import { beforeAll, describe, expect, it } from 'vitest';
import { serviceProviderFor } from './connection.js';
import { connectionFromMetadata, MAX_METADATA_BYTES, parseIdpMetadata } from './idp-metadata.js';
import { generateSpMetadata } from './sp-metadata.js';
import { createKeyPair, type KeyPair, TestIdp } from './testing/test-idp.js';

const TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
const SSO = `https://login.microsoftonline.com/${TENANT}/saml2`;
const SP_METADATA = generateSpMetadata(serviceProviderFor('https://rollcall.example', 'acme'), {
  wantAssertionsSigned: false,
});

let active: KeyPair;
let rolling: KeyPair;
let wsFed: KeyPair;
let encryption: KeyPair;

beforeAll(async () => {
  [active, rolling, wsFed, encryption] = await Promise.all([
    createKeyPair({
      commonName: 'Microsoft Azure Federated SSO Certificate',
      notBefore: new Date('2025-01-15T10:00:00Z'),
      notAfter: new Date('2028-01-15T10:00:00Z'),
    }),
    createKeyPair({
      commonName: 'Microsoft Azure Federated SSO Certificate',
      notBefore: new Date('2027-11-01T10:00:00Z'),
      notAfter: new Date('2030-11-01T10:00:00Z'),
    }),
    createKeyPair({ commonName: 'WS-Federation' }),
    createKeyPair({ commonName: 'Encryption' }),
  ]);
});

function base64Of(key: KeyPair): string {
  return key.cert.replace(/-----[^-]+-----|\s+/g, '');
}

function keyDescriptor(key: KeyPair, use?: string): string {
  return (
    `<KeyDescriptor${use ? ` use="${use}"` : ''}><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data>` +
    `<X509Certificate>${base64Of(key)}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>`
  );
}

/**
 * The shape of Entra's App Federation Metadata: default namespace, an enveloped metadata signature,
 * WS-Federation RoleDescriptors before the IDPSSODescriptor, one SSO URL for both bindings.
 */
function entraMetadata(idpKeys: string): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<EntityDescriptor ID="_1c3d5e7f-0000-4000-8000-000000000001" entityID="https://sts.windows.net/${TENANT}/" xmlns="urn:oasis:names:tc:SAML:2.0:metadata">` +
    '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>' +
    '<CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>' +
    '<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>' +
    '<Reference URI="#_1c3d5e7f-0000-4000-8000-000000000001"><Transforms>' +
    '<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>' +
    '<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></Transforms>' +
    '<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue>AAAA</DigestValue></Reference>' +
    `</SignedInfo><SignatureValue>AAAA</SignatureValue><KeyInfo><X509Data><X509Certificate>${base64Of(active)}</X509Certificate></X509Data></KeyInfo></Signature>` +
    '<RoleDescriptor xsi:type="fed:SecurityTokenServiceType" protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706">' +
    keyDescriptor(wsFed, 'signing') +
    '<fed:ClaimTypesOffered><auth:ClaimType Uri="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name" xmlns:auth="http://docs.oasis-open.org/wsfed/authorization/200706"><auth:DisplayName>Name</auth:DisplayName></auth:ClaimType></fed:ClaimTypesOffered>' +
    `<fed:PassiveRequestorEndpoint><wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>https://login.microsoftonline.com/${TENANT}/wsfed</wsa:Address></wsa:EndpointReference></fed:PassiveRequestorEndpoint>` +
    '</RoleDescriptor>' +
    '<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">' +
    idpKeys +
    `<SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${SSO}"/>` +
    `<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${SSO}"/>` +
    `<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${SSO}"/>` +
    '</IDPSSODescriptor></EntityDescriptor>'
  );
}

describe("parseIdpMetadata: Entra's App Federation Metadata", () => {
  it('reads entity ID, SSO URLs and the signing certificates with their expiry dates', () => {
    const metadata = parseIdpMetadata(
      entraMetadata(
        keyDescriptor(active, 'signing') +
          keyDescriptor(rolling, 'signing') +
          keyDescriptor(encryption, 'encryption'),
      ),
    );
    expect(metadata).toMatchObject({
      entityId: `https://sts.windows.net/${TENANT}/`,
      ssoUrls: { redirect: SSO, post: SSO },
      wantAuthnRequestsSigned: false,
    });
    // Not the WS-Federation RoleDescriptor's key, not the encryption key: only the IdP's signing keys.
    expect(
      metadata.certificates.map(({ subject, notBefore, notAfter }) => ({ subject, notBefore, notAfter })),
    ).toEqual([
      {
        subject: 'CN=Microsoft Azure Federated SSO Certificate',
        notBefore: '2025-01-15T10:00:00.000Z',
        notAfter: '2028-01-15T10:00:00.000Z',
      },
      {
        subject: 'CN=Microsoft Azure Federated SSO Certificate',
        notBefore: '2027-11-01T10:00:00.000Z',
        notAfter: '2030-11-01T10:00:00.000Z',
      },
    ]);
  });

  it('takes a KeyDescriptor without `use` as a signing key, once even when listed twice', () => {
    const metadata = parseIdpMetadata(
      entraMetadata(keyDescriptor(active) + keyDescriptor(active, 'signing')),
    );
    expect(metadata.certificates).toHaveLength(1);
  });

  it('makes a connection that keeps every certificate, with the admin’s options', () => {
    const metadata = parseIdpMetadata(
      entraMetadata(keyDescriptor(active, 'signing') + keyDescriptor(rolling, 'signing')),
    );
    const connection = connectionFromMetadata(metadata, {
      wantAssertionsSigned: true,
      emailAttribute: 'email',
    });
    expect(connection).toMatchObject({
      idpEntityId: metadata.entityId,
      ssoUrl: SSO,
      wantAssertionsSigned: true,
      wantResponseSigned: false,
      emailAttribute: 'email',
    });
    expect(connection.certificates.map((certificate) => certificate.fingerprint)).toEqual(
      metadata.certificates.map((certificate) => certificate.fingerprint),
    );
  });
});

describe('parseIdpMetadata: other shapes', () => {
  it("reads samlify's metadata (md: prefixes)", async () => {
    const idp = await TestIdp.create({ key: active });
    const metadata = parseIdpMetadata(idp.metadata());
    expect(metadata).toMatchObject({
      entityId: idp.entityId,
      ssoUrls: { redirect: idp.ssoUrl, post: idp.ssoUrl },
    });
    expect(metadata.certificates).toHaveLength(1);
  });

  it('finds the one IdP in an EntitiesDescriptor, and its validUntil', () => {
    const spMetadata = SP_METADATA.replace(/<\?xml[^>]*\?>/, '');
    const idp = entraMetadata(keyDescriptor(active, 'signing')).replace(/<\?xml[^>]*\?>/, '');
    const wrapped = `<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" validUntil="2030-01-01T00:00:00Z">${spMetadata}${idp}</EntitiesDescriptor>`;
    expect(parseIdpMetadata(wrapped)).toMatchObject({
      entityId: `https://sts.windows.net/${TENANT}/`,
      validUntil: '2030-01-01T00:00:00.000Z',
    });
    const two = `<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata">${idp}${idp}</EntitiesDescriptor>`;
    expect(() => parseIdpMetadata(two)).toThrow(/2 identity providers/);
  });
});

describe('parseIdpMetadata refuses', () => {
  it('a DTD or entity (XXE), before parsing', () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE EntityDescriptor [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${entraMetadata(keyDescriptor(active)).replace(/<\?xml[^>]*\?>/, '')}`;
    expect(() => parseIdpMetadata(xxe)).toThrow(expect.objectContaining({ code: 'XML_UNSAFE' }));
  });

  it('a document over the size limit', () => {
    const padded = entraMetadata(keyDescriptor(active)).replace(
      '</EntityDescriptor>',
      `${' '.repeat(MAX_METADATA_BYTES)}</EntityDescriptor>`,
    );
    expect(() => parseIdpMetadata(padded)).toThrow(expect.objectContaining({ code: 'METADATA_TOO_LARGE' }));
    expect(() => parseIdpMetadata(entraMetadata(keyDescriptor(active)), { maxBytes: 1000 })).toThrow(
      expect.objectContaining({ code: 'METADATA_TOO_LARGE' }),
    );
  });

  it.each([
    ['an HTML sign-in page', '<html><body>Sign in to your account</body></html>', /not SAML 2.0 metadata/],
    ['broken XML', '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"', /not well-formed/],
    ['SP metadata (no IDPSSODescriptor)', SP_METADATA, /no SAML 2.0 IDPSSODescriptor/],
  ])('%s', (_, xml, reason) => {
    expect(() => parseIdpMetadata(xml)).toThrow(expect.objectContaining({ code: 'METADATA_INVALID' }));
    expect(() => parseIdpMetadata(xml)).toThrow(reason);
  });

  it('an IdP without a signing certificate, or with only an encryption key', () => {
    expect(() => parseIdpMetadata(entraMetadata(''))).toThrow(/no signing certificate/);
    expect(() => parseIdpMetadata(entraMetadata(keyDescriptor(encryption, 'encryption')))).toThrow(
      /no signing certificate/,
    );
  });

  it('an IdP without an HTTP-Redirect or HTTP-POST SSO service, or with a javascript: one', () => {
    const withoutSso = entraMetadata(keyDescriptor(active)).replace(/<SingleSignOnService[^>]*\/>/g, '');
    expect(() => parseIdpMetadata(withoutSso)).toThrow(/no HTTP-Redirect or HTTP-POST SSO service/);
    const script = entraMetadata(keyDescriptor(active)).replaceAll(SSO, 'javascript:alert(1)');
    expect(() => parseIdpMetadata(script)).toThrow(expect.objectContaining({ code: 'METADATA_INVALID' }));
  });
});
