import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestDirectory, type TestServer } from '../support/rollcall-server.js';

/**
 * A NUL character (U+0000), which PostgreSQL text cannot hold, is the client's mistake on either
 * store: 400 invalidValue (the admin API: INVALID_VALUE), nothing stored, never a 500.
 */
let server: TestServer;
let directory: TestDirectory;

beforeAll(async () => {
  server = await startServer();
  directory = await server.createDirectory('acme');
});
afterAll(() => server.close());

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

describe('text with a NUL character', () => {
  it('is refused in a SCIM body (userName, an attribute, an unknown attribute, a key) and nothing is stored', async () => {
    for (const body of [
      { schemas: [USER], userName: 'nul\u0000@acme.test' },
      { schemas: [USER], userName: 'ok1@acme.test', displayName: 'A\u0000B' },
      { schemas: [USER], userName: 'ok2@acme.test', 'urn:example:custom': { note: '\u0000' } },
      { schemas: [USER], userName: 'ok3@acme.test', 'bad\u0000key': 'x' },
    ]) {
      const created = await directory.scim('POST', '/Users', body);
      expect(created.status, JSON.stringify(body)).toBe(400);
      expect(created.body.scimType).toBe('invalidValue');
      expect(created.body.detail).toContain('U+0000');
    }
    expect((await directory.scim('GET', '/Users')).body.totalResults).toBe(0);
  });

  it('is refused in a PATCH, and the user is as it was', async () => {
    const user = await directory.scim('POST', '/Users', { schemas: [USER], userName: 'ada@acme.test' });
    expect(user.status).toBe(201);
    const patched = await directory.scim('PATCH', `/Users/${user.body.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'displayName', value: 'Ada\u0000' }],
    });
    expect(patched.status).toBe(400);
    expect(patched.body.scimType).toBe('invalidValue');
    expect((await directory.scim('GET', `/Users/${user.body.id}`)).body.displayName).toBeUndefined();
  });

  it('is refused by the store in an id, as invalidValue rather than a 500', async () => {
    const read = await directory.scim('GET', '/Users/a%00b');
    expect(read.status).toBe(400);
    expect(read.body.scimType).toBe('invalidValue');
    // The filter parser refuses it before any store sees it.
    const filter = encodeURIComponent('userName eq "ada\u0000@acme.test"');
    expect((await directory.scim('GET', `/Users?filter=${filter}`)).status).toBe(400);
  });

  it('is refused by the store wherever else it comes from (the admin API), and nothing is stored', async () => {
    const created = await server.api('POST', '/tenants', { slug: 'nul', name: 'Nul\u0000 Inc' });
    expect(created.status).toBe(400);
    expect(JSON.stringify(created.body)).toContain('U+0000');
    expect((await server.api('GET', '/tenants/nul')).status).toBe(404);
  });
});
