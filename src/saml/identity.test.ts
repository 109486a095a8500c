import { describe, expect, it } from 'vitest';
import { EMAIL_CLAIMS, findEmail, findNames, looksLikeEmail, readAttributes } from './identity.js';
import { NAME_ID_FORMAT, parseXml } from './xml.js';

function assertion(attributes: string): Element {
  return parseXml(
    `<Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion"><AttributeStatement>${attributes}</AttributeStatement></Assertion>`,
    'RESPONSE_MALFORMED',
    'assertion',
  ).documentElement!;
}

describe('readAttributes', () => {
  it('collects values by Name, keeps multi-valued claims, and treats `__proto__` as just a name', () => {
    const attributes = readAttributes(
      assertion(
        '<Attribute Name="groups"><AttributeValue>g1</AttributeValue><AttributeValue> g2 </AttributeValue></Attribute>' +
          '<Attribute Name="__proto__"><AttributeValue>polluted</AttributeValue></Attribute>' +
          '<Attribute Name="empty"><AttributeValue/></Attribute>',
      ),
    );
    expect(attributes.groups).toEqual(['g1', 'g2']);
    expect(Object.hasOwn(attributes, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(attributes.empty).toEqual([]);
  });
});

describe('findEmail', () => {
  const upn = { value: 'ada@acme.onmicrosoft.com', format: NAME_ID_FORMAT.email };

  it('tries the configured attribute, then the standard claims in order, then the NameID', () => {
    expect(findEmail({ email: ['ada@acme.test'] }, upn)).toEqual({ email: 'ada@acme.test', source: 'email' });
    expect(findEmail({ mail: ['m@acme.test'], [EMAIL_CLAIMS[0]]: ['e@acme.test'] }, upn)).toEqual({
      email: 'e@acme.test',
      source: EMAIL_CLAIMS[0],
    });
    expect(findEmail({ email: ['not an email'] }, upn)).toEqual({ email: upn.value, source: 'NameID' });
    expect(findEmail({}, { value: 'ada@acme.test', format: NAME_ID_FORMAT.transient })).toEqual({
      tried: ['email', ...EMAIL_CLAIMS, 'NameID'],
    });
  });

  it('does not list the configured attribute twice when it is a standard claim', () => {
    expect(findEmail({}, { value: 'opaque-id' }, 'mail')).toEqual({
      tried: ['mail', EMAIL_CLAIMS[0], EMAIL_CLAIMS[2], 'NameID'],
    });
  });

  it.each([
    ['ada@acme.test', true],
    ['ada.lovelace+sso@sub.acme.test', true],
    ['ada', false],
    ['ada @acme.test', false],
    ['<ada@acme.test>', false],
    [`${'a'.repeat(250)}@acme.test`, false],
  ])('looksLikeEmail(%j) is %s', (value, expected) => {
    expect(looksLikeEmail(value)).toBe(expected);
  });
});

describe('findNames', () => {
  it('reads the first name part present for each of given, family and display name', () => {
    expect(
      findNames({
        'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname': ['Ada'],
        sn: ['Lovelace'],
        'http://schemas.microsoft.com/identity/claims/displayname': ['Ada Lovelace'],
      }),
    ).toEqual({ givenName: 'Ada', familyName: 'Lovelace', displayName: 'Ada Lovelace' });
    expect(findNames({})).toEqual({});
  });
});
