import { describe, expect, it } from 'vitest';
import {
  InvalidPathError,
  InvalidSyntaxError,
  InvalidValueError,
  MutabilityError,
  NoTargetError,
  type ScimError,
} from '../errors.js';
import { compare } from '../filter/filter-node.js';
import type { JsonObject, JsonValue } from '../json/json-value.js';
import { groupResourceType, userResourceType } from '../schema/registry.js';
import { ENTERPRISE_USER_SCHEMA as ENTERPRISE, PATCH_OP } from '../urns.js';
import { applyPatch } from './apply-patch.js';

type Op = { op: string; path?: string; value?: JsonValue };

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

const body = (...Operations: Op[]) => ({ schemas: [PATCH_OP], Operations });
/** Frozen input: applyPatch must never modify what it is given. */
const patchUser = (data: JsonObject, ...ops: Op[]) =>
  applyPatch(userResourceType, deepFreeze(data), body(...ops)).data;
const patchGroup = (data: JsonObject, ...ops: Op[]) =>
  applyPatch(groupResourceType, deepFreeze(data), body(...ops));
const user = (extra: JsonObject = {}): JsonObject => ({ userName: 'bjensen', ...extra });
const group = { displayName: 'Admins' };

function expectError(run: () => unknown, type: new (...args: never[]) => ScimError, scimType: string) {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(type);
  expect((thrown as ScimError).scimType).toBe(scimType);
  expect((thrown as ScimError).status).toBe(400);
}

describe('the PatchOp body (RFC 7644 §3.5.2)', () => {
  it.each([[null], ['x'], [[]], [{}], [{ Operations: {} }], [{ Operations: 'add' }]])(
    '%j is invalid syntax',
    (bad) => {
      expectError(() => applyPatch(userResourceType, user(), bad), InvalidSyntaxError, 'invalidSyntax');
    },
  );

  it('does not require schemas, and reads Operations case-insensitively', () => {
    expect(
      applyPatch(userResourceType, user(), { operations: [{ op: 'add', path: 'title', value: 'T' }] }).data,
    ).toEqual(user({ title: 'T' }));
  });

  it.each([['Add'], ['ADD'], ['add'], ['aDd']])('op %j is case-insensitive (reference §1.4)', (op) => {
    expect(patchUser(user(), { op, path: 'title', value: 'T' })).toEqual(user({ title: 'T' }));
  });

  it.each([
    [{ op: 'move', path: 'title' }],
    [{ op: 'copy' }],
    [{ path: 'title', value: 'x' }],
    [{ op: 1 }],
    ['add'],
    [null],
  ])('operation %j is invalid syntax', (op) => {
    expectError(
      () => applyPatch(userResourceType, user(), { Operations: [op] }),
      InvalidSyntaxError,
      'invalidSyntax',
    );
  });

  it('add and replace need a value; a path must be a string', () => {
    expectError(() => patchUser(user(), { op: 'add', path: 'title' }), InvalidSyntaxError, 'invalidSyntax');
    expectError(() => patchUser(user(), { op: 'replace' }), InvalidSyntaxError, 'invalidSyntax');
    expectError(
      () => patchUser(user(), { op: 'add', path: 5 as never, value: 'x' }),
      InvalidSyntaxError,
      'invalidSyntax',
    );
  });

  it('a path-less add/replace needs an object value', () => {
    expectError(() => patchUser(user(), { op: 'replace', value: 'x' }), InvalidSyntaxError, 'invalidSyntax');
    expectError(
      () => patchUser(user(), { op: 'add', value: [{ title: 'x' }] }),
      InvalidSyntaxError,
      'invalidSyntax',
    );
    expectError(() => patchUser(user(), { op: 'add', value: null }), InvalidSyntaxError, 'invalidSyntax');
  });

  it('an empty or null path is the resource itself', () => {
    expect(patchUser(user(), { op: 'add', path: '', value: { title: 'T' } })).toEqual(user({ title: 'T' }));
    expect(patchUser(user(), { op: 'add', path: null as never, value: { title: 'T' } })).toEqual(
      user({ title: 'T' }),
    );
  });
});

describe('atomicity (RFC 7644 §3.5.2: "all operations ... or none")', () => {
  it('a failing third operation throws and leaves the input untouched', () => {
    const data = user({ title: 'Old', emails: [{ value: 'a@x.com', type: 'work' }] });
    const snapshot = structuredClone(data);
    expect(() =>
      applyPatch(
        userResourceType,
        data,
        body(
          { op: 'replace', path: 'title', value: 'New' },
          { op: 'add', path: 'emails', value: [{ value: 'b@x.com' }] },
          { op: 'replace', path: 'active', value: 'maybe' },
        ),
      ),
    ).toThrow(InvalidValueError);
    expect(data).toEqual(snapshot);
  });

  it('returns a new object that shares nothing with the input or the request', () => {
    const data = user({ name: { givenName: 'B' }, emails: [{ value: 'a@x.com' }] });
    const request = body(
      { op: 'add', path: 'x509Certificates', value: [{ value: 'abc' }] },
      { op: 'add', path: 'custom', value: { deep: [1] } },
    );
    const result = applyPatch(userResourceType, deepFreeze(data), request).data;
    expect(result).not.toBe(data);
    expect(result.name).not.toBe(data.name);
    expect(result.emails).not.toBe(data.emails);
    (request.Operations[1]!.value as { deep: number[] }).deep.push(2);
    expect(result.custom).toEqual({ deep: [1] });
  });

  it('later operations see earlier ones: remove userName, then add it back', () => {
    expect(
      patchUser(user(), { op: 'remove', path: 'userName' }, { op: 'add', path: 'userName', value: 'b2' }),
    ).toEqual({
      userName: 'b2',
    });
  });
});

describe('paths', () => {
  it.each([['emails[type eq "work"'], ['a.b.c'], ['user name'], ['emails[type eq "work"]value']])(
    'an invalid path %j is invalidPath',
    (path) => {
      expectError(
        () => patchUser(user(), { op: 'replace', path, value: 'x' }),
        InvalidPathError,
        'invalidPath',
      );
      expectError(() => patchUser(user(), { op: 'remove', path }), InvalidPathError, 'invalidPath');
    },
  );

  it.each([
    ['name[givenName eq "x"]'],
    ['userName[value eq "x"]'],
    ['custom[value eq "x"]'],
    ['urn:example:ext:1.0:User:custom[value eq "x"]'],
    [`${ENTERPRISE}:manager[value eq "x"]`],
  ])('a value filter on a non-multi-valued or unknown attribute (%j) is invalidPath', (path) => {
    expectError(
      () => patchUser(user(), { op: 'replace', path, value: 'x' }),
      InvalidPathError,
      'invalidPath',
    );
  });

  it('a filter that cannot apply to the sub-attribute type is invalidPath', () => {
    expectError(
      () => patchUser(user(), { op: 'remove', path: 'emails[primary gt true]' }),
      InvalidPathError,
      'invalidPath',
    );
  });

  it('a sub-attribute of a simple attribute is invalidPath', () => {
    expectError(
      () => patchUser(user(), { op: 'add', path: 'userName.first', value: 'x' }),
      InvalidPathError,
      'invalidPath',
    );
  });

  it('attribute names are case-insensitive and stored with the schema spelling (RFC 7643 §2.1)', () => {
    const before = user({ name: { givenName: 'B' }, emails: [{ value: 'a@x.com', type: 'work' }] });
    expect(
      patchUser(
        before,
        { op: 'replace', path: 'USERNAME', value: 'b2' },
        { op: 'replace', path: 'Name.FamilyName', value: 'Jensen' },
        { op: 'replace', path: 'EMAILS[TYPE eq "WORK"].VALUE', value: 'b@x.com' },
        {
          op: 'add',
          path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:DEPARTMENT',
          value: 'Sales',
        },
        { op: 'add', path: 'urn:ietf:params:scim:schemas:core:2.0:User:Title', value: 'T' },
        { op: 'replace', value: { NICKNAME: 'Babs', 'name.GIVENNAME': 'Barbara' } },
      ),
    ).toEqual({
      userName: 'b2',
      name: { givenName: 'Barbara', familyName: 'Jensen' },
      emails: [{ value: 'b@x.com', type: 'work' }],
      [ENTERPRISE]: { department: 'Sales' },
      title: 'T',
      nickName: 'Babs',
    });
  });
});

describe('mutability', () => {
  it.each([['id'], ['meta'], ['meta.lastModified'], ['groups'], ['groups[value eq "g1"]'], ['schemas']])(
    'a path to readOnly %j is a mutability error, for every op',
    (path) => {
      for (const op of ['add', 'replace']) {
        expectError(() => patchUser(user(), { op, path, value: 'x' }), MutabilityError, 'mutability');
      }
      expectError(() => patchUser(user(), { op: 'remove', path }), MutabilityError, 'mutability');
    },
  );

  it('a readOnly sub-attribute path is a mutability error', () => {
    expectError(
      () => patchUser(user(), { op: 'replace', path: `${ENTERPRISE}:manager.displayName`, value: 'Boss' }),
      MutabilityError,
      'mutability',
    );
  });

  it('id, meta, schemas and readOnly attributes in a path-less value are ignored (Okta echoes id, reference §2.2)', () => {
    expect(
      patchUser(user(), {
        op: 'replace',
        value: { id: 'other', meta: { version: 'x' }, schemas: [], groups: [{ value: 'g' }], title: 'T' },
      }),
    ).toEqual(user({ title: 'T' }));
  });

  it('the writeOnly password is accepted and never stored', () => {
    expect(
      patchUser(
        user(),
        { op: 'replace', path: 'password', value: 'secret' },
        { op: 'add', value: { password: 'secret' } },
        { op: 'remove', path: 'password' },
      ),
    ).toEqual(user());
  });
});

describe('add and replace of single-valued attributes', () => {
  it('add and replace set a simple attribute, with the same coercions as POST', () => {
    expect(
      patchUser(
        user(),
        { op: 'add', path: 'active', value: 'False' },
        { op: 'replace', path: 'externalId', value: 12345 },
        { op: 'add', path: 'title', value: 'T' },
        { op: 'replace', path: 'title', value: 'T2' },
      ),
    ).toEqual(user({ active: false, externalId: '12345', title: 'T2' }));
  });

  it.each([[{ a: 1 }], [[1]], [true]])('rejects %j for a string attribute', (value) => {
    expectError(
      () => patchUser(user(), { op: 'replace', path: 'title', value }),
      InvalidValueError,
      'invalidValue',
    );
  });

  it('add and replace on a complex attribute merge the given sub-attributes (RFC 7644 §3.5.2.3)', () => {
    const before = user({ name: { givenName: 'B', familyName: 'J' } });
    expect(
      patchUser(before, { op: 'replace', path: 'name', value: { familyName: 'Jensen', middleName: 'Jane' } }),
    ).toEqual(user({ name: { givenName: 'B', familyName: 'Jensen', middleName: 'Jane' } }));
    expect(
      patchUser(before, { op: 'add', path: 'name', value: { givenName: null, honorificPrefix: 'Ms' } }),
    ).toEqual(user({ name: { familyName: 'J', honorificPrefix: 'Ms' } }));
  });

  it('a complex value that clears every sub-attribute removes the attribute', () => {
    expect(
      patchUser(user({ name: { givenName: 'B' } }), {
        op: 'replace',
        path: 'name',
        value: { givenName: '' },
      }),
    ).toEqual(user());
  });

  it('manager accepts a bare id, a number, or {value} (Entra, reference §1.6)', () => {
    expect(patchUser(user(), { op: 'add', path: `${ENTERPRISE}:manager`, value: 42 })[ENTERPRISE]).toEqual({
      manager: { value: '42' },
    });
    expect(
      patchUser(user(), { op: 'add', path: `${ENTERPRISE}:manager`, value: { value: 'm1' } })[ENTERPRISE],
    ).toEqual({
      manager: { value: 'm1' },
    });
    expect(
      patchUser(user(), { op: 'add', path: `${ENTERPRISE}:manager.value`, value: 'm2' })[ENTERPRISE],
    ).toEqual({
      manager: { value: 'm2' },
    });
    expectError(
      () => patchUser(user(), { op: 'add', path: `${ENTERPRISE}:manager`, value: true }),
      InvalidValueError,
      'invalidValue',
    );
  });

  it('null or "" unassigns, on any path form (the validator null update, reference §1.2)', () => {
    const before = user({
      title: 'T',
      name: { givenName: 'B' },
      emails: [{ value: 'a@x.com' }],
      custom: 'c',
    });
    expect(
      patchUser(
        before,
        { op: 'replace', path: 'title', value: null },
        { op: 'add', path: 'name.givenName', value: '' },
        { op: 'replace', path: 'emails', value: null },
        { op: 'replace', path: 'custom', value: '' },
      ),
    ).toEqual(user());
  });

  it('a path-less value of the whole enterprise extension merges its attributes', () => {
    const before = user({ [ENTERPRISE]: { department: 'Sales', costCenter: 'C1' } });
    expect(
      patchUser(before, {
        op: 'replace',
        value: { [ENTERPRISE]: { department: 'Eng', manager: '271', costCenter: null } },
      }),
    ).toEqual(user({ [ENTERPRISE]: { department: 'Eng', manager: { value: '271' } } }));
  });

  it('the extension URN as a path takes an object, and null removes the extension', () => {
    const before = user({ [ENTERPRISE]: { department: 'Sales' } });
    expect(patchUser(before, { op: 'add', path: ENTERPRISE, value: { division: 'D' } })[ENTERPRISE]).toEqual({
      department: 'Sales',
      division: 'D',
    });
    expect(patchUser(before, { op: 'replace', path: ENTERPRISE, value: null })).toEqual(user());
    expectError(
      () => patchUser(before, { op: 'add', path: ENTERPRISE, value: 'x' }),
      InvalidValueError,
      'invalidValue',
    );
  });

  it('the core schema URN as a path reads its value like a path-less one', () => {
    expect(
      patchUser(user(), {
        op: 'replace',
        path: 'urn:ietf:params:scim:schemas:core:2.0:User',
        value: { title: 'T' },
      }),
    ).toEqual(user({ title: 'T' }));
  });
});

describe('multi-valued attributes', () => {
  const emails = [
    { value: 'work@x.com', type: 'work', primary: true },
    { value: 'home@x.com', type: 'home' },
  ];

  it('add appends, skips exact duplicates, and wraps a single object (RFC 7644 §3.5.2.1)', () => {
    expect(
      patchUser(user({ emails }), {
        op: 'add',
        path: 'emails',
        value: [
          { value: 'home@x.com', type: 'home' },
          { value: 'other@x.com', type: 'other' },
        ],
      }).emails,
    ).toEqual([...emails, { value: 'other@x.com', type: 'other' }]);
    expect(patchUser(user(), { op: 'add', path: 'emails', value: { value: 'a@x.com' } }).emails).toEqual([
      { value: 'a@x.com' },
    ]);
  });

  it('adding a primary value clears primary on the others (RFC 7644 §3.5.2)', () => {
    expect(
      patchUser(user({ emails }), {
        op: 'add',
        path: 'emails',
        value: [{ value: 'new@x.com', primary: 'True' }],
      }).emails,
    ).toEqual([
      { value: 'work@x.com', type: 'work', primary: false },
      { value: 'home@x.com', type: 'home' },
      { value: 'new@x.com', primary: true },
    ]);
  });

  it('setting primary through a filtered path clears it on the others', () => {
    expect(
      patchUser(user({ emails }), { op: 'replace', path: 'emails[type eq "home"].primary', value: 'true' })
        .emails,
    ).toEqual([
      { value: 'work@x.com', type: 'work', primary: false },
      { value: 'home@x.com', type: 'home', primary: true },
    ]);
  });

  it('more than one primary value in a request is invalidValue', () => {
    expectError(
      () =>
        patchUser(user(), {
          op: 'replace',
          path: 'emails',
          value: [
            { value: 'a@x.com', primary: true },
            { value: 'b@x.com', primary: true },
          ],
        }),
      InvalidValueError,
      'invalidValue',
    );
    expectError(
      () =>
        patchUser(user({ emails }), {
          op: 'replace',
          path: 'emails[type eq "work" or type eq "home"].primary',
          value: true,
        }),
      InvalidValueError,
      'invalidValue',
    );
  });

  it('replace without a filter replaces every value; [] removes the attribute', () => {
    expect(
      patchUser(user({ emails }), { op: 'replace', path: 'emails', value: [{ value: 'only@x.com' }] }).emails,
    ).toEqual([{ value: 'only@x.com' }]);
    expect(patchUser(user({ emails }), { op: 'replace', path: 'emails', value: [] })).toEqual(user());
    expect(patchUser(user({ emails }), { op: 'add', path: 'emails', value: [] })).toEqual(user({ emails }));
  });

  it('a filtered path without sub-attribute: add merges into the selected values, replace swaps them', () => {
    expect(
      patchUser(user({ emails }), { op: 'add', path: 'emails[type eq "home"]', value: { display: 'Home' } })
        .emails,
    ).toEqual([emails[0], { value: 'home@x.com', type: 'home', display: 'Home' }]);
    expect(
      patchUser(user({ emails }), {
        op: 'replace',
        path: 'emails[type eq "home"]',
        value: { value: 'h2@x.com', type: 'home' },
      }).emails,
    ).toEqual([emails[0], { value: 'h2@x.com', type: 'home' }]);
  });

  it('a filter matching nothing creates the element a conjunction of eq describes', () => {
    expect(
      patchUser(user(), {
        op: 'add',
        path: 'emails[type eq "work" and primary eq "True"].value',
        value: 'w@x.com',
      }).emails,
    ).toEqual([{ type: 'work', primary: true, value: 'w@x.com' }]);
    expect(
      patchUser(user({ emails }), {
        op: 'replace',
        path: 'emails[type eq "other"]',
        value: { value: 'o@x.com' },
      }).emails,
    ).toEqual([...emails, { type: 'other', value: 'o@x.com' }]);
  });

  it('a filter matching nothing that does not say what to create is noTarget (RFC 7644 §3.5.2.3)', () => {
    for (const path of [
      'emails[value co "nobody"].type',
      'emails[type eq "x" or type eq "y"].value',
      'emails[not (type eq "work")].value',
    ]) {
      expectError(() => patchUser(user(), { op: 'replace', path, value: 'x' }), NoTargetError, 'noTarget');
    }
  });

  it('a filter selects values case-insensitively unless caseExact', () => {
    expect(
      patchUser(user({ emails }), {
        op: 'replace',
        path: 'emails[value eq "WORK@X.COM"].type',
        value: 'other',
      }).emails,
    ).toEqual([{ value: 'work@x.com', type: 'other', primary: true }, emails[1]]);
  });

  it('a sub-attribute path without filter sets it on every value', () => {
    expect(patchUser(user({ emails }), { op: 'replace', path: 'emails.display', value: 'D' }).emails).toEqual(
      [
        { ...emails[0], display: 'D' },
        { ...emails[1], display: 'D' },
      ],
    );
    expect(patchUser(user(), { op: 'add', path: 'emails.value', value: 'a@x.com' }).emails).toEqual([
      { value: 'a@x.com' },
    ]);
  });
});

describe('remove (RFC 7644 §3.5.2.2)', () => {
  const emails = [
    { value: 'work@x.com', type: 'work', primary: true },
    { value: 'home@x.com', type: 'home' },
  ];

  it('needs a path', () => {
    expectError(() => patchUser(user(), { op: 'remove' }), NoTargetError, 'noTarget');
    expectError(() => patchUser(user(), { op: 'remove', value: { title: 'x' } }), NoTargetError, 'noTarget');
    expectError(
      () => patchUser(user(), { op: 'remove', path: 'urn:ietf:params:scim:schemas:core:2.0:User' }),
      NoTargetError,
      'noTarget',
    );
  });

  it('removes an attribute, a sub-attribute, and the parent once it is empty', () => {
    const before = user({ title: 'T', name: { givenName: 'B', familyName: 'J' } });
    expect(
      patchUser(before, { op: 'remove', path: 'title' }, { op: 'remove', path: 'name.givenName' }),
    ).toEqual(user({ name: { familyName: 'J' } }));
    expect(
      patchUser(before, { op: 'remove', path: 'name.givenName' }, { op: 'remove', path: 'name.familyName' }),
    ).toEqual(user({ title: 'T' }));
  });

  it('removing what is not there is a no-op', () => {
    for (const path of [
      'title',
      'name.givenName',
      'emails[type eq "work"]',
      'emails[type eq "work"].value',
      `${ENTERPRISE}:manager`,
      ENTERPRISE,
      'custom',
      'urn:example:ext:1.0:User:x',
    ]) {
      expect(patchUser(user(), { op: 'remove', path })).toEqual(user());
    }
  });

  it('a filtered path removes the selected values; the attribute goes with the last one', () => {
    expect(patchUser(user({ emails }), { op: 'remove', path: 'emails[type eq "work"]' }).emails).toEqual([
      emails[1],
    ]);
    expect(patchUser(user({ emails }), { op: 'remove', path: 'emails[value ew "@x.com"]' })).toEqual(user());
  });

  it('a filtered path with sub-attribute removes it; values left without their value go too', () => {
    expect(
      patchUser(user({ emails }), { op: 'remove', path: 'emails[type eq "work"].primary' }).emails,
    ).toEqual([{ value: 'work@x.com', type: 'work' }, emails[1]]);
    expect(
      patchUser(user({ emails }), { op: 'remove', path: 'emails[type eq "work"].value' }).emails,
    ).toEqual([emails[1]]);
    const addresses = [{ type: 'work', formatted: 'F', locality: 'L' }];
    expect(
      patchUser(user({ addresses }), { op: 'remove', path: 'addresses[type eq "work"].formatted' }).addresses,
    ).toEqual([{ type: 'work', locality: 'L' }]);
  });

  it('a value list removes only the listed values, never the whole attribute', () => {
    const roles = [
      { value: 'Admin', display: 'Admin' },
      { value: 'User' },
      { value: 'Reader', primary: true },
    ];
    expect(
      patchUser(user({ roles }), {
        op: 'remove',
        path: 'roles',
        value: [{ value: 'user' }, { value: 'nope' }],
      }).roles,
    ).toEqual([roles[0], roles[2]]);
    expect(patchUser(user({ roles }), { op: 'remove', path: 'roles', value: [] }).roles).toEqual(roles);
    expect(patchUser(user({ roles }), { op: 'remove', path: 'roles', value: null })).toEqual(user());
  });

  it('removes enterprise attributes and drops the extension once empty', () => {
    const before = user({ [ENTERPRISE]: { department: 'Sales', manager: { value: '271' } } });
    expect(patchUser(before, { op: 'remove', path: `${ENTERPRISE}:manager` })).toEqual(
      user({ [ENTERPRISE]: { department: 'Sales' } }),
    );
    expect(
      patchUser(
        before,
        { op: 'remove', path: `${ENTERPRISE}:manager.value` },
        { op: 'remove', path: `${ENTERPRISE}:department` },
      ),
    ).toEqual(user());
    expect(patchUser(before, { op: 'remove', path: ENTERPRISE })).toEqual(user());
  });
});

describe('unknown attributes', () => {
  const custom = 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User';

  it('unknown non-URN attributes are schemaless: set and removed as sent', () => {
    const after = patchUser(
      user(),
      { op: 'add', path: 'favouriteColour', value: 'green' },
      { op: 'add', value: { shoeSize: 42 } },
    );
    expect(after).toEqual(user({ favouriteColour: 'green', shoeSize: 42 }));
    expect(patchUser(after, { op: 'remove', path: 'FAVOURITECOLOUR' })).toEqual(user({ shoeSize: 42 }));
    expect(patchUser(user(), { op: 'add', path: 'custom.part', value: 'p' })).toEqual(
      user({ custom: { part: 'p' } }),
    );
  });

  it('unknown sub-attributes of known complex attributes are kept as sent', () => {
    expect(
      patchUser(user({ name: { givenName: 'B' } }), { op: 'add', path: 'name.pronunciation', value: 'bee' }),
    ).toEqual(user({ name: { givenName: 'B', pronunciation: 'bee' } }));
  });

  it('a sub-attribute of a schemaless attribute that holds a simple value is noTarget', () => {
    expectError(
      () => patchUser(user({ custom: 'c' }), { op: 'add', path: 'custom.part', value: 'p' }),
      NoTargetError,
      'noTarget',
    );
  });

  it('URN-qualified attributes of an unknown extension are stored under that URN (Entra custom extensions)', () => {
    const after = patchUser(
      user(),
      { op: 'add', path: `${custom}:CostCode`, value: 'CC1' },
      { op: 'add', value: { [`${custom}:Badge`]: 7 } },
    );
    expect(after).toEqual(user({ [custom]: { CostCode: 'CC1', Badge: 7 } }));
    expect(
      patchUser(
        after,
        { op: 'remove', path: `${custom}:costcode` },
        { op: 'remove', path: `${custom}:Badge` },
      ),
    ).toEqual(user());
  });

  it('an unknown extension URN with an object value is merged as that extension', () => {
    const before = user({ [custom]: { A: '1', B: '2' } });
    expect(patchUser(before, { op: 'replace', value: { [custom]: { B: '3', A: null, C: '4' } } })).toEqual(
      user({ [custom]: { B: '3', C: '4' } }),
    );
    expect(patchUser(before, { op: 'remove', path: custom.toUpperCase() })).toEqual(user());
  });

  it('never writes __proto__', () => {
    const value = JSON.parse(`{"${custom}": {"__proto__": {"polluted": true}, "A": "1"}}`);
    const after = patchUser(user(), { op: 'add', value });
    expect(after[custom]).toEqual({ A: '1' });
    expect(Object.getPrototypeOf(after[custom])).toBe(Object.prototype);
    expectError(
      () => patchUser(user(), { op: 'add', value: JSON.parse('{"__proto__": {"x": 1}}') }),
      InvalidPathError,
      'invalidPath',
    );
  });
});

describe('required attributes after all operations', () => {
  it('a user keeps a non-empty userName', () => {
    for (const op of [
      { op: 'remove', path: 'userName' },
      { op: 'replace', path: 'userName', value: '' },
      { op: 'replace', value: { userName: null } },
    ]) {
      expectError(() => patchUser(user(), op), InvalidValueError, 'invalidValue');
    }
  });

  it('a group keeps a displayName', () => {
    expectError(
      () => patchGroup(group, { op: 'remove', path: 'displayName' }),
      InvalidValueError,
      'invalidValue',
    );
  });
});

describe('group members become member operations', () => {
  it('every form, in request order, with data untouched', () => {
    expect(
      patchGroup(
        group,
        {
          op: 'add',
          path: 'members',
          value: [
            { value: 'u1', type: 'user' },
            { value: 'g1', type: 'Group', $ref: null },
          ],
        },
        { op: 'remove', path: 'members[value eq "a" or value eq "b"]' },
        { op: 'remove', path: 'members[type eq "Group"]' },
        { op: 'replace', path: 'MEMBERS', value: { value: 'u2', display: 'ignored' } },
        { op: 'remove', path: 'members' },
        { op: 'add', value: { members: [{ value: 'u3' }], displayName: 'Admins 2' } },
      ),
    ).toEqual({
      data: { displayName: 'Admins 2' },
      memberOps: [
        {
          kind: 'add',
          members: [
            { value: 'u1', type: 'User' },
            { value: 'g1', type: 'Group' },
          ],
        },
        { kind: 'remove', ids: ['a', 'b'] },
        { kind: 'removeWhere', filter: compare('eq', { name: 'type' }, 'Group') },
        { kind: 'replace', members: [{ value: 'u2' }] },
        { kind: 'removeAll' },
        { kind: 'add', members: [{ value: 'u3' }] },
      ],
    });
  });

  it('any filter other than a disjunction of value eq becomes removeWhere', () => {
    const { memberOps } = patchGroup(group, {
      op: 'remove',
      path: 'members[value eq "a" and type eq "User"]',
    });
    expect(memberOps).toHaveLength(1);
    expect(memberOps[0]!.kind).toBe('removeWhere');
  });

  it('replace with null or [] empties the group; add with null or [] and remove with [] change nothing', () => {
    expect(patchGroup(group, { op: 'replace', path: 'members', value: null }).memberOps).toEqual([
      { kind: 'removeAll' },
    ]);
    expect(patchGroup(group, { op: 'replace', path: 'members', value: [] }).memberOps).toEqual([
      { kind: 'replace', members: [] },
    ]);
    expect(patchGroup(group, { op: 'add', path: 'members', value: null }).memberOps).toEqual([]);
    expect(patchGroup(group, { op: 'add', path: 'members', value: [] }).memberOps).toEqual([]);
    expect(patchGroup(group, { op: 'remove', path: 'members', value: [] }).memberOps).toEqual([]);
  });

  it('members cannot be edited through a filter or a sub-attribute', () => {
    for (const op of [
      { op: 'replace', path: 'members[value eq "a"]', value: { value: 'b' } },
      { op: 'add', path: 'members[value eq "a"].display', value: 'x' },
      { op: 'remove', path: 'members.value' },
    ]) {
      expectError(() => patchGroup(group, op), MutabilityError, 'mutability');
    }
  });

  it('malformed members are invalidValue', () => {
    for (const value of [['u1'], [{ display: 'x' }], [{ value: 'u1', type: 'Robot' }]]) {
      expectError(
        () => patchGroup(group, { op: 'add', path: 'members', value }),
        InvalidValueError,
        'invalidValue',
      );
    }
  });

  it('an invalid member filter is invalidPath', () => {
    expectError(
      () => patchGroup(group, { op: 'remove', path: 'members[value eq]' }),
      InvalidPathError,
      'invalidPath',
    );
  });

  it('users have no member operations: members on a user is schemaless', () => {
    expect(
      applyPatch(userResourceType, user(), body({ op: 'add', path: 'members', value: [{ value: 'x' }] })),
    ).toEqual({
      data: user({ members: [{ value: 'x' }] }),
      memberOps: [],
    });
  });
});
