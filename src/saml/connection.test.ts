import { beforeAll, describe, expect, it } from 'vitest';
import { certificatesExpiringBy, readCertificate } from './certificate.js';
import { createConnection, serviceProviderFor } from './connection.js';
import { SamlError } from './errors.js';
import { createKeyPair, type KeyPair } from './testing/test-idp.js';

let current: KeyPair;
let next: KeyPair;

beforeAll(async () => {
  current = await createKeyPair({
    commonName: 'Microsoft Azure Federated SSO Certificate',
    notBefore: new Date('2025-03-01T00:00:00Z'),
    notAfter: new Date('2028-03-01T00:00:00Z'),
  });
  next = await createKeyPair({
    notBefore: new Date('2027-12-01T00:00:00Z'),
    notAfter: new Date('2030-12-01T00:00:00Z'),
  });
});

describe('readCertificate', () => {
  it('reads PEM and bare base64 alike, with the dates and fingerprint an admin compares', () => {
    const fromPem = readCertificate(current.cert);
    const bare = current.cert.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    const fromBase64 = readCertificate(bare.replace(/(.{76})/g, '$1\r\n'));
    expect(fromBase64).toEqual(fromPem);
    expect(fromPem).toMatchObject({
      subject: 'CN=Microsoft Azure Federated SSO Certificate',
      notBefore: '2025-03-01T00:00:00.000Z',
      notAfter: '2028-03-01T00:00:00.000Z',
    });
    expect(fromPem.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(fromPem.pem).toMatch(
      /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+\n-----END CERTIFICATE-----\n$/,
    );
  });

  it.each([
    ['text', 'not a certificate'],
    ['base64 of something else', Buffer.from('hello world').toString('base64')],
    ['an empty string', ''],
  ])('refuses %s', (_, text) => {
    expect(() => readCertificate(text)).toThrow(expect.objectContaining({ code: 'CERTIFICATE_INVALID' }));
  });

  it('refuses an RSA key below 2048 bits', async () => {
    const weak = await createKeyPair({ keySize: 1024 });
    expect(() => readCertificate(weak.cert)).toThrow(/1024 bits/);
  });

  it('lists the certificates lapsing before a horizon, for the expiry warning', () => {
    const certificates = [readCertificate(current.cert), readCertificate(next.cert)];
    expect(certificatesExpiringBy(certificates, '2028-02-15T00:00:00.000Z')).toEqual([]);
    expect(certificatesExpiringBy(certificates, '2028-03-01T00:00:00.000Z')).toEqual([certificates[0]]);
  });
});

describe('createConnection', () => {
  it('defaults as seed 001 sets Entra up: both "Request signed …" off; IdP-initiated on', () => {
    const connection = createConnection({
      idpEntityId: ' https://sts.windows.net/tenant/ ',
      ssoUrl: 'https://login.microsoftonline.com/tenant/saml2',
      certificates: [current.cert, next.cert, current.cert],
    });
    expect(connection).toMatchObject({
      idpEntityId: 'https://sts.windows.net/tenant/',
      wantAssertionsSigned: false,
      wantResponseSigned: false,
      allowIdpInitiated: true,
    });
    expect(connection.certificates.map((certificate) => certificate.subject)).toEqual([
      'CN=Microsoft Azure Federated SSO Certificate',
      'CN=Test IdP signing',
    ]);
    expect(connection.emailAttribute).toBeUndefined();
  });

  it.each([
    ['no entity ID', { idpEntityId: '' }, /entity ID/],
    ['no certificate', { certificates: [] }, /certificate/],
    ['a relative SSO URL', { ssoUrl: '/saml2' }, /not an absolute URL/],
    ['a javascript: SSO URL', { ssoUrl: 'javascript:alert(1)' }, /http\(s\)/],
  ])('refuses %s', (_, change, reason) => {
    const input = {
      idpEntityId: 'https://sts.windows.net/tenant/',
      ssoUrl: 'https://login.microsoftonline.com/tenant/saml2',
      certificates: [current.cert],
      ...change,
    };
    const attempt = () => createConnection(input);
    expect(attempt).toThrow(SamlError);
    expect(attempt).toThrow(reason);
  });
});

describe('serviceProviderFor', () => {
  it('gives the SP values of DESIGN.md for a tenant (what the admin pastes into Entra)', () => {
    expect(serviceProviderFor('https://id.vendor.example/', 'acme')).toEqual({
      entityId: 'https://id.vendor.example/sso/acme/saml/metadata',
      acsUrl: 'https://id.vendor.example/sso/acme/saml/acs',
      loginUrl: 'https://id.vendor.example/sso/acme/saml/login',
      metadataUrl: 'https://id.vendor.example/sso/acme/saml/metadata',
    });
  });
});
