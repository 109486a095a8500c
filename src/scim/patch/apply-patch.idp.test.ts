import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../json/json-value.js';
import { normaliseResource } from '../schema/normalise-resource.js';
import { groupResourceType, userResourceType } from '../schema/registry.js';
import { ENTERPRISE_USER_SCHEMA as ENTERPRISE } from '../urns.js';
import { applyPatch } from './apply-patch.js';

/** Golden request bodies from test/fixtures/idp, replayed through applyPatch (reference §1–§2). */
function fixture(path: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../../test/fixtures/idp/${path}`, import.meta.url), 'utf8'));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Patches frozen data, so any mutation of the input fails the test. */
const patchUser = (data: JsonObject, path: string) =>
  applyPatch(userResourceType, deepFreeze(data), fixture(path));
const patchGroup = (data: JsonObject, path: string) =>
  applyPatch(groupResourceType, deepFreeze(data), fixture(path));

/** The user Entra created with M1's "Create User" body (fixture entra/create-user.json). */
const entraUser = (): JsonObject =>
  normaliseResource(userResourceType, fixture('entra/create-user.json')).data;

describe('Entra users (reference §1.2, §1.4)', () => {
  it('M1 update multi-valued: replaces the work email value and the family name', () => {
    expect(patchUser(entraUser(), 'entra/patch-user-replace-email-and-family-name.json')).toEqual({
      data: {
        ...entraUser(),
        emails: [{ primary: true, type: 'work', value: 'updatedEmail@microsoft.com' }],
        name: { formatted: 'givenName familyName', familyName: 'updatedFamilyName', givenName: 'givenName' },
      },
      memberOps: [],
    });
  });

  it('M1 update single-valued: replaces userName', () => {
    expect(patchUser(entraUser(), 'entra/patch-user-replace-username.json').data).toEqual({
      ...entraUser(),
      userName: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com',
    });
  });

  it.each([
    ['entra/patch-user-disable.json'],
    ['entra/patch-user-legacy-disable.json'],
    ['entra/patch-user-optscim-disable.json'],
  ])('%s sets active to the boolean false', (path) => {
    expect(patchUser(entraUser(), path).data).toEqual({ ...entraUser(), active: false });
  });

  it.each([['entra/patch-user-legacy-add-nickname.json'], ['entra/patch-user-optscim-add-nickname.json']])(
    '%s adds nickName',
    (path) => {
      expect(patchUser(entraUser(), path).data).toEqual({ ...entraUser(), nickName: 'Babs' });
    },
  );

  it('legacy replace of several attributes, one op each (M2 without flag)', () => {
    expect(patchUser(entraUser(), 'entra/patch-user-legacy-replace-attributes.json').data).toEqual({
      ...entraUser(),
      displayName: 'Pvlo',
      emails: [{ primary: true, type: 'work', value: 'TestBcwqnm@test.microsoft.com' }],
      name: { formatted: 'givenName familyName', familyName: 'Pkqf', givenName: 'Gtfd' },
      externalId: 'Eqpj',
      [ENTERPRISE]: { employeeNumber: 'Eqpj' },
    });
  });

  it('aadOptscim062020 replace: filtered path plus a path-less value with dotted and URN keys (M2 with flag)', () => {
    expect(patchUser(entraUser(), 'entra/patch-user-optscim-replace-attributes.json').data).toEqual({
      ...entraUser(),
      displayName: 'Bjfe',
      emails: [{ primary: true, type: 'work', value: 'TestMhvaes@test.microsoft.com' }],
      name: { formatted: 'givenName familyName', familyName: 'Unua', givenName: 'Kkom' },
      [ENTERPRISE]: { employeeNumber: 'Aklq' },
    });
  });

  it('adds a work email to a user that has no emails (validator, SCIM-SDK #416)', () => {
    expect(patchUser({ userName: 'godfrey' }, 'entra/patch-user-add-work-email.json').data).toEqual({
      userName: 'godfrey',
      emails: [{ type: 'work', value: 'godfrey_stiedemann@vonruedenmueller.com' }],
    });
  });

  it('the same add updates the existing work email instead of adding a second one', () => {
    expect(patchUser(entraUser(), 'entra/patch-user-add-work-email.json').data.emails).toEqual([
      { primary: true, type: 'work', value: 'godfrey_stiedemann@vonruedenmueller.com' },
    ]);
  });

  it('legacy Replace of addresses[type eq "work"].formatted creates the work address (laravel-scim-server #34)', () => {
    expect(patchUser(entraUser(), 'entra/patch-user-legacy-replace-work-address.json').data).toEqual({
      ...entraUser(),
      addresses: [{ type: 'work', formatted: '18/2111' }],
    });
  });

  it('legacy Add of an enterprise attribute by its URN path', () => {
    expect(patchUser(entraUser(), 'entra/patch-user-legacy-add-department.json').data).toEqual({
      ...entraUser(),
      [ENTERPRISE]: { department: 'Retail' },
    });
  });

  it('the validator replace batch: primary role value and a path-less value of dotted keys', () => {
    const before = {
      ...entraUser(),
      roles: [{ primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }],
    };
    expect(patchUser(before, 'entra/patch-user-validator-replace-attributes.json').data).toEqual({
      ...entraUser(),
      roles: [{ primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'JVQBTZOTYYVB' }],
      active: true,
      displayName: 'QWUNAMCBRHTB',
      title: 'GWJZNRYZYFWD',
      preferredLanguage: 'dsb-DE',
      name: { formatted: 'Petra', familyName: 'Eloy', givenName: 'Janessa' },
      [ENTERPRISE]: { employeeNumber: 'PQFWQUWGUFQK', department: 'ERQODAWELTIZ' },
      userType: 'KFZAEDZCBHLI',
      nickName: 'XELTCHWSZKDN',
      locale: 'KDEDZZBGRAOB',
      timezone: 'America/Belize',
      profileUrl: 'EEASFOPRMBDT',
    });
  });
});

describe('Entra app roles (reference §1.5)', () => {
  it('Add roles[primary eq "True"].value creates the primary role when there is none', () => {
    expect(patchUser(entraUser(), 'entra/patch-user-add-primary-role.json').data).toEqual({
      ...entraUser(),
      roles: [{ primary: true, value: 'Admin' }],
    });
  });

  it('Add roles[primary eq "True"].value replaces the value of the existing primary role', () => {
    const before = {
      userName: 'u',
      roles: [
        { primary: false, value: 'Reader' },
        { primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'User' },
      ],
    };
    expect(patchUser(before, 'entra/patch-user-add-primary-role.json').data.roles).toEqual([
      { primary: false, value: 'Reader' },
      { primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' },
    ]);
  });

  it('Replace roles[primary eq "True"].value changes the primary role (matched against boolean true)', () => {
    const before = {
      userName: 'u',
      roles: [{ primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }],
    };
    expect(patchUser(before, 'entra/patch-user-replace-primary-role.json').data.roles).toEqual([
      { primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'User' },
    ]);
  });

  it('Replace roles[primary eq "True"].value creates the primary role on a user without one', () => {
    expect(patchUser({ userName: 'u' }, 'entra/patch-user-replace-primary-role.json').data.roles).toEqual([
      { primary: true, value: 'User' },
    ]);
  });

  it('AppRoleAssignmentsComplex: stringified JSON roles are unwrapped and appended once', () => {
    const once = patchUser({ userName: 'u' }, 'entra/patch-user-add-roles-stringified.json').data;
    expect(once.roles).toEqual([
      { value: 'Admin', display: 'Admin' },
      { value: 'User', display: 'User' },
    ]);
    expect(patchUser(once, 'entra/patch-user-add-roles-stringified.json').data).toEqual(once);
  });

  it('AssertiveAppRoleAssignmentsComplex: replace path roles swaps the whole list', () => {
    const before = {
      userName: 'u',
      roles: [
        { value: 'Admin', display: 'Admin' },
        { primary: true, value: 'Old' },
      ],
    };
    expect(patchUser(before, 'entra/patch-user-replace-roles-assertive.json').data.roles).toEqual([
      { primary: false, type: 'WindowsAzureActiveDirectoryRole', display: 'User', value: 'User' },
      { primary: false, type: 'WindowsAzureActiveDirectoryRole', display: 'Test', value: 'Test' },
    ]);
  });
});

describe('Entra manager (reference §1.6)', () => {
  it.each([
    ['entra/patch-user-legacy-add-manager.json', '271'],
    ['entra/patch-user-optscim-add-manager.json', '2c2f6fb8-254f-492e-b7fe-c09c5a61c8a2'],
  ])('%s stores the bare id as {value}', (path, id) => {
    expect(patchUser(entraUser(), path).data).toEqual({
      ...entraUser(),
      [ENTERPRISE]: { manager: { value: id } },
    });
  });

  it('replace with another bare id changes the manager (M7 manager test)', () => {
    const before = { ...entraUser(), [ENTERPRISE]: { department: 'Sales', manager: { value: '271' } } };
    expect(patchUser(before, 'entra/patch-user-replace-manager.json').data[ENTERPRISE]).toEqual({
      department: 'Sales',
      manager: { value: '8d1c0a37-6f4e-4b9a-a2d3-5e6f7a8b9c0d' },
    });
  });

  it('replace with "" clears the manager, and the extension once it is empty (M7)', () => {
    const withDepartment = {
      ...entraUser(),
      [ENTERPRISE]: { department: 'Sales', manager: { value: '271' } },
    };
    expect(patchUser(withDepartment, 'entra/patch-user-clear-manager.json').data[ENTERPRISE]).toEqual({
      department: 'Sales',
    });
    const managerOnly = { ...entraUser(), [ENTERPRISE]: { manager: { value: '271' } } };
    expect(patchUser(managerOnly, 'entra/patch-user-clear-manager.json').data).toEqual(entraUser());
    expect(patchUser(entraUser(), 'entra/patch-user-clear-manager.json').data).toEqual(entraUser());
  });
});

describe("Microsoft validator's null update (reference §1.2, M7)", () => {
  const before = (): JsonObject => ({
    userName: 'u',
    nickName: 'Nick',
    title: 'Boss',
    name: { givenName: 'Barbara', middleName: 'Jane' },
    phoneNumbers: [
      { type: 'mobile', value: '555-0100' },
      { type: 'work', value: '555-0199', primary: true },
    ],
    [ENTERPRISE]: { department: 'Sales', employeeNumber: '42' },
  });
  const after = {
    userName: 'u',
    name: { givenName: 'Barbara' },
    phoneNumbers: [{ type: 'work', value: '555-0199', primary: true }],
    [ENTERPRISE]: { employeeNumber: '42' },
  };

  it.each([['entra/patch-user-null-update-empty-string.json'], ['entra/patch-user-null-update-null.json']])(
    '%s unassigns each attribute',
    (path) => {
      expect(patchUser(before(), path).data).toEqual(after);
    },
  );

  it('is a no-op on a user that has none of the attributes', () => {
    expect(patchUser({ userName: 'u' }, 'entra/patch-user-null-update-empty-string.json').data).toEqual({
      userName: 'u',
    });
  });
});

describe('Entra groups (reference §1.3, §1.4)', () => {
  const group = (): JsonObject => ({
    displayName: 'displayName',
    externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
  });

  it('M1 rename', () => {
    expect(patchGroup(group(), 'entra/patch-group-rename.json')).toEqual({
      data: { ...group(), displayName: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName' },
      memberOps: [],
    });
  });

  it('M1 add members with "$ref": null', () => {
    expect(patchGroup(group(), 'entra/patch-group-add-members.json')).toEqual({
      data: group(),
      memberOps: [{ kind: 'add', members: [{ value: 'f648f8d5ea4e4cd38e9c' }] }],
    });
  });

  it.each([
    ['entra/patch-group-remove-members.json', 'f648f8d5ea4e4cd38e9c'],
    ['entra/patch-group-legacy-remove-member.json', 'u1091'],
    ['entra/patch-group-optscim-remove-member.json', '7f4bc1a3-285e-48ae-8202-5accb43efb0e'],
  ])('%s removes only the listed member, never everyone', (path, id) => {
    expect(patchGroup(group(), path)).toEqual({ data: group(), memberOps: [{ kind: 'remove', ids: [id] }] });
  });

  it('an empty Operations array is a no-op that still returns a new object', () => {
    const before = entraUser();
    const result = patchUser(before, 'entra/patch-user-no-operations.json');
    expect(result).toEqual({ data: before, memberOps: [] });
    expect(result.data).not.toBe(before);
  });
});

describe('Okta (reference §2.1, §2.2)', () => {
  const oktaUser = (): JsonObject =>
    normaliseResource(userResourceType, fixture('okta/create-user.json')).data;

  it('deactivates and reactivates with a path-less {"active": …}', () => {
    const deactivated = patchUser(oktaUser(), 'okta/patch-user-deactivate.json').data;
    expect(deactivated).toEqual({ ...oktaUser(), active: false });
    expect(patchUser(deactivated, 'okta/patch-user-reactivate.json').data).toEqual(oktaUser());
  });

  it('renames a group with a path-less value that echoes its id', () => {
    expect(patchGroup({ displayName: 'Test SCIM' }, 'okta/patch-group-rename.json')).toEqual({
      data: { displayName: 'Test SCIMv2' },
      memberOps: [],
    });
  });

  it('removes one member and adds another in one request, in order', () => {
    expect(patchGroup({ displayName: 'Test SCIMv2' }, 'okta/patch-group-remove-and-add-member.json')).toEqual(
      {
        data: { displayName: 'Test SCIMv2' },
        memberOps: [
          { kind: 'remove', ids: ['89bb1940-b905-4575-9e7f-6f887cfb368e'] },
          { kind: 'add', members: [{ value: '23a35c27-23d3-4c03-b4c5-6443c09e7173' }] },
        ],
      },
    );
  });

  it('pushes the full membership with replace path members', () => {
    expect(
      patchGroup({ displayName: 'Test SCIMv2' }, 'okta/patch-group-replace-members.json').memberOps,
    ).toEqual([
      {
        kind: 'replace',
        members: [
          { value: '23a35c27-23d3-4c03-b4c5-6443c09e7173' },
          { value: '89bb1940-b905-4575-9e7f-6f887cfb368e' },
        ],
      },
    ]);
  });
});
