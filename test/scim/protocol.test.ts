import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, startServer, type TestDirectory, type TestServer } from '../support/rollcall-server.js';

/** RFC 7644 behaviour of the SCIM endpoint that no particular IdP depends on, over real HTTP. */
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
let server: TestServer;
let dir: TestDirectory;

beforeAll(async () => {
  server = await startServer();
  dir = await server.createDirectory('acme');
});
afterAll(() => server.close());

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

describe('discovery (RFC 7644 §4)', () => {
  it('describes the service provider truthfully', async () => {
    const res = await dir.scim('GET', '/ServiceProviderConfig');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      patch: { supported: true },
      bulk: { supported: false },
      filter: { supported: true, maxResults: 1000 },
      sort: { supported: true },
      etag: { supported: true },
      changePassword: { supported: false },
      pagination: { cursor: true, index: true },
    });
  });

  it('lists the User and Group resource types with the enterprise extension', async () => {
    const res = await dir.scim('GET', '/ResourceTypes');
    expect(res.body.totalResults).toBe(2);
    const user = await dir.scim('GET', '/ResourceTypes/User');
    expect(user.body.schemaExtensions).toEqual([
      { schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', required: false },
    ]);
  });

  it('describes userName as required, unique and not case-exact', async () => {
    const res = await dir.scim('GET', '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User');
    const userName = res.body.attributes.find((a: { name: string }) => a.name === 'userName');
    expect(userName).toMatchObject({ required: true, uniqueness: 'server', caseExact: false });
  });
});

describe('errors (RFC 7644 §3.12)', () => {
  it('answers malformed JSON with 400 invalidSyntax', async () => {
    const res = await dir.scim('POST', '/Users', '{"userName": ');
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidSyntax');
  });

  it('answers a bad filter with 400 invalidFilter', async () => {
    const res = await dir.scim('GET', `/Users?filter=${encodeURIComponent('userName eq')}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ scimType: 'invalidFilter', status: '400' });
  });

  it('answers a missing userName with 400 invalidValue and stores nothing', async () => {
    const res = await dir.scim('POST', '/Users', { displayName: 'No Name' });
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidValue');
    const all = await dir.scim('GET', `/Users?filter=${encodeURIComponent('displayName eq "No Name"')}`);
    expect(all.body.totalResults).toBe(0);
  });

  it('answers PATCH errors with invalidPath, noTarget and mutability, applying none of the operations', async () => {
    const user = (await dir.scim('POST', '/Users', { userName: 'patch.errors', title: 'Before' })).body;
    const badPath = await dir.scim(
      'PATCH',
      `/Users/${user.id}`,
      patch(
        { op: 'replace', path: 'title', value: 'After' },
        { op: 'replace', path: 'emails[type eq', value: 'x' },
      ),
    );
    expect(badPath.status).toBe(400);
    expect(badPath.body.scimType).toBe('invalidPath');
    const noTarget = await dir.scim('PATCH', `/Users/${user.id}`, patch({ op: 'remove' }));
    expect(noTarget.body.scimType).toBe('noTarget');
    const readOnly = await dir.scim(
      'PATCH',
      `/Users/${user.id}`,
      patch({ op: 'replace', path: 'title', value: 'After' }, { op: 'replace', path: 'groups', value: [] }),
    );
    expect(readOnly.body.scimType).toBe('mutability');
    const read = await dir.scim('GET', `/Users/${user.id}`);
    expect(read.body.title).toBe('Before');
  });

  it('answers an over-large body with 413', async () => {
    const res = await dir.scim('POST', '/Users', { userName: 'big', title: 'x'.repeat(11 * 1024 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
  });

  it('answers an unknown endpoint with a SCIM 404', async () => {
    const res = await dir.scim('GET', '/Widgets');
    expect(res.status).toBe(404);
    expect(res.body.status).toBe('404');
  });

  it('accepts application/json as well as application/scim+json', async () => {
    const res = await dir.scim('POST', '/Users', JSON.stringify({ userName: 'plain.json' }), {
      'content-type': 'application/json',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
  });
});

describe('ETags (RFC 7644 §3.14)', () => {
  it('returns meta.version as ETag and refuses a stale If-Match with 412', async () => {
    const created = await dir.scim('POST', '/Users', { userName: 'etag.user' });
    const etag = created.headers.get('etag');
    expect(etag).toBe(created.body.meta.version);
    const first = await dir.scim(
      'PATCH',
      `/Users/${created.body.id}`,
      patch({ op: 'replace', path: 'title', value: 'One' }),
      { 'if-match': etag! },
    );
    expect(first.status).toBe(200);
    const stale = await dir.scim(
      'PATCH',
      `/Users/${created.body.id}`,
      patch({ op: 'replace', path: 'title', value: 'Two' }),
      { 'if-match': etag! },
    );
    expect(stale.status).toBe(412);
    const read = await dir.scim('GET', `/Users/${created.body.id}`);
    expect(read.body.title).toBe('One');
    const stalePut = await dir.scim(
      'PUT',
      `/Users/${created.body.id}`,
      { userName: 'etag.user' },
      { 'if-match': etag! },
    );
    expect(stalePut.status).toBe(412);
    const staleDelete = await dir.scim('DELETE', `/Users/${created.body.id}`, undefined, {
      'if-match': etag!,
    });
    expect(staleDelete.status).toBe(412);
  });
});

describe('listing (RFC 7644 §3.4.2, RFC 9865)', () => {
  let listing: TestDirectory;
  beforeAll(async () => {
    listing = await server.createDirectory('lister');
    for (let i = 0; i < 25; i++)
      await listing.scim('POST', '/Users', {
        userName: `user${String(i).padStart(2, '0')}`,
        title: i % 2 ? 'odd' : 'even',
      });
  });

  it('pages with startIndex and count in a stable order', async () => {
    const first = await listing.scim('GET', '/Users?startIndex=1&count=10');
    const second = await listing.scim('GET', '/Users?startIndex=11&count=10');
    const third = await listing.scim('GET', '/Users?startIndex=21&count=10');
    expect(first.body).toMatchObject({ totalResults: 25, itemsPerPage: 10, startIndex: 1 });
    expect(third.body.itemsPerPage).toBe(5);
    const names = [...first.body.Resources, ...second.body.Resources, ...third.body.Resources].map(
      (u: { userName: string }) => u.userName,
    );
    expect(names).toEqual(Array.from({ length: 25 }, (_, i) => `user${String(i).padStart(2, '0')}`));
  });

  it('sorts by userName descending', async () => {
    const res = await listing.scim('GET', '/Users?sortBy=userName&sortOrder=descending&count=3');
    expect(res.body.Resources.map((u: { userName: string }) => u.userName)).toEqual([
      'user24',
      'user23',
      'user22',
    ]);
  });

  it('returns only the requested attributes, and id always', async () => {
    const res = await listing.scim('GET', '/Users?attributes=userName&count=1');
    expect(Object.keys(res.body.Resources[0]).sort()).toEqual(expect.arrayContaining(['id', 'userName']));
    expect(res.body.Resources[0].title).toBeUndefined();
  });

  it('searches with POST /.search', async () => {
    const res = await listing.scim('POST', '/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'title eq "odd" and userName sw "user1"',
      count: 100,
    });
    expect(res.status).toBe(200);
    expect(res.body.Resources.map((u: { userName: string }) => u.userName)).toEqual([
      'user11',
      'user13',
      'user15',
      'user17',
      'user19',
    ]);
  });

  it('walks with cursors while users are created and deleted, serving every surviving user once', async () => {
    const walk = await server.createDirectory('walker');
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await walk.scim('POST', '/Users', { userName: `w${i}` })).body.id);
    const seen: string[] = [];
    let cursor = '';
    let pages = 0;
    do {
      const res = await walk.scim('GET', `/Users?count=7&cursor=${encodeURIComponent(cursor)}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.Resources.map((u: { id: string }) => u.id));
      cursor = res.body.nextCursor ?? '';
      if (pages === 1) {
        await walk.scim('DELETE', `/Users/${ids[20]}`);
        await walk.scim('POST', '/Users', { userName: 'w-new' });
      }
      pages++;
    } while (cursor);
    const survivors = ids.filter((_, i) => i !== 20);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of survivors) expect(seen).toContain(id);
    expect(seen).not.toContain(ids[20]);
  });

  it('refuses a forged cursor with 400 invalidCursor', async () => {
    const res = await listing.scim('GET', '/Users?cursor=garbage');
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidCursor');
  });
});

describe('authentication and isolation', () => {
  it('never lets a token of one directory read or change another, in the same or another tenant', async () => {
    const a = await server.createDirectory('tenant-a');
    const b = await server.createDirectory('tenant-a');
    const c = await server.createDirectory('tenant-c');
    const user = (await a.scim('POST', '/Users', { userName: 'shared.name' })).body;
    for (const other of [b, c]) {
      const viaOtherToken = await send(`${a.scimUrl}/Users/${user.id}`, 'GET', undefined, {
        authorization: `Bearer ${other.token}`,
      });
      expect(viaOtherToken.status).toBe(401);
      const inOther = await other.scim('GET', `/Users/${user.id}`);
      expect(inOther.status).toBe(404);
      const patchOther = await other.scim(
        'PATCH',
        `/Users/${user.id}`,
        patch({ op: 'replace', path: 'title', value: 'x' }),
      );
      expect(patchOther.status).toBe(404);
      expect((await other.scim('GET', '/Users?filter=userName eq "shared.name"')).body.totalResults).toBe(0);
      // The same userName may exist in another directory.
      expect((await other.scim('POST', '/Users', { userName: 'shared.name' })).status).toBe(201);
    }
  });

  it('refuses a missing token and a revoked token with 401, and a disabled directory with 403', async () => {
    const d = await server.createDirectory('revoker');
    expect((await send(`${d.scimUrl}/Users`, 'GET')).status).toBe(401);
    const second = await server.admin.createToken(d.id);
    const tokens = await server.store.repositories.tokens.listFor(d.id);
    await server.admin.revokeToken(tokens[0]!.id);
    const revoked = await d.scim('GET', '/Users');
    expect(revoked.status).toBe(401);
    expect(revoked.body.detail).toContain('revoked');
    const rotated = await send(`${d.scimUrl}/Users`, 'GET', undefined, {
      authorization: `Bearer ${second.secret}`,
    });
    expect(rotated.status).toBe(200);
    await server.admin.setScimEnabled(d.id, false);
    const off = await send(
      `${d.scimUrl}/Users`,
      'POST',
      { userName: 'refused' },
      { authorization: `Bearer ${second.secret}` },
    );
    expect(off.status).toBe(403);
  });
});

describe('provisioning log', () => {
  it('records every request, failed ones included, without secrets', async () => {
    const d = await server.createDirectory('logged');
    await d.scim(
      'POST',
      '/Users',
      { userName: 'logged.user', password: 'hunter2' },
      { 'user-agent': 'Test Client' },
    );
    await d.scim('POST', '/Users', { userName: 'LOGGED.user' });
    await d.scim('GET', `/Users?filter=${encodeURIComponent('userName eq')}`);
    await server.app.log.flush();
    const entries = await server.admin.logs(d.id);
    expect(entries).toHaveLength(3);
    const [badFilter, dupe, create] = entries;
    expect(create).toMatchObject({
      method: 'POST',
      operation: 'create',
      resourceType: 'User',
      resourceName: 'logged.user',
      status: 201,
      client: 'Test Client',
    });
    expect(dupe).toMatchObject({ status: 409, scimType: 'uniqueness', resourceName: 'LOGGED.user' });
    expect(badFilter).toMatchObject({ status: 400, scimType: 'invalidFilter', operation: 'list' });
    const errors = await server.admin.logs(d.id, { errorsOnly: true });
    expect(errors).toHaveLength(2);
    await send(`${d.scimUrl}/Users`, 'GET', undefined, { authorization: 'Bearer wrong-token' });
    await server.app.log.flush();
    const [refused] = await server.admin.logs(d.id);
    expect(refused).toMatchObject({ status: 401, detail: expect.stringContaining('not valid') });
    expect(JSON.stringify(refused)).not.toContain('wrong-token');
    const text = JSON.stringify(entries);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain(d.token);
  });
});
