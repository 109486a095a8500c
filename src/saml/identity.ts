import type { NameAttributes } from './connection.js';
import { attributeOf, childElements, NAME_ID_FORMAT, NS, textOf } from './xml.js';

/** Attribute values by attribute Name, as the assertion sent them. */
export type SamlAttributes = Readonly<Record<string, readonly string[]>>;

/**
 * Where an email is looked for after the configured attribute: Entra's default `emailaddress` claim
 * (user.mail), then the LDAP/eduPerson names Okta, OneLogin and Shibboleth use. Not Entra's `…/claims/name`:
 * that is the UPN, which is often not a mailbox; the NameID (a UPN by default too) comes last instead.
 */
export const EMAIL_CLAIMS = [
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
  'mail',
  'urn:oid:0.9.2342.19200300.100.1.3',
] as const;

export const DEFAULT_EMAIL_ATTRIBUTE = 'email';

const NAME_CLAIMS: Record<keyof NameAttributes, readonly string[]> = {
  givenName: [
    'givenName',
    'firstName',
    'given_name',
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname',
    'urn:oid:2.5.4.42',
  ],
  familyName: [
    'familyName',
    'lastName',
    'surname',
    'sn',
    'family_name',
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname',
    'urn:oid:2.5.4.4',
  ],
  displayName: [
    'displayName',
    'http://schemas.microsoft.com/identity/claims/displayname',
    'urn:oid:2.16.840.1.113730.3.1.241',
  ],
};

export function readAttributes(assertion: Element): SamlAttributes {
  const attributes = new Map<string, string[]>();
  for (const statement of childElements(assertion, NS.assertion, 'AttributeStatement')) {
    for (const attribute of childElements(statement, NS.assertion, 'Attribute')) {
      const name = attributeOf(attribute, 'Name');
      if (!name) continue;
      const values = childElements(attribute, NS.assertion, 'AttributeValue')
        .map((value) => textOf(value))
        .filter((value): value is string => value !== undefined);
      attributes.set(name, [...(attributes.get(name) ?? []), ...values]);
    }
  }
  // fromEntries defines own properties, so a `__proto__` attribute is just a name.
  return Object.fromEntries(attributes);
}

/** The values of the first of `names` present: exact name first, then ignoring case (admins type `Email`). */
function valuesOf(attributes: SamlAttributes, name: string): readonly string[] {
  const exact = attributes[name];
  if (Object.hasOwn(attributes, name) && exact) return exact;
  const lower = name.toLowerCase();
  const key = Object.keys(attributes).find((candidate) => candidate.toLowerCase() === lower);
  return key === undefined ? [] : attributes[key]!;
}

export function looksLikeEmail(value: string): boolean {
  return value.length <= 254 && /^[^\s@<>"]+@[^\s@<>"]+$/.test(value);
}

export type EmailLookup = { email: string; source: string } | { email?: undefined; tried: string[] };

/** The email: the configured attribute (default `email`), then EMAIL_CLAIMS, then an email-shaped NameID. */
export function findEmail(
  attributes: SamlAttributes,
  nameId: { value: string; format?: string },
  emailAttribute: string = DEFAULT_EMAIL_ATTRIBUTE,
): EmailLookup {
  const names = [emailAttribute, ...EMAIL_CLAIMS.filter((claim) => claim !== emailAttribute)];
  for (const name of names) {
    const email = valuesOf(attributes, name).find(looksLikeEmail);
    if (email) return { email, source: name };
  }
  // A persistent or transient NameID is an opaque handle even when it happens to contain an @.
  const opaque = nameId.format === NAME_ID_FORMAT.persistent || nameId.format === NAME_ID_FORMAT.transient;
  if (!opaque && looksLikeEmail(nameId.value)) return { email: nameId.value, source: 'NameID' };
  return { tried: [...names, 'NameID'] };
}

export function findNames(attributes: SamlAttributes, configured: NameAttributes = {}): NameAttributes {
  const names: NameAttributes = {};
  for (const part of Object.keys(NAME_CLAIMS) as (keyof NameAttributes)[]) {
    const candidates = configured[part] ? [configured[part], ...NAME_CLAIMS[part]] : NAME_CLAIMS[part];
    for (const name of candidates) {
      const value = valuesOf(attributes, name)[0];
      if (value) {
        names[part] = value;
        break;
      }
    }
  }
  return names;
}
