import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestDirectory, type TestServer } from '../support/rollcall-server.js';

/** Browsing a directory's users and groups through the admin API: search, SCIM filters, paging. */
let server: TestServer;
let dir: TestDirectory;
const ids: Record<string, string> = {};

beforeAll(async () => {
  server = await startServer();
  dir = await server.createDirectory('natoma', {
    roles: [
      { value: 'admin', display: 'Admin' },
      { value: 'AppAdmin', display: 'AppAdmin' },
      { value: 'member', display: 'Member' },
    ],
    defaultRole: 'member',
  });
  const people = [
    ['ada@natoma.test', 'Ada Lovelace', 'ada.l@mail.test', 'Admin'],
    ['grace@natoma.test', 'Grace Hopper', 'grace@navy.test', 'member'],
    ['alan@natoma.test', 'Alan Turing', 'alan@bletchley.test', undefined],
    ['edsger@natoma.test', 'Edsger Dijkstra', 'ewd@utexas.test', 'AppAdmin'],
    ['barbara@natoma.test', 'Barbara Liskov', 'liskov@mit.test', 'member'],
  ] as const;
  for (const [userName, displayName, email, role] of people) {
    const res = await dir.scim('POST', '/Users', {
      userName,
      displayName,
      emails: [{ value: email, type: 'work', primary: true }],
      ...(role && { roles: [{ value: role, primary: true }] }),
    });
    expect(res.status).toBe(201);
    ids[userName] = res.body.id;
  }
  await dir.scim('PATCH', `/Users/${ids['alan@natoma.test']}`, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'replace', path: 'active', value: false }],
  });
  for (const [name, members] of [
    ['Engineering', ['ada@natoma.test', 'edsger@natoma.test']],
    ['Navy', ['grace@natoma.test']],
    ['Research', []],
  ] as const) {
    const res = await dir.scim('POST', '/Groups', {
      displayName: name,
      members: members.map((m) => ({ value: ids[m] })),
    });
    ids[name] = res.body.id;
  }
});
afterAll(() => server.close());

const users = (query = '') => server.api('GET', `/directories/${dir.id}/users${query}`);
const names = (body: { items: { userName: string }[] }) => body.items.map((u) => u.userName);

describe('users', () => {
  it('lists summaries with roles, emails and the active flag', async () => {
    const res = await users();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ totalResults: 5, startIndex: 1, itemsPerPage: 5 });
    expect(res.body.items[0]).toEqual({
      id: ids['ada@natoma.test'],
      userName: 'ada@natoma.test',
      displayName: 'Ada Lovelace',
      externalId: null,
      active: true,
      emails: ['ada.l@mail.test'],
      roles: ['admin'],
      source: 'scim',
      provisioned: true,
      created: expect.any(String),
      lastModified: expect.any(String),
    });
    const alan = res.body.items.find((u: { userName: string }) => u.userName === 'alan@natoma.test');
    expect(alan).toMatchObject({ active: false, roles: ['member'] });
  });

  it('finds the start of userName, displayName or an email with q, case-insensitively', async () => {
    expect(names((await users('?q=GRACE%20H')).body)).toEqual(['grace@natoma.test']);
    expect(names((await users('?q=alan@bletch')).body)).toEqual(['alan@natoma.test']);
    expect(names((await users('?q=ewd')).body)).toEqual(['edsger@natoma.test']);
    expect(names((await users('?q=a')).body)).toEqual(['ada@natoma.test', 'alan@natoma.test']);
    // Text in the middle is not found: a search is a range of the indexes.
    expect((await users('?q=hopper')).body).toMatchObject({ totalResults: 0, items: [] });
    expect((await users('?q=bletchley')).body).toMatchObject({ totalResults: 0, items: [] });
    expect((await users('?q=nobody-here')).body).toMatchObject({ totalResults: 0, items: [] });
  });

  it('applies a SCIM filter, alone or with q', async () => {
    const inactive = await users(`?filter=${encodeURIComponent('active eq false')}`);
    expect(names(inactive.body)).toEqual(['alan@natoma.test']);
    const members = await users(`?filter=${encodeURIComponent('roles.value eq "member"')}`);
    expect(names(members.body).sort()).toEqual([
      'alan@natoma.test',
      'barbara@natoma.test',
      'grace@natoma.test',
    ]);
    const both = await users(`?q=barbara%20l&filter=${encodeURIComponent('roles.value eq "member"')}`);
    expect(names(both.body)).toEqual(['barbara@natoma.test']);
    const engineering = await users(`?filter=${encodeURIComponent(`groups.value eq "${ids.Engineering}"`)}`);
    expect(names(engineering.body)).toEqual(['ada@natoma.test', 'edsger@natoma.test']);
  });

  it('answers a bad filter with 400 INVALID_FILTER', async () => {
    const res = await users(`?filter=${encodeURIComponent('userName eq')}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_FILTER');
  });

  it('pages with startIndex and count', async () => {
    const first = await users('?count=2');
    const second = await users('?count=2&startIndex=3');
    expect(first.body).toMatchObject({ totalResults: 5, startIndex: 1, itemsPerPage: 2 });
    expect(second.body).toMatchObject({ totalResults: 5, startIndex: 3, itemsPerPage: 2 });
    expect([...names(first.body), ...names(second.body)]).toEqual([
      'ada@natoma.test',
      'grace@natoma.test',
      'alan@natoma.test',
      'edsger@natoma.test',
    ]);
  });

  it('walks with a cursor', async () => {
    const seen: string[] = [];
    let cursor = '';
    for (;;) {
      const page = await users(`?count=2&cursor=${encodeURIComponent(cursor)}`);
      expect(page.status).toBe(200);
      seen.push(...names(page.body));
      if (!page.body.nextCursor) break;
      cursor = page.body.nextCursor;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    const bad = await users('?cursor=garbage');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('INVALID_CURSOR');
  });

  it('validates paging parameters', async () => {
    for (const query of ['?count=abc', '?count=5000', '?startIndex=0', '?sortBy=userName']) {
      const res = await users(query);
      expect(res.status, query).toBe(400);
      expect(res.body.code, query).toBe('VALIDATION_FAILED');
      expect(res.body.field, query).toMatch(/^query\./);
    }
  });

  it('returns one user as its SCIM representation, groups included', async () => {
    const res = await server.api('GET', `/directories/${dir.id}/users/${ids['edsger@natoma.test']}`);
    expect(res.status).toBe(200);
    const scim = await dir.scim('GET', `/Users/${ids['edsger@natoma.test']}`);
    expect(res.body).toEqual({ ...scim.body, source: 'scim', provisioned: true });
    expect(res.body.groups).toEqual([
      expect.objectContaining({ value: ids.Engineering, display: 'Engineering' }),
    ]);
    const missing = await server.api('GET', `/directories/${dir.id}/users/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('USER_NOT_FOUND');
  });
});

describe('groups', () => {
  it('lists, searches and filters groups', async () => {
    const all = await server.api('GET', `/directories/${dir.id}/groups`);
    expect(all.body.items.map((g: { displayName: string }) => g.displayName)).toEqual([
      'Engineering',
      'Navy',
      'Research',
    ]);
    expect(all.body.items[0]).toEqual({
      id: ids.Engineering,
      displayName: 'Engineering',
      externalId: null,
      created: expect.any(String),
      lastModified: expect.any(String),
    });
    const q = await server.api('GET', `/directories/${dir.id}/groups?q=RES`);
    expect((await server.api('GET', `/directories/${dir.id}/groups?q=sea`)).body.items).toEqual([]);
    expect(q.body.items.map((g: { displayName: string }) => g.displayName)).toEqual(['Research']);
    const filter = encodeURIComponent(`members.value eq "${ids['grace@natoma.test']}"`);
    const f = await server.api('GET', `/directories/${dir.id}/groups?filter=${filter}`);
    expect(f.body.items.map((g: { displayName: string }) => g.displayName)).toEqual(['Navy']);
    const paged = await server.api('GET', `/directories/${dir.id}/groups?count=1&startIndex=2`);
    expect(paged.body).toMatchObject({ totalResults: 3, startIndex: 2, itemsPerPage: 1 });
  });

  it('returns one group as its SCIM representation, members included', async () => {
    const res = await server.api('GET', `/directories/${dir.id}/groups/${ids.Engineering}`);
    expect(res.status).toBe(200);
    expect(res.body.members.map((m: { value: string }) => m.value).sort()).toEqual(
      [ids['ada@natoma.test'], ids['edsger@natoma.test']].sort(),
    );
    expect(res.body.meta.location).toBe(`${dir.scimUrl}/Groups/${ids.Engineering}`);
    const missing = await server.api('GET', `/directories/${dir.id}/groups/nope`);
    expect(missing.body.code).toBe('GROUP_NOT_FOUND');
  });
});
