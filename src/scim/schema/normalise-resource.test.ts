import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidSyntaxError, InvalidValueError } from '../errors.js';
import { ENTERPRISE_USER_SCHEMA } from '../urns.js';
import { normaliseMembers, normaliseResource } from './normalise-resource.js';
import { groupResourceType, userResourceType } from './registry.js';

function fixture(path: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../../test/fixtures/idp/${path}`, import.meta.url), 'utf8'));
}

const user = (body: Record<string, unknown>) =>
  normaliseResource(userResourceType, { userName: 'bjensen', ...body });

describe('normaliseResource: IdP create bodies', () => {
  it('Entra POST /Users (M1 "Create User", reference §1.2): drops schemas, meta and the empty roles', () => {
    expect(normaliseResource(userResourceType, fixture('entra/create-user.json'))).toEqual({
      data: {
        externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
        userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
        active: true,
        emails: [
          {
            primary: true,
            type: 'work',
            value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com',
          },
        ],
        name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      },
    });
  });

  it('Entra SingleAppRoleAssignment POST keeps the primary role (reference §1.5)', () => {
    expect(
      normaliseResource(userResourceType, fixture('entra/create-user-single-app-role.json')).data.roles,
    ).toEqual([{ primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }]);
  });

  it('Entra AppRoleAssignmentsComplex POST keeps unknown sub-attributes (displayName) as sent (reference §1.5)', () => {
    expect(
      normaliseResource(userResourceType, fixture('entra/create-user-app-role-assignments-complex.json')).data
        .roles,
    ).toEqual([
      { primary: false, type: 'WindowsAzureActiveDirectoryRole', displayName: 'Admin', value: 'Admin' },
      { primary: false, type: 'WindowsAzureActiveDirectoryRole', displayName: 'User', value: 'User' },
    ]);
  });

  it('Entra POST /Groups with the legacy ADSCIM schema URN: no members key, no members (M1, reference §1.3)', () => {
    expect(normaliseResource(groupResourceType, fixture('entra/create-group.json'))).toEqual({
      data: { externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', displayName: 'displayName' },
    });
  });

  it('Okta POST /Users drops the readOnly groups and the writeOnly password (O1, reference §2.1)', () => {
    expect(normaliseResource(userResourceType, fixture('okta/create-user.json'))).toEqual({
      data: {
        userName: 'test.user@okta.local',
        name: { givenName: 'Test', familyName: 'User' },
        emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
        displayName: 'Test User',
        locale: 'en-US',
        externalId: '00ujl29u0le5T6Aj10h7',
        active: true,
      },
    });
  });

  it('Okta POST /Groups returns its empty members list separately (O1, reference §2.2)', () => {
    expect(normaliseResource(groupResourceType, fixture('okta/create-group.json'))).toEqual({
      data: { displayName: 'Test SCIMv2' },
      members: [],
    });
  });
});

describe('normaliseResource: canonical names', () => {
  it('maps attribute and sub-attribute names to the schema spelling (RFC 7643 §2.1)', () => {
    const { data } = normaliseResource(userResourceType, {
      USERNAME: 'bjensen',
      Name: { GIVENNAME: 'Barbara', familyname: 'Jensen' },
      EMAILS: [{ VALUE: 'b@example.com', Primary: true, TYPE: 'work' }],
      externalid: 'x1',
    });
    expect(data).toEqual({
      userName: 'bjensen',
      name: { givenName: 'Barbara', familyName: 'Jensen' },
      emails: [{ value: 'b@example.com', primary: true, type: 'work' }],
      externalId: 'x1',
    });
  });

  it('nests enterprise attributes under the canonical extension URN, whatever its case', () => {
    const { data } = user({
      'URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER': {
        Department: 'Sales',
        employeenumber: '42',
      },
    });
    expect(data[ENTERPRISE_USER_SCHEMA]).toEqual({ department: 'Sales', employeeNumber: '42' });
  });

  it('accepts URN-qualified attribute keys, core and extension, merging into the extension object', () => {
    const { data } = normaliseResource(userResourceType, {
      'urn:ietf:params:scim:schemas:core:2.0:User:userName': 'bjensen',
      [ENTERPRISE_USER_SCHEMA]: { department: 'Sales' },
      [`${ENTERPRISE_USER_SCHEMA}:costCenter`]: 'CC1',
      [`${ENTERPRISE_USER_SCHEMA}:manager.value`]: 'm1',
    });
    expect(data).toEqual({
      userName: 'bjensen',
      [ENTERPRISE_USER_SCHEMA]: { department: 'Sales', costCenter: 'CC1', manager: { value: 'm1' } },
    });
  });

  it('reads core-qualified members keys as members, never as data', () => {
    const { data, members } = normaliseResource(groupResourceType, {
      'urn:ietf:params:scim:schemas:core:2.0:Group:displayName': 'Admins',
      'urn:ietf:params:scim:schemas:core:2.0:Group:members': [{ value: 'u1' }],
    });
    expect(data).toEqual({ displayName: 'Admins' });
    expect(members).toEqual([{ value: 'u1' }]);
  });

  it('reads attributes nested under the core schema URN as core attributes', () => {
    const { data, members } = normaliseResource(groupResourceType, {
      'urn:ietf:params:scim:schemas:core:2.0:Group': { displayName: 'Admins', members: [{ value: 'u1' }] },
    });
    expect(data).toEqual({ displayName: 'Admins' });
    expect(members).toEqual([{ value: 'u1' }]);
  });

  it('keeps unknown attributes and unknown extension URNs as sent (schemaless)', () => {
    const custom = 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User';
    const { data } = user({
      favouriteColour: 'green',
      nested: { Any: ['thing', 1, null] },
      [custom]: { CustomAttribute: 'x', Empty: '', Gone: null },
      name: { givenName: 'B', pronunciation: 'bee' },
    });
    expect(data).toEqual({
      userName: 'bjensen',
      favouriteColour: 'green',
      nested: { Any: ['thing', 1, null] },
      [custom]: { CustomAttribute: 'x' },
      name: { givenName: 'B', pronunciation: 'bee' },
    });
  });

  it('drops id, meta, schemas, readOnly groups, writeOnly password and readOnly sub-attributes', () => {
    const { data } = user({
      id: 'mine',
      meta: { resourceType: 'User' },
      schemas: ['x'],
      groups: [{ value: 'g1' }],
      password: 'secret',
      [ENTERPRISE_USER_SCHEMA]: { manager: { value: 'm1', displayName: 'Boss' } },
    });
    expect(data).toEqual({ userName: 'bjensen', [ENTERPRISE_USER_SCHEMA]: { manager: { value: 'm1' } } });
  });

  it('drops null, "" and empty arrays/objects, at every level (RFC 7643 §2.5)', () => {
    const { data } = user({
      nickName: null,
      title: '',
      emails: [],
      phoneNumbers: [{ value: '', type: null }],
      name: { givenName: null },
      addresses: [{ formatted: '1 Main St', region: '' }],
      [ENTERPRISE_USER_SCHEMA]: { department: '' },
      unknown: null,
    });
    expect(data).toEqual({ userName: 'bjensen', addresses: [{ formatted: '1 Main St' }] });
  });

  it('stores values exactly as sent: phone numbers, time zones, language tags (M1, reference §1.2)', () => {
    const { data } = user({
      phoneNumbers: [{ value: '55555555555', type: 'work' }],
      timezone: 'America/Los_Angeles',
      preferredLanguage: 'dsb-DE',
      profileUrl: 'EEASFOPRMBDT',
    });
    expect(data).toMatchObject({
      phoneNumbers: [{ value: '55555555555', type: 'work' }],
      timezone: 'America/Los_Angeles',
      preferredLanguage: 'dsb-DE',
      profileUrl: 'EEASFOPRMBDT',
    });
  });
});

describe('normaliseResource: coercions', () => {
  it.each([
    [true, true],
    [false, false],
    ['True', true],
    ['False', false],
    ['true', true],
    ['false', false],
    ['TRUE', true],
    ['fAlSe', false],
  ])('active %j → %j (Entra legacy strings, reference §1.4)', (sent, stored) => {
    expect(user({ active: sent }).data.active).toBe(stored);
  });

  it.each([['yes'], [1], [0], [{}], [['true']]])('active %j is an invalid value', (sent) => {
    expect(() => user({ active: sent })).toThrow(InvalidValueError);
  });

  it('coerces "primary" given as a string (reference §1.5 production write-up)', () => {
    expect(
      user({
        roles: [
          { value: 'Admin', primary: 'false' },
          { value: 'User', primary: 'True' },
        ],
      }).data.roles,
    ).toEqual([
      { value: 'Admin', primary: false },
      { value: 'User', primary: true },
    ]);
  });

  it('wraps a single object given for a multi-valued attribute', () => {
    expect(user({ emails: { value: 'b@example.com', type: 'work' } }).data.emails).toEqual([
      { value: 'b@example.com', type: 'work' },
    ]);
  });

  it('turns a number given for a string attribute into a string, and keeps its digits', () => {
    expect(user({ externalId: 12345, phoneNumbers: [{ value: 5555555 }] }).data).toMatchObject({
      externalId: '12345',
      phoneNumbers: [{ value: '5555555' }],
    });
  });

  it.each([[{ a: 1 }], [['x']], [true]])('rejects %j for a simple string attribute', (sent) => {
    expect(() => user({ displayName: sent })).toThrow(InvalidValueError);
  });

  it('rejects a non-object for a complex attribute without a value sub-attribute', () => {
    expect(() => user({ name: 'Barbara Jensen' })).toThrow(InvalidValueError);
  });

  it('rejects non-object elements of a multi-valued complex attribute', () => {
    expect(() => user({ emails: ['b@example.com'] })).toThrow(InvalidValueError);
  });

  it('reads a bare manager id as {value} (Entra, reference §1.6), and "" as no manager', () => {
    expect(user({ [ENTERPRISE_USER_SCHEMA]: { manager: '271' } }).data[ENTERPRISE_USER_SCHEMA]).toEqual({
      manager: { value: '271' },
    });
    expect(user({ [ENTERPRISE_USER_SCHEMA]: { manager: 271 } }).data[ENTERPRISE_USER_SCHEMA]).toEqual({
      manager: { value: '271' },
    });
    expect(
      user({ [ENTERPRISE_USER_SCHEMA]: { manager: '', department: 'Sales' } }).data[ENTERPRISE_USER_SCHEMA],
    ).toEqual({
      department: 'Sales',
    });
    expect(
      user({ [ENTERPRISE_USER_SCHEMA]: { manager: { value: '' } } }).data[ENTERPRISE_USER_SCHEMA],
    ).toBeUndefined();
  });

  it('unwraps roles whose value is a stringified JSON app role (AppRoleAssignmentsComplex, reference §1.5)', () => {
    const roles = user({
      roles: [
        {
          value: '{"id":"06b07648-ecfe-589f-9d2f-6325724a46ee","value":"Admin","displayName":"Admin"}',
          primary: 'false',
        },
        {
          value: '{"id":"06b07648-ecfe-599f-9d2f-6325724a46ee","value":"User","displayName":"User"}',
          display: 'Mine',
        },
      ],
    }).data.roles;
    expect(roles).toEqual([
      { value: 'Admin', display: 'Admin', primary: false },
      { value: 'User', display: 'Mine' },
    ]);
  });

  it('keeps values that merely look like JSON', () => {
    expect(
      user({ roles: [{ value: '{not json' }, { value: '{"noValue":1}' }, { value: '[1]' }] }).data.roles,
    ).toEqual([{ value: '{not json' }, { value: '{"noValue":1}' }, { value: '[1]' }]);
  });
});

describe('normaliseResource: validation', () => {
  it.each([[null], ['x'], [[]], [42]])('a body that is not an object (%j) is invalid syntax', (body) => {
    expect(() => normaliseResource(userResourceType, body)).toThrow(InvalidSyntaxError);
  });

  it.each([[{}], [{ userName: '' }], [{ userName: null }], [{ userName: '   ' }], [{ userName: { a: 1 } }]])(
    'a user needs a non-empty userName: %j',
    (body) => {
      expect(() => normaliseResource(userResourceType, body)).toThrow(/userName/);
      expect(() => normaliseResource(userResourceType, body)).toThrow(InvalidValueError);
    },
  );

  it('a group needs a displayName', () => {
    expect(() => normaliseResource(groupResourceType, { externalId: 'x' })).toThrow(/displayName/);
  });

  it('allows at most one primary value per attribute (RFC 7643 §2.4)', () => {
    expect(() =>
      user({
        emails: [
          { value: 'a@x', primary: true },
          { value: 'b@x', primary: 'True' },
        ],
      }),
    ).toThrow(InvalidValueError);
    expect(
      user({
        emails: [
          { value: 'a@x', primary: true },
          { value: 'b@x', primary: false },
        ],
      }).data.emails,
    ).toHaveLength(2);
  });

  it('an extension URN must hold an object', () => {
    expect(() => user({ [ENTERPRISE_USER_SCHEMA]: 'Sales' })).toThrow(InvalidValueError);
  });

  it('ignores __proto__ keys instead of replacing the prototype', () => {
    const body = JSON.parse(
      '{"userName":"b","__proto__":{"polluted":true},"name":{"__proto__":{"x":1},"givenName":"B"}}',
    );
    const { data } = normaliseResource(userResourceType, body);
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(data.name)).toBe(Object.prototype);
    expect((data as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('normaliseResource: members', () => {
  it('returns members separately, keeping value and type, ignoring $ref and display', () => {
    const result = normaliseResource(groupResourceType, {
      displayName: 'Admins',
      members: [
        { value: 'u1', $ref: null, display: 'Barbara' },
        { value: 'g1', type: 'group' },
        { value: 'u2', type: 'USER', $ref: 'https://x/Users/u2' },
      ],
    });
    expect(result).toEqual({
      data: { displayName: 'Admins' },
      members: [{ value: 'u1' }, { value: 'g1', type: 'Group' }, { value: 'u2', type: 'User' }],
    });
  });

  it('reads members: null as an empty list, and a single object as a list of one', () => {
    expect(normaliseResource(groupResourceType, { displayName: 'A', members: null }).members).toEqual([]);
    expect(normaliseMembers({ value: 'u1' })).toEqual([{ value: 'u1' }]);
  });

  it.each([
    [['u1']],
    [[{ display: 'x' }]],
    [[{ value: 5 }]],
    [[{ value: '' }]],
    [[{ value: 'u1', type: 'Robot' }]],
  ])('rejects a malformed member list %j', (members) => {
    expect(() => normaliseResource(groupResourceType, { displayName: 'A', members })).toThrow(
      InvalidValueError,
    );
  });

  it('keeps a members key on a user as a schemaless attribute', () => {
    expect(user({ members: [{ value: 'x' }] }).data.members).toEqual([{ value: 'x' }]);
  });
});
