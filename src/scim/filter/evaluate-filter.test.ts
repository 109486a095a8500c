import { describe, expect, test } from 'vitest';
import rfcFilters from '../../../test/fixtures/rfc/rfc7644-3.4.2.2-filters.json' with { type: 'json' };
import { InvalidFilterError } from '../errors.js';
import type { JsonObject } from '../json/json-value.js';
import { renderGroup, renderUser } from '../resource/render-resource.js';
import { findAttribute } from '../schema/attribute.js';
import { groupResourceType, userResourceType } from '../schema/registry.js';
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from '../urns.js';
import { checkFilter, evaluateFilter, isPresent, matchesElement } from './evaluate-filter.js';
import { parseFilter } from './parse-filter.js';

const BASE = 'https://id.example.com/scim/v2/d1';

/** Barbara Jensen after RFC 7643 §8.2, rendered the way the server renders stored users. */
const bjensen = renderUser(
  {
    id: '2819c223-7f76-453a-919d-413861904646',
    version: 3,
    created: '2010-01-23T04:56:22Z',
    lastModified: '2011-05-13T04:42:34Z',
    data: {
      externalId: 'bjensen-EXT',
      userName: 'bjensen@example.com',
      name: { formatted: 'Ms. Barbara J Jensen III', familyName: "O'Malley", givenName: 'Barbara' },
      displayName: 'Babs Jensen',
      title: 'Tour Guide',
      userType: 'Employee',
      active: true,
      emails: [
        { value: 'bjensen@example.com', type: 'work', primary: true },
        { value: 'babs@jensen.org', type: 'home' },
      ],
      ims: [{ value: 'someaimhandle', type: 'aim' }],
      addresses: [{ type: 'work', locality: 'Hollywood', country: 'USA' }],
      roles: [{ value: 'Admin', type: 'WindowsAzureActiveDirectoryRole', primary: true }],
      nickName: '',
      entitlements: [],
      [ENTERPRISE_USER_SCHEMA]: {
        employeeNumber: '701984',
        department: 'Tour Operations',
        manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', displayName: 'John Smith' },
      },
    },
  },
  BASE,
  [{ value: 'e9e30dba-f08f-4109-8486-d5c6a331660a', display: 'Tour Guides' }],
);

const matches = (filter: string, resource: JsonObject = bjensen) =>
  evaluateFilter(parseFilter(filter), resource, userResourceType);

function rejects(filter: string, resource: JsonObject = bjensen): string {
  try {
    matches(filter, resource);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidFilterError);
    return (error as InvalidFilterError).message;
  }
  throw new Error(`expected ${JSON.stringify(filter)} to be rejected`);
}

describe('RFC 7644 §3.4.2.2 example filters against RFC 7643 §8.2 bjensen', () => {
  test.each(rfcFilters.filters)('$filter is a valid filter for Users', ({ filter }) => {
    expect(() => checkFilter(parseFilter(filter), userResourceType)).not.toThrow();
  });

  test.each([
    ['userName Eq "john"', false],
    ['userName eq "bjensen@example.com"', true],
    ['name.familyName co "O\'Malley"', true],
    ['userName sw "J"', false],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName sw "B"', true],
    ['title pr', true],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', false],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', true],
    ['meta.lastModified lt "2011-05-13T04:42:34Z"', false],
    ['meta.lastModified le "2011-05-13T04:42:34Z"', true],
    ['title pr and userType eq "Employee"', true],
    ['title pr or userType eq "Intern"', true],
    ['schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"', true],
    ['userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")', true],
    ['userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")', false],
    ['userType eq "Employee" and (emails.type eq "work")', true],
    ['userType eq "Employee" and emails[type eq "work" and value co "@example.com"]', true],
    [
      'emails[type eq "work" and value co "@jensen.org"] or ims[type eq "xmpp" and value co "@foo.com"]',
      false,
    ],
  ] as const)('%s → %s', (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });
});

describe('case sensitivity follows caseExact (RFC 7643 §2.2, §7; RFC 7644 §3.4.2.2)', () => {
  test('userName is not caseExact, so any case matches (Okta SPEC test R9 filters on the upper-cased name)', () => {
    expect(matches('userName eq "BJENSEN@EXAMPLE.COM"')).toBe(true);
    expect(matches('userName sw "BJEN"')).toBe(true);
    expect(matches('displayName ew "JENSEN"')).toBe(true);
  });

  test('externalId is caseExact (RFC 7643 §3.1)', () => {
    expect(matches('externalId eq "bjensen-EXT"')).toBe(true);
    expect(matches('externalId eq "BJENSEN-EXT"')).toBe(false);
    expect(matches('externalId co "ext"')).toBe(false);
  });

  test('id is caseExact (RFC 7643 §3.1)', () => {
    expect(matches('id eq "2819c223-7f76-453a-919d-413861904646"')).toBe(true);
    expect(matches('id eq "2819C223-7F76-453A-919D-413861904646"')).toBe(false);
  });

  test('attribute names and schema URNs match the resource case-insensitively (RFC 7643 §2.1)', () => {
    expect(matches('USERNAME eq "bjensen@example.com"')).toBe(true);
    expect(matches('Emails[TYPE eq "work"]')).toBe(true);
    expect(matches(`${ENTERPRISE_USER_SCHEMA.toUpperCase()}:EMPLOYEENUMBER eq "701984"`)).toBe(true);
  });

  test('a group displayName is not caseExact', () => {
    const group = renderGroup(
      { id: 'g1', version: 1, created: 'x', lastModified: 'x', data: { displayName: 'Sales' } },
      BASE,
    );
    expect(evaluateFilter(parseFilter('displayName eq "SALES"'), group, groupResourceType)).toBe(true);
  });
});

describe('multi-valued and complex attributes (RFC 7644 §3.4.2.2)', () => {
  test('a multi-valued sub-attribute matches when any element matches', () => {
    expect(matches('emails.value eq "babs@jensen.org"')).toBe(true);
    expect(matches('emails.type eq "home"')).toBe(true);
    expect(matches('emails.type eq "other"')).toBe(false);
  });

  test('a complex attribute named without sub-attribute compares its value sub-attribute', () => {
    expect(matches('emails eq "babs@jensen.org"')).toBe(true);
    expect(matches('emails co "@jensen"')).toBe(true);
    expect(matches(`${ENTERPRISE_USER_SCHEMA}:manager eq "26118915-6090-4610-87e4-49d8ca9f808d"`)).toBe(true);
    expect(matches('groups eq "e9e30dba-f08f-4109-8486-d5c6a331660a"')).toBe(true);
  });

  test('a value filter needs one element to satisfy every condition; dotted paths may use different elements', () => {
    expect(matches('emails.type eq "work" and emails.value co "@jensen.org"')).toBe(true);
    expect(matches('emails[type eq "work" and value co "@jensen.org"]')).toBe(false);
    expect(matches('emails[type eq "home" and value co "@jensen.org"]')).toBe(true);
  });

  test('a value filter on a single-valued complex attribute tests that one value', () => {
    expect(matches('name[givenName eq "barbara" and familyName sw "o\'"]')).toBe(true);
  });

  test('Entra\'s uniqueness query emails[type eq "work"].value eq … (reference §1.1, M1)', () => {
    expect(matches('emails[type eq "work"].value eq "BJENSEN@example.com"')).toBe(true);
    expect(matches('emails[type eq "home"].value eq "bjensen@example.com"')).toBe(false);
  });

  test('a group is found by one of its members', () => {
    const group = renderGroup(
      { id: 'g1', version: 1, created: 'x', lastModified: 'x', data: { displayName: 'Sales' } },
      BASE,
      [
        { value: 'u1', type: 'User', display: 'Ann' },
        { value: 'u2', type: 'User', display: null },
      ],
    );
    const on = (filter: string) => evaluateFilter(parseFilter(filter), group, groupResourceType);
    expect(on('members[value eq "u2"]')).toBe(true);
    expect(on('members.value eq "u1"')).toBe(true);
    expect(on('members eq "u3"')).toBe(false);
  });

  test('matchesElement tests one element, as PATCH value filters do (RFC 7644 §3.5.2)', () => {
    const emails = findAttribute(userResourceType.schema.attributes, 'emails');
    expect(matchesElement(parseFilter('type eq "WORK"'), { type: 'work', value: 'a' }, emails)).toBe(true);
    expect(matchesElement(parseFilter('type eq "work"'), { type: 'home' }, emails)).toBe(false);
  });

  test('an element that is not an object is its own value when the attribute is not complex', () => {
    expect(matchesElement(parseFilter('value eq "a"'), 'A', undefined)).toBe(true);
    expect(matchesElement(parseFilter('type eq "a"'), 'a', undefined)).toBe(false);
  });
});

describe('absent values, ne, null and pr (RFC 7644 §3.4.2.2)', () => {
  test('ne on an absent attribute is true: nothing there equals the value', () => {
    expect(matches('profileUrl ne "https://x"')).toBe(true);
    expect(matches('title ne "Tour Guide"')).toBe(false);
  });

  test('ne on a multi-valued attribute is true only when no value is equal', () => {
    expect(matches('emails.type ne "work"')).toBe(false);
    expect(matches('emails.type ne "other"')).toBe(true);
  });

  test('eq null means not present and ne null means present', () => {
    expect(matches('profileUrl eq null')).toBe(true);
    expect(matches('title eq null')).toBe(false);
    expect(matches('title ne null')).toBe(true);
    expect(matches('nickName eq null')).toBe(true);
  });

  test('eq null looks at the whole complex attribute, not just its value', () => {
    expect(matches('name eq null')).toBe(false);
    expect(matches('addresses ne null')).toBe(true);
  });

  test('null only compares with eq and ne', () => {
    expect(rejects('title gt null')).toMatch(/cannot compare with null/);
    expect(rejects('title co null')).toMatch(/cannot compare with null/);
  });

  test('pr is false for an empty string, an empty array and an object of empty values', () => {
    expect(matches('nickName pr')).toBe(false);
    expect(matches('entitlements pr')).toBe(false);
    expect(matches('name pr', { ...bjensen, name: {} })).toBe(false);
    expect(matches('name pr', { ...bjensen, name: { givenName: '', familyName: null } })).toBe(false);
    expect(matches('title pr', { ...bjensen, title: null })).toBe(false);
  });

  test('pr on a complex attribute without a value sub-attribute is true when any part is set', () => {
    expect(matches('name pr')).toBe(true);
    expect(matches('addresses pr')).toBe(true);
    expect(matches('meta pr')).toBe(true);
  });

  test('pr on a sub-attribute looks at that sub-attribute', () => {
    expect(matches('name.middleName pr')).toBe(false);
    expect(matches('addresses.locality pr')).toBe(true);
    expect(matches('emails.primary pr')).toBe(true);
  });

  test('isPresent: false is a value, an empty object is not', () => {
    expect(isPresent(false)).toBe(true);
    expect(isPresent(0)).toBe(true);
    expect(isPresent({})).toBe(false);
    expect(isPresent(['x'])).toBe(true);
    expect(isPresent([])).toBe(false);
  });
});

describe('booleans (RFC 7643 §2.3.2) and Entra\'s "True"/"False" strings (reference §1.4, §1.5)', () => {
  test('a boolean attribute matches a boolean literal', () => {
    expect(matches('active eq true')).toBe(true);
    expect(matches('active eq false')).toBe(false);
    expect(matches('active ne false')).toBe(true);
  });

  test('a boolean attribute matches "True"/"False" strings in any case', () => {
    expect(matches('active eq "True"')).toBe(true);
    expect(matches('active eq "FALSE"')).toBe(false);
  });

  test('roles[primary eq "True"] finds the primary role (SingleAppRoleAssignment, M3)', () => {
    expect(matches('roles[primary eq "True"]')).toBe(true);
    expect(matches('roles[primary eq "True" and value eq "admin"]')).toBe(true);
    expect(matches('roles[primary eq "False"]')).toBe(false);
  });

  test('a stored "false" string still counts as false (Entra POSTs "primary": "false")', () => {
    const user = { ...bjensen, roles: [{ value: 'User', primary: 'false' }] };
    expect(matches('roles[primary eq false]', user)).toBe(true);
    expect(matches('roles[primary eq true]', user)).toBe(false);
  });

  test('a string that is not a boolean is rejected for a boolean attribute', () => {
    expect(rejects('active eq "yes"')).toMatch(/Expected true or false, found "yes"/);
  });
});

describe('ordering (RFC 7644 §3.4.2.2 gt/ge/lt/le)', () => {
  test('dateTime compares chronologically, not as text', () => {
    // 06:42:34+02:00 is the same instant as 04:42:34Z although it sorts after it as text.
    expect(matches('meta.lastModified ge "2011-05-13T06:42:34+02:00"')).toBe(true);
    expect(matches('meta.lastModified gt "2011-05-13T06:42:34+02:00"')).toBe(false);
    expect(matches('meta.lastModified lt "2011-05-13T04:42:34.001Z"')).toBe(true);
    expect(matches('meta.created lt "2011-05-13T04:42:34Z"')).toBe(true);
  });

  test('an unparseable dateTime literal is an invalid filter', () => {
    expect(rejects('meta.lastModified gt "yesterday"')).toMatch(/Expected a dateTime, found "yesterday"/);
  });

  test('a dateTime substring match uses the text as stored', () => {
    expect(matches('meta.created sw "2010-01"')).toBe(true);
  });

  test('strings order lexicographically, case-insensitively unless caseExact', () => {
    expect(matches('userName gt "a"')).toBe(true);
    expect(matches('userName lt "C"')).toBe(true);
    expect(matches('userName ge "bjensen@example.com"')).toBe(true);
    expect(matches('userName le "BJENSEN@EXAMPLE.COM"')).toBe(true);
    // caseExact: "b" (0x62) sorts after "B" (0x42) and after "Z" (0x5A).
    expect(matches('externalId gt "Z"')).toBe(true);
  });

  test('numbers order numerically on schemaless attributes', () => {
    const user = { ...bjensen, badge: 42 };
    expect(matches('badge gt 9', user)).toBe(true);
    expect(matches('badge le 41.5', user)).toBe(false);
  });
});

describe('operator/type combinations rejected whatever the data (checkFilter; RFC 7644 §3.4.2.2)', () => {
  test.each([
    ['active gt true', /Operator "gt" is not defined for boolean attributes/],
    ['active co "t"', /Operator "co" is not defined for boolean attributes/],
    ['emails[primary sw "t"]', /Operator "sw" is not defined for boolean attributes/],
    ['x509Certificates.value lt "AA=="', /Operator "lt" is not defined for binary attributes/],
    ['meta.created co 5', /Expected a dateTime string, found 5/],
    ['meta.created gt 5', /Expected a dateTime string, found 5/],
    ['meta.lastModified eq true', /Expected a dateTime string, found true/],
  ])('%s', (filter, message) => {
    expect(() => checkFilter(parseFilter(filter), userResourceType)).toThrow(message);
    // Rejected on a resource that does not even hold the attribute, so SQL and memory agree.
    expect(rejects(filter, { id: 'x' })).toMatch(message);
  });

  test("numbers against schemaless attributes take the literal's type, so substring operators are rejected", () => {
    expect(rejects('badge co 4')).toMatch(/Operator "co" is not defined for numbers/);
  });

  test('a number compared with a string attribute is compared as its text', () => {
    expect(matches('title eq 5', { ...bjensen, title: '5' })).toBe(true);
  });
});

describe('extension and schemaless attributes (RFC 7643 §3.3, §4.3)', () => {
  test('enterprise extension attributes are reached through their URN', () => {
    expect(matches(`${ENTERPRISE_USER_SCHEMA}:employeeNumber eq "701984"`)).toBe(true);
    expect(matches(`${ENTERPRISE_USER_SCHEMA}:department sw "tour"`)).toBe(true);
    expect(matches(`${ENTERPRISE_USER_SCHEMA}:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`)).toBe(
      true,
    );
    expect(matches(`${ENTERPRISE_USER_SCHEMA}:manager.displayName eq "john smith"`)).toBe(true);
  });

  test('an extension attribute is not found without its URN', () => {
    expect(matches('employeeNumber eq "701984"')).toBe(false);
  });

  test('core attributes may be URN-qualified', () => {
    expect(matches(`${USER_SCHEMA}:name.givenName sw "B"`)).toBe(true);
    expect(matches(`${USER_SCHEMA}:emails[type eq "home"]`)).toBe(true);
  });

  test('unknown top-level attributes compare by their JSON type, strings case-insensitively', () => {
    const user = { ...bjensen, costCode: 'CC-17', vip: true, badge: 7 };
    expect(matches('costCode eq "cc-17"', user)).toBe(true);
    expect(matches('vip eq true', user)).toBe(true);
    expect(matches('badge eq 7', user)).toBe(true);
    expect(matches('badge eq "7"', user)).toBe(false);
  });

  test('attributes of an extension we do not know are schemaless too', () => {
    const ext = 'urn:example:params:scim:schemas:extension:acme:1.0:User';
    const user = { ...bjensen, [ext]: { costCode: 'CC-17', badges: ['a', 'B'] } };
    expect(matches(`${ext}:costCode eq "cc-17"`, user)).toBe(true);
    expect(matches(`${ext}:badges eq "b"`, user)).toBe(true);
    expect(matches(`${ext}:costCode pr`, bjensen)).toBe(false);
  });

  test('an unknown attribute that is absent matches ne and eq null only', () => {
    expect(matches('doesNotExist eq "x"')).toBe(false);
    expect(matches('doesNotExist ne "x"')).toBe(true);
    expect(matches('doesNotExist eq null')).toBe(true);
    expect(matches('doesNotExist pr')).toBe(false);
  });
});

describe('lifecycle', () => {
  test('a deactivated user is still found by userName (M1: only hard-deleted users disappear)', () => {
    const inactive = { ...bjensen, active: false };
    expect(matches('userName eq "bjensen@example.com"', inactive)).toBe(true);
    expect(matches('userName eq "bjensen@example.com" and active eq false', inactive)).toBe(true);
    expect(matches('active eq "False"', inactive)).toBe(true);
  });

  test("Entra's Test Connection query for a random GUID matches nobody (reference §1.1)", () => {
    expect(matches('userName eq "cf4d78e8-2d1b-4c9a-9d0e-7a3b2f1e0c11"')).toBe(false);
  });

  test('not (…) inverts', () => {
    expect(matches('not (userName eq "bjensen@example.com")')).toBe(false);
    expect(matches('not (active eq false)')).toBe(true);
  });
});
