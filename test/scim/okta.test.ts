import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, startServer, type TestDirectory, type TestServer } from '../support/rollcall-server.js';

/** Okta's SCIM 2.0 client and its Runscope SPEC test (reference §2), over real HTTP. */
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const OKTA_HEADERS = {
  'user-agent': 'Okta SCIM Client 1.0.0',
  accept: 'application/scim+json',
  'accept-charset': 'utf-8',
  'content-type': 'application/scim+json; charset=utf-8',
};

let server: TestServer;
let dir: TestDirectory;

beforeAll(async () => {
  server = await startServer();
  dir = await server.createDirectory('okta-org');
});
afterAll(() => server.close());

const oktaUser = (userName: string) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName,
  name: { givenName: 'Test', familyName: 'User' },
  emails: [{ primary: true, value: userName, type: 'work' }],
  displayName: 'Test User',
  locale: 'en-US',
  externalId: '00ujl29u0le5T6Aj10h7',
  groups: [],
  password: '1mz050nq',
  active: true,
});

describe('Okta user lifecycle (§2.1, §2.3)', () => {
  it('runs the SPEC test sequence', async () => {
    // R6 create, R7 get, R8 duplicate
    const created = await dir.scim('POST', '/Users', oktaUser('test.user@okta.local'), OKTA_HEADERS);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      active: true,
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
    });
    expect(created.body.password).toBeUndefined();
    expect(created.body.groups).toEqual([]);
    const id = created.body.id;
    expect((await dir.scim('GET', `/Users/${id}`, undefined, OKTA_HEADERS)).body.id).toBe(id);
    const dupe = await dir.scim('POST', '/Users', oktaUser('test.user@okta.local'), OKTA_HEADERS);
    expect(dupe.status).toBe(409);

    // R1 paging fields are integers
    const page = await dir.scim('GET', '/Users?count=1&startIndex=1', undefined, OKTA_HEADERS);
    expect(page.body).toMatchObject({ itemsPerPage: 1, startIndex: 1, totalResults: 1 });
    expect(page.body.Resources[0].emails[0].value).toBe('test.user@okta.local');

    // R3/R5 unknown userName, R9 upper-cased userName
    const none = await dir.scim(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "nobody@okta.local"')}&startIndex=1&count=100`,
    );
    expect(none.body.totalResults).toBe(0);
    const upper = await dir.scim(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "TEST.USER@OKTA.LOCAL"')}`,
    );
    expect(upper.body.totalResults).toBe(1);

    // R4/R12 unknown id
    const missing = await dir.scim('GET', '/Users/00000000000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({
      status: '404',
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
    });
    expect(missing.body.detail).toBeTruthy();

    // R10 groups
    expect((await dir.scim('GET', '/Groups')).status).toBe(200);
  });

  it('answers a bad token with 401, the Error schema, a detail and status "401" (R11)', async () => {
    const res = await send(`${dir.scimUrl}/Users`, 'GET', undefined, { authorization: 'Bearer nope' });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '401',
    });
    expect(res.body.detail).toBeTruthy();
  });

  it('updates a profile with GET then PUT of the whole object', async () => {
    const created = await dir.scim('POST', '/Users', oktaUser('put.user@okta.local'));
    const current = (await dir.scim('GET', `/Users/${created.body.id}`)).body;
    const res = await dir.scim('PUT', `/Users/${created.body.id}`, {
      ...current,
      name: { givenName: 'Changed', familyName: 'User' },
    });
    expect(res.status).toBe(200);
    expect(res.body.name.givenName).toBe('Changed');
    expect(res.body.meta.version).not.toBe(current.meta.version);
    const read = await dir.scim('GET', `/Users/${created.body.id}`);
    expect(read.body.name.givenName).toBe('Changed');
  });

  it('deactivates and reactivates with a path-less PATCH', async () => {
    const created = await dir.scim('POST', '/Users', oktaUser('deact.user@okta.local'));
    const off = await dir.scim('PATCH', `/Users/${created.body.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(off.body.active).toBe(false);
    const on = await dir.scim('PATCH', `/Users/${created.body.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', value: { active: true } }],
    });
    expect(on.body.active).toBe(true);
  });
});

describe('Okta group push (§2.2)', () => {
  it('creates a group with members, renames it with id in the value, and swaps members in one PATCH', async () => {
    const users = [];
    for (let i = 0; i < 3; i++)
      users.push((await dir.scim('POST', '/Users', { userName: `push${i}@okta.local` })).body);
    const group = await dir.scim('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Test SCIMv2',
      members: [{ value: users[0].id, display: users[0].userName }],
    });
    expect(group.status).toBe(201);
    expect(group.body.members).toEqual([expect.objectContaining({ value: users[0].id, type: 'User' })]);
    const id = group.body.id;

    const renamed = await dir.scim('PATCH', `/Groups/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', value: { id, displayName: 'Test SCIMv2 renamed' } }],
    });
    expect(renamed.status).toBe(204);

    await dir.scim('PATCH', `/Groups/${id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'remove', path: `members[value eq "${users[0].id}"]` },
        {
          op: 'add',
          path: 'members',
          value: [
            { value: users[1].id, display: 'push1' },
            { value: users[2].id, display: 'push2' },
          ],
        },
      ],
    });
    const read = await dir.scim('GET', `/Groups/${id}`);
    expect(read.body.displayName).toBe('Test SCIMv2 renamed');
    expect(read.body.members.map((m: { value: string }) => m.value).sort()).toEqual(
      [users[1].id, users[2].id].sort(),
    );

    const full = await dir.scim('PATCH', `/Groups/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'members', value: [{ value: users[0].id }] }],
    });
    expect(full.status).toBe(204);
    const after = await dir.scim('GET', `/Groups/${id}`);
    expect(after.body.members.map((m: { value: string }) => m.value)).toEqual([users[0].id]);
  });

  it('applies 256 member changes in one PATCH', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 256; i++)
      ids.push((await dir.scim('POST', '/Users', { userName: `bulk${i}@okta.local` })).body.id);
    const group = await dir.scim('POST', '/Groups', { displayName: 'Big push' });
    const res = await dir.scim('PATCH', `/Groups/${group.body.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }],
    });
    expect(res.status).toBe(204);
    const read = await dir.scim('GET', `/Groups/${group.body.id}`);
    expect(read.body.members).toHaveLength(256);
    const removeHalf = await dir.scim('PATCH', `/Groups/${group.body.id}`, {
      schemas: [PATCH_OP],
      Operations: ids.slice(0, 128).map((value) => ({ op: 'remove', path: `members[value eq "${value}"]` })),
    });
    expect(removeHalf.status).toBe(204);
    const after = await dir.scim('GET', `/Groups/${group.body.id}`);
    expect(after.body.members.map((m: { value: string }) => m.value).sort()).toEqual(ids.slice(128).sort());
  });

  it('deletes a pushed group', async () => {
    const group = await dir.scim('POST', '/Groups', { displayName: 'Unlinked' });
    expect((await dir.scim('DELETE', `/Groups/${group.body.id}`)).status).toBe(204);
  });
});
