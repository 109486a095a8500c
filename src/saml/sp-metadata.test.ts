import samlify from 'samlify';
import { describe, expect, it } from 'vitest';
import { serviceProviderFor } from './connection.js';
import { generateSpMetadata } from './sp-metadata.js';
import { attributeOf, BINDING, firstChild, NAME_ID_FORMAT, NS, parseXml, textOf } from './xml.js';

const sp = serviceProviderFor('https://rollcall.example', 'acme');

describe('generateSpMetadata (served at /sso/{tenant}/saml/metadata)', () => {
  it('names the entity ID, the ACS URL with HTTP-POST, and the email NameID format', () => {
    const root = parseXml(
      generateSpMetadata(sp, { wantAssertionsSigned: false }),
      'METADATA_INVALID',
      'SP metadata',
    ).documentElement!;
    expect(attributeOf(root, 'entityID')).toBe('https://rollcall.example/sso/acme/saml/metadata');
    const descriptor = firstChild(root, NS.metadata, 'SPSSODescriptor')!;
    expect(attributeOf(descriptor, 'protocolSupportEnumeration')).toBe(NS.protocol);
    expect(attributeOf(descriptor, 'AuthnRequestsSigned')).toBe('false');
    expect(attributeOf(descriptor, 'WantAssertionsSigned')).toBeUndefined();
    expect(textOf(firstChild(descriptor, NS.metadata, 'NameIDFormat'))).toBe(NAME_ID_FORMAT.email);
    const acs = firstChild(descriptor, NS.metadata, 'AssertionConsumerService')!;
    expect(attributeOf(acs, 'Binding')).toBe(BINDING.post);
    expect(attributeOf(acs, 'Location')).toBe('https://rollcall.example/sso/acme/saml/acs');
  });

  it('says WantAssertionsSigned when the connection requires signed assertions', () => {
    const root = parseXml(
      generateSpMetadata(sp, { wantAssertionsSigned: true }),
      'METADATA_INVALID',
      'SP metadata',
    ).documentElement!;
    expect(attributeOf(firstChild(root, NS.metadata, 'SPSSODescriptor'), 'WantAssertionsSigned')).toBe(
      'true',
    );
  });

  it('is the same document every time for a tenant, and differs between tenants', () => {
    const once = generateSpMetadata(sp, { wantAssertionsSigned: false });
    expect(generateSpMetadata(sp, { wantAssertionsSigned: false })).toBe(once);
    const other = generateSpMetadata(serviceProviderFor('https://rollcall.example', 'globex'), {
      wantAssertionsSigned: false,
    });
    expect(other).not.toBe(once);
  });

  it('is read by an IdP library as this tenant’s SP', () => {
    const reader = samlify.ServiceProvider({
      metadata: generateSpMetadata(sp, { wantAssertionsSigned: true }),
    });
    expect(reader.entityMeta.getEntityID()).toBe(sp.entityId);
    expect(reader.entityMeta.getAssertionConsumerService('post')).toBe(sp.acsUrl);
    expect(reader.entityMeta.isWantAssertionsSigned()).toBe(true);
  });
});
