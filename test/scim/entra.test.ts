import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, startServer, type TestDirectory, type TestServer } from '../support/rollcall-server.js';

/**
 * Microsoft Entra ID's provisioning service, replayed over real HTTP with the request shapes of
 * ../shared/reference/entra-okta-scim.md (section numbers below refer to it). Every test reads the
 * stored state back through SCIM.
 */
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

let server: TestServer;
let dir: TestDirectory;

beforeAll(async () => {
  server = await startServer();
  dir = await server.createDirectory('contoso');
});
afterAll(() => server.close());

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

async function createUser(userName: string, extra: Record<string, unknown> = {}) {
  const res = await dir.scim('POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
    externalId: `ext-${userName}`,
    userName,
    active: true,
    emails: [{ primary: true, type: 'work', value: `${userName}@contoso.com` }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
    ...extra,
  });
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

describe('Test Connection (§1.1)', () => {
  it('answers a random userName filter, form-encoded with + for spaces and no User-Agent, with an empty 200 list', async () => {
    const res = await send(
      `${dir.scimUrl}/Users?filter=userName+eq+%22cf4d78e8-1b1d-4d6b-a1f1-6f0b4a3a2b11%22`,
      'GET',
      undefined,
      { authorization: `Bearer ${dir.token}`, 'user-agent': '' },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(res.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 0,
      Resources: [],
      startIndex: 1,
      itemsPerPage: 0,
    });
  });

  it('answers the random group displayName query with excludedAttributes=members', async () => {
    const res = await dir.scim(
      'GET',
      '/Groups?excludedAttributes=members&filter=displayName+eq+%22a1b2c3d4%22',
    );
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(0);
  });

  it('works with ?aadOptscim062020 kept on every request', async () => {
    const user = await createUser('flag.user');
    const list = await dir.scim('GET', '/Users?aadOptscim062020&filter=userName+eq+%22flag.user%22');
    expect(list.body.totalResults).toBe(1);
    const get = await dir.scim('GET', `/Users/${user.id}?aadOptscim062020`);
    expect(get.status).toBe(200);
    const patched = await dir.scim(
      'PATCH',
      `/Users/${user.id}?aadOptscim062020`,
      patch({ op: 'replace', path: 'active', value: false }),
    );
    expect(patched.status).toBe(200);
    expect(patched.body.active).toBe(false);
  });

  it('also routes a tenant URL whose query precedes the resource path', async () => {
    const res = await send(
      `${dir.scimUrl}?aadOptscim062020/Users?filter=userName+eq+%22nobody%22`,
      'GET',
      undefined,
      {
        authorization: `Bearer ${dir.token}`,
      },
    );
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(0);
  });

  it('serves /Schemas as a ListResponse that includes the Group schema', async () => {
    const res = await dir.scim('GET', '/Schemas');
    expect(res.status).toBe(200);
    const ids = res.body.Resources.map((s: { id: string }) => s.id);
    expect(ids).toContain('urn:ietf:params:scim:schemas:core:2.0:Group');
    expect(ids).toContain(ENTERPRISE);
  });
});

describe('users (§1.2)', () => {
  it('creates a user with 201 and returns it with an id, and finds it by userName case-insensitively', async () => {
    const created = await createUser('Test_User_00aa00aa');
    const res = await dir.scim('GET', '/Users?filter=userName eq "test_user_00AA00AA"');
    expect(res.body.totalResults).toBe(1);
    expect(res.body.Resources[0].id).toBe(created.id);
    expect(res.body.Resources[0].userName).toBe('Test_User_00aa00aa');
  });

  it('finds a user with the non-RFC filter emails[type eq "work"].value eq', async () => {
    const created = await createUser('email.lookup');
    const res = await dir.scim(
      'GET',
      `/Users?filter=${encodeURIComponent('emails[type eq "work"].value eq "EMAIL.LOOKUP@contoso.com"')}`,
    );
    expect(res.body.totalResults).toBe(1);
    expect(res.body.Resources[0].id).toBe(created.id);
  });

  it('returns 404 for an unknown id and 409 uniqueness for a duplicate userName', async () => {
    const missing = await dir.scim('GET', '/Users/5d48a0a8e9f04aa38008');
    expect(missing.status).toBe(404);
    expect(missing.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    await createUser('dupe.user');
    const dupe = await dir.scim('POST', '/Users', { userName: 'DUPE.user' });
    expect(dupe.status).toBe(409);
    expect(dupe.body.scimType).toBe('uniqueness');
  });

  it('applies the legacy replace of a filtered email and name.familyName', async () => {
    const user = await createUser('legacy.replace');
    const res = await dir.scim(
      'PATCH',
      `/Users/${user.id}`,
      patch(
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
      ),
    );
    expect(res.status).toBe(200);
    const read = await dir.scim('GET', `/Users/${user.id}`);
    expect(read.body.emails).toEqual([{ primary: true, type: 'work', value: 'updatedEmail@microsoft.com' }]);
    expect(read.body.name.familyName).toBe('updatedFamilyName');
  });

  it('deactivates with the legacy "False" string and keeps the user readable and filterable', async () => {
    const user = await createUser('soft.deleted');
    const res = await dir.scim(
      'PATCH',
      `/Users/${user.id}`,
      patch({ op: 'Replace', path: 'active', value: 'False' }),
    );
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(false);
    const read = await dir.scim('GET', `/Users/${user.id}`);
    expect(read.body.active).toBe(false);
    const list = await dir.scim('GET', '/Users?filter=userName eq "soft.deleted"');
    expect(list.body.totalResults).toBe(1);
    const reactivated = await dir.scim(
      'PATCH',
      `/Users/${user.id}`,
      patch({ op: 'Replace', path: 'active', value: 'True' }),
    );
    expect(reactivated.body.active).toBe(true);
  });

  it('applies the compliant path-less replace with dotted and extension-URN keys (aadOptscim062020)', async () => {
    const user = await createUser('pathless');
    await dir.scim(
      'PATCH',
      `/Users/${user.id}?aadOptscim062020`,
      patch(
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'TestMhvaes@test.microsoft.com' },
        {
          op: 'replace',
          value: {
            displayName: 'Bjfe',
            'name.givenName': 'Kkom',
            'name.familyName': 'Unua',
            [`${ENTERPRISE}:employeeNumber`]: 'Aklq',
          },
        },
      ),
    );
    const read = await dir.scim('GET', `/Users/${user.id}`);
    expect(read.body.displayName).toBe('Bjfe');
    expect(read.body.name).toMatchObject({ givenName: 'Kkom', familyName: 'Unua' });
    expect(read.body[ENTERPRISE].employeeNumber).toBe('Aklq');
    expect(read.body.schemas).toContain(ENTERPRISE);
    expect(read.body.emails[0].value).toBe('TestMhvaes@test.microsoft.com');
  });

  it('creates elements on filtered add to arrays that do not exist yet', async () => {
    const res = await dir.scim('POST', '/Users', { userName: 'bare.user' });
    const id = res.body.id;
    await dir.scim(
      'PATCH',
      `/Users/${id}`,
      patch(
        { op: 'add', path: 'emails[type eq "work"].value', value: 'godfrey@vonruedenmueller.com' },
        { op: 'Replace', path: 'addresses[type eq "work"].formatted', value: '18/2111' },
        { op: 'Add', path: `${ENTERPRISE}:department`, value: 'Retail' },
        { op: 'Add', path: 'nickName', value: 'Babs' },
      ),
    );
    const read = await dir.scim('GET', `/Users/${id}`);
    expect(read.body.emails).toEqual([{ type: 'work', value: 'godfrey@vonruedenmueller.com' }]);
    expect(read.body.addresses).toEqual([{ type: 'work', formatted: '18/2111' }]);
    expect(read.body[ENTERPRISE].department).toBe('Retail');
    expect(read.body.nickName).toBe('Babs');
  });

  it('stores values exactly as sent', async () => {
    const res = await dir.scim('POST', '/Users', {
      userName: 'verbatim',
      phoneNumbers: [{ type: 'work', value: '55555555555' }],
      timezone: 'America/Belize',
      preferredLanguage: 'dsb-DE',
    });
    const read = await dir.scim('GET', `/Users/${res.body.id}`);
    expect(read.body.phoneNumbers[0].value).toBe('55555555555');
    expect(read.body.timezone).toBe('America/Belize');
    expect(read.body.preferredLanguage).toBe('dsb-DE');
  });

  it('accepts an empty Operations array as a no-op', async () => {
    const user = await createUser('noop.user');
    const before = await dir.scim('GET', `/Users/${user.id}`);
    const res = await dir.scim('PATCH', `/Users/${user.id}`, patch());
    expect(res.status).toBe(200);
    expect(res.body.meta.version).toBe(before.body.meta.version);
  });

  it('hard-deletes with DELETE: 204, then 404', async () => {
    const user = await createUser('to.delete');
    expect((await dir.scim('DELETE', `/Users/${user.id}`)).status).toBe(204);
    expect((await dir.scim('GET', `/Users/${user.id}`)).status).toBe(404);
  });
});

describe('manager (§1.6)', () => {
  it('accepts a bare id in legacy and compliant forms, returns {value}, and clears it with ""', async () => {
    const boss = await createUser('boss');
    const boss2 = await createUser('boss2');
    const user = await createUser('employee');
    await dir.scim(
      'PATCH',
      `/Users/${user.id}`,
      patch({ op: 'Add', path: `${ENTERPRISE}:manager`, value: boss.id }),
    );
    let read = await dir.scim('GET', `/Users/${user.id}`);
    expect(read.body[ENTERPRISE].manager).toMatchObject({ value: boss.id });
    await dir.scim(
      'PATCH',
      `/Users/${user.id}`,
      patch({ op: 'replace', path: `${ENTERPRISE}:manager`, value: boss2.id }),
    );
    read = await dir.scim('GET', `/Users/${user.id}`);
    expect(read.body[ENTERPRISE].manager.value).toBe(boss2.id);
    await dir.scim(
      'PATCH',
      `/Users/${user.id}`,
      patch({ op: 'replace', path: `${ENTERPRISE}:manager`, value: '' }),
    );
    read = await dir.scim('GET', `/Users/${user.id}`);
    expect(read.body[ENTERPRISE]?.manager?.value ?? undefined).toBeUndefined();
  });

  it('accepts manager as a bare id on create', async () => {
    const res = await dir.scim('POST', '/Users', {
      userName: 'managed',
      [ENTERPRISE]: { manager: '123456' },
    });
    expect(res.status).toBe(201);
    expect(res.body[ENTERPRISE].manager).toEqual({ value: '123456' });
  });
});

describe('app roles (§1.5, seeds 000 and 002)', () => {
  it('stores SingleAppRoleAssignment on create and in PATCH, creating the primary role when none exists', async () => {
    const created = await dir.scim('POST', '/Users', {
      userName: 'role.create',
      roles: [{ primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }],
    });
    expect(created.body.roles).toEqual([
      { primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' },
    ]);

    const user = await createUser('role.patch');
    await dir.scim(
      'PATCH',
      `/Users/${user.id}`,
      patch({ op: 'Add', path: 'roles[primary eq "True"].value', value: 'Admin' }),
    );
    let read = await dir.scim('GET', `/Users/${user.id}`);
    expect(read.body.roles).toEqual([{ primary: true, value: 'Admin' }]);
    await dir.scim(
      'PATCH',
      `/Users/${user.id}`,
      patch({ op: 'Replace', path: 'roles[primary eq "True"].value', value: 'User' }),
    );
    read = await dir.scim('GET', `/Users/${user.id}`);
    expect(read.body.roles).toEqual([{ primary: true, value: 'User' }]);
  });

  it('parses AppRoleAssignmentsComplex role values that arrive as JSON strings', async () => {
    const multi = await server.createDirectory('contoso', { multiRole: true });
    const res = await multi.scim('POST', '/Users', { userName: 'complex.roles' });
    await multi.scim(
      'PATCH',
      `/Users/${res.body.id}`,
      patch({
        op: 'Add',
        path: 'roles',
        value: [
          { value: '{"id":"06b07648-ecfe-589f-9d2f-6325724a46ee","value":"Admin","displayName":"Admin"}' },
          { value: '{"id":"06b07648-ecfe-599f-9d2f-6325724a46ee","value":"User","displayName":"User"}' },
        ],
      }),
    );
    const read = await multi.scim('GET', `/Users/${res.body.id}`);
    expect(read.body.roles.map((r: { value: string }) => r.value).sort()).toEqual(['Admin', 'User']);
  });

  it("maps the display name Entra may send to the directory's role value and applies the default role", async () => {
    const natoma = await server.createDirectory('natoma', {
      roles: [
        { value: 'admin', display: 'Admin' },
        { value: 'AppAdmin', display: 'AppAdmin' },
        { value: 'member', display: 'Member' },
      ],
      defaultRole: 'member',
    });
    const admin = await natoma.scim('POST', '/Users', {
      userName: 'a@natoma',
      roles: [{ primary: true, value: 'Admin' }],
    });
    expect(admin.body.roles[0].value).toBe('admin');
    const none = await natoma.scim('POST', '/Users', { userName: 'b@natoma' });
    expect(none.body.roles).toEqual([{ value: 'member', primary: true }]);
    const bad = await natoma.scim('POST', '/Users', {
      userName: 'c@natoma',
      roles: [{ primary: true, value: 'Owner' }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.scimType).toBe('invalidValue');
    expect(bad.body.detail).toContain('admin, AppAdmin, member');
  });
});

describe('groups (§1.3)', () => {
  it('creates a group with the Microsoft group schema, finds it by displayName, renames it', async () => {
    const created = await dir.scim('POST', '/Groups', {
      schemas: [
        'urn:ietf:params:scim:schemas:core:2.0:Group',
        'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group',
      ],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
      meta: { resourceType: 'Group' },
    });
    expect(created.status).toBe(201);
    const found = await dir.scim(
      'GET',
      '/Groups?excludedAttributes=members&filter=displayName eq "displayName"',
    );
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0].members).toBeUndefined();
    const renamed = await dir.scim(
      'PATCH',
      `/Groups/${created.body.id}`,
      patch({
        op: 'Replace',
        path: 'displayName',
        value: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName',
      }),
    );
    expect(renamed.status).toBe(204);
    const read = await dir.scim('GET', `/Groups/${created.body.id}?excludedAttributes=members`);
    expect(read.body.displayName).toBe('1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName');
  });

  it('refuses a second group with the same displayName (409)', async () => {
    await dir.scim('POST', '/Groups', { displayName: 'Unique Group' });
    const dupe = await dir.scim('POST', '/Groups', { displayName: 'unique group' });
    expect(dupe.status).toBe(409);
    expect(dupe.body.scimType).toBe('uniqueness');
  });

  it('adds members in one PATCH and removes one by value array without removing the others', async () => {
    const group = await dir.scim('POST', '/Groups', { displayName: 'Natoma Admins' });
    const users = await Promise.all(['m1', 'm2', 'm3'].map((n) => createUser(`member.${n}`)));
    const add = await dir.scim(
      'PATCH',
      `/Groups/${group.body.id}`,
      patch({ op: 'Add', path: 'members', value: users.map((u) => ({ $ref: null, value: u.id })) }),
    );
    expect(add.status).toBe(204);
    const remove = await dir.scim(
      'PATCH',
      `/Groups/${group.body.id}`,
      patch({ op: 'Remove', path: 'members', value: [{ $ref: null, value: users[0]!.id }] }),
    );
    expect(remove.status).toBe(204);
    const read = await dir.scim('GET', `/Groups/${group.body.id}`);
    expect(read.body.members.map((m: { value: string }) => m.value).sort()).toEqual(
      [users[1]!.id, users[2]!.id].sort(),
    );
    const member = await dir.scim('GET', `/Users/${users[1]!.id}`);
    expect(member.body.groups).toEqual([
      expect.objectContaining({ value: group.body.id, display: 'Natoma Admins' }),
    ]);
  });

  it('removes a member with the compliant members[value eq "…"] path', async () => {
    const group = await dir.scim('POST', '/Groups', { displayName: 'Compliant Removal' });
    const [a, b] = await Promise.all([createUser('cr.a'), createUser('cr.b')]);
    await dir.scim(
      'PATCH',
      `/Groups/${group.body.id}`,
      patch({ op: 'add', path: 'members', value: [{ value: a.id }, { value: b.id }] }),
    );
    await dir.scim(
      'PATCH',
      `/Groups/${group.body.id}?aadOptscim062020`,
      patch({ op: 'remove', path: `members[value eq "${a.id}"]` }),
    );
    const read = await dir.scim('GET', `/Groups/${group.body.id}`);
    expect(read.body.members.map((m: { value: string }) => m.value)).toEqual([b.id]);
  });

  it('deletes a group with 204', async () => {
    const group = await dir.scim('POST', '/Groups', { displayName: 'Doomed' });
    expect((await dir.scim('DELETE', `/Groups/${group.body.id}`)).status).toBe(204);
    expect((await dir.scim('GET', `/Groups/${group.body.id}`)).status).toBe(404);
  });
});

describe('the validator batch (§1.2)', () => {
  it('applies one op per filtered path plus a path-less op with dotted keys, and answers 200 with the resource', async () => {
    const user = await createUser('validator.user', {
      addresses: [{ type: 'work', formatted: 'old' }],
      phoneNumbers: [{ type: 'work', value: '1' }],
    });
    const res = await dir.scim(
      'PATCH',
      `/Users/${user.id}`,
      patch(
        { op: 'replace', path: 'roles[primary eq "True"].value', value: 'JVQBTZOTYYVB' },
        { op: 'replace', path: 'phoneNumbers[type eq "work"].value', value: '+1 555 0100' },
        {
          op: 'replace',
          value: {
            active: true,
            displayName: 'QWUNAMCBRHTB',
            title: 'GWJZNRYZYFWD',
            preferredLanguage: 'dsb-DE',
            'name.givenName': 'Janessa',
            'name.familyName': 'Eloy',
            'name.formatted': 'Petra',
            [`${ENTERPRISE}:employeeNumber`]: 'PQFWQUWGUFQK',
            [`${ENTERPRISE}:department`]: 'ERQODAWELTIZ',
            userType: 'KFZAEDZCBHLI',
            nickName: 'XELTCHWSZKDN',
            locale: 'KDEDZZBGRAOB',
            timezone: 'America/Belize',
            profileUrl: 'EEASFOPRMBDT',
          },
        },
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      displayName: 'QWUNAMCBRHTB',
      title: 'GWJZNRYZYFWD',
      name: { givenName: 'Janessa', familyName: 'Eloy', formatted: 'Petra' },
      roles: [{ primary: true, value: 'JVQBTZOTYYVB' }],
      phoneNumbers: [{ type: 'work', value: '+1 555 0100' }],
      [ENTERPRISE]: { employeeNumber: 'PQFWQUWGUFQK', department: 'ERQODAWELTIZ' },
    });
    const read = await dir.scim('GET', `/Users/${user.id}`);
    expect(read.body).toEqual(res.body);
  });

  it('clears an attribute replaced with "" (SCIM_Null_Update_Test)', async () => {
    const user = await createUser('null.update', { title: 'Boss' });
    await dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', path: 'title', value: '' }));
    const read = await dir.scim('GET', `/Users/${user.id}`);
    expect(read.body.title).toBeUndefined();
  });
});
