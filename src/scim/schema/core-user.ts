import { USER_SCHEMA } from '../urns.js';
import { attribute, multiValuedComplex, type SchemaDefinition } from './attribute.js';

/** RFC 7643 §4.1 User. */
export const coreUserSchema: SchemaDefinition = {
  id: USER_SCHEMA,
  name: 'User',
  description: 'User Account',
  attributes: [
    attribute('userName', 'string', {
      required: true,
      uniqueness: 'server',
      description: 'Unique identifier for the User, typically used by the user to directly authenticate.',
    }),
    attribute('name', 'complex', {
      description: "The components of the user's real name.",
      subAttributes: [
        attribute('formatted', 'string', { description: 'The full name, formatted for display.' }),
        attribute('familyName', 'string', { description: 'The family name of the User.' }),
        attribute('givenName', 'string', { description: 'The given name of the User.' }),
        attribute('middleName', 'string', { description: 'The middle name(s) of the User.' }),
        attribute('honorificPrefix', 'string', { description: 'The honorific prefix(es) of the User.' }),
        attribute('honorificSuffix', 'string', { description: 'The honorific suffix(es) of the User.' }),
      ],
    }),
    attribute('displayName', 'string', { description: 'The name of the User, suitable for display.' }),
    attribute('nickName', 'string', { description: 'The casual way to address the user.' }),
    attribute('profileUrl', 'reference', {
      referenceTypes: ['external'],
      description: "A URI to the User's profile.",
    }),
    attribute('title', 'string', { description: "The user's title, such as 'Vice President'." }),
    attribute('userType', 'string', {
      description: 'The relationship between the organization and the user.',
    }),
    attribute('preferredLanguage', 'string', {
      description: "The User's preferred written or spoken language.",
    }),
    attribute('locale', 'string', { description: "The User's default location for localization." }),
    attribute('timezone', 'string', { description: "The User's time zone in the 'Olson' format." }),
    attribute('active', 'boolean', { description: "The User's administrative status." }),
    attribute('password', 'string', {
      mutability: 'writeOnly',
      returned: 'never',
      description: "The User's cleartext password; never returned.",
    }),
    multiValuedComplex('emails', 'Email addresses for the user.', 'string', ['work', 'home', 'other']),
    multiValuedComplex('phoneNumbers', 'Phone numbers for the User.', 'string', [
      'work',
      'home',
      'mobile',
      'fax',
      'pager',
      'other',
    ]),
    multiValuedComplex('ims', 'Instant messaging addresses for the User.', 'string', [
      'aim',
      'gtalk',
      'icq',
      'xmpp',
      'msn',
      'skype',
      'qq',
      'yahoo',
    ]),
    multiValuedComplex('photos', 'URLs of photos of the User.', 'reference', ['photo', 'thumbnail']),
    attribute('addresses', 'complex', {
      multiValued: true,
      description: 'A physical mailing address for this User.',
      subAttributes: [
        attribute('formatted', 'string', { description: 'The full mailing address.' }),
        attribute('streetAddress', 'string', { description: 'The full street address component.' }),
        attribute('locality', 'string', { description: 'The city or locality component.' }),
        attribute('region', 'string', { description: 'The state or region component.' }),
        attribute('postalCode', 'string', { description: 'The zip code or postal code component.' }),
        attribute('country', 'string', { description: 'The country name component.' }),
        attribute('type', 'string', {
          canonicalValues: ['work', 'home', 'other'],
          description: 'The address type.',
        }),
        attribute('primary', 'boolean', { description: 'Indicates the primary mailing address.' }),
      ],
    }),
    multiValuedComplex(
      'groups',
      'A list of groups to which the user belongs.',
      'string',
      ['direct', 'indirect'],
      [attribute('$ref', 'reference', { referenceTypes: ['User', 'Group'], mutability: 'readOnly' })],
      { mutability: 'readOnly' },
    ),
    multiValuedComplex('entitlements', 'A list of entitlements for the User.', 'string', []),
    multiValuedComplex('roles', 'A list of roles for the User.', 'string', []),
    multiValuedComplex('x509Certificates', 'A list of certificates issued to the User.', 'binary', []),
  ],
};
