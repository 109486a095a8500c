import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, startServer, type TestDirectory, type TestServer } from '../support/rollcall-server.js';

/** Operator API keys: who may call the admin API, and what a tenant-limited key can see. */
let server: TestServer;
let acme: TestDirectory;
let globex: TestDirectory;
let acmeKey: string;

beforeAll(async () => {
  server = await startServer();
  acme = await server.createDirectory('acme');
  globex = await server.createDirectory('globex');
  acmeKey = (await server.admin.createApiKey({ tenantSlug: 'acme', name: 'acme console' })).secret;
});
afterAll(() => server.close());

describe('API keys', () => {
  it('are random 256-bit secrets with a recognisable prefix, stored only as a hash', async () => {
    const { key, secret } = await server.admin.createApiKey();
    expect(secret).toMatch(/^rck_[A-Za-z0-9_-]{43}$/);
    expect(key.prefix).toBe(secret.slice(0, 10));
    expect(JSON.stringify(await server.admin.apiKeys())).not.toContain(secret);
  });

  it('answer a missing, malformed or wrong key with 401 UNAUTHORIZED', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer rck_wrong' },
      // A SCIM token is not an API key.
      { authorization: `Bearer ${acme.token}` },
    ]) {
      const res = await send(`${server.url}/api/v1/tenants`, 'GET', undefined, headers);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ code: 'UNAUTHORIZED', message: expect.any(String) });
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });

  it('stop working once revoked, with a message saying so', async () => {
    const { key, secret } = await server.admin.createApiKey();
    expect((await server.api('GET', '/tenants', undefined, secret)).status).toBe(200);
    await server.admin.revokeApiKey(key.id);
    const res = await server.api('GET', '/tenants', undefined, secret);
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/revoked/);
  });

  it('leave the OpenAPI document public', async () => {
    expect((await server.api('GET', '/openapi.json', undefined, null)).status).toBe(200);
  });
});

describe('a tenant-limited key', () => {
  it('sees only its tenant in the list', async () => {
    const res = await server.api('GET', '/tenants', undefined, acmeKey);
    expect(res.body.items.map((t: { slug: string }) => t.slug)).toEqual(['acme']);
  });

  it('manages its own tenant', async () => {
    expect((await server.api('GET', '/tenants/acme', undefined, acmeKey)).status).toBe(200);
    expect((await server.api('GET', `/directories/${acme.id}`, undefined, acmeKey)).status).toBe(200);
    expect((await server.api('GET', `/directories/${acme.id}/users`, undefined, acmeKey)).status).toBe(200);
    const created = await server.api('POST', '/tenants/acme/directories', { name: 'rooms' }, acmeKey);
    expect(created.status).toBe(201);
    const token = await server.api('POST', `/directories/${created.body.id}/tokens`, undefined, acmeKey);
    expect(token.status).toBe(201);
  });

  it('gets 404 for everything of another tenant, and changes nothing there', async () => {
    const user = await globex.scim('POST', '/Users', { userName: 'hank@globex.test' });
    const group = await globex.scim('POST', '/Groups', { displayName: 'Globex staff' });
    const tokens = await server.api('GET', `/directories/${globex.id}/tokens`);
    const tokenId = tokens.body.items[0].id;
    const attempts = [
      ['GET', '/tenants/globex', undefined, 'TENANT_NOT_FOUND'],
      ['PATCH', '/tenants/globex', { name: 'pwned' }, 'TENANT_NOT_FOUND'],
      ['DELETE', '/tenants/globex', undefined, 'TENANT_NOT_FOUND'],
      ['GET', '/tenants/globex/directories', undefined, 'TENANT_NOT_FOUND'],
      ['POST', '/tenants/globex/directories', { name: 'x' }, 'TENANT_NOT_FOUND'],
      ['GET', `/directories/${globex.id}`, undefined, 'DIRECTORY_NOT_FOUND'],
      ['PATCH', `/directories/${globex.id}`, { scimEnabled: false }, 'DIRECTORY_NOT_FOUND'],
      ['DELETE', `/directories/${globex.id}`, undefined, 'DIRECTORY_NOT_FOUND'],
      ['POST', `/directories/${globex.id}/tokens`, undefined, 'DIRECTORY_NOT_FOUND'],
      ['GET', `/directories/${globex.id}/tokens`, undefined, 'DIRECTORY_NOT_FOUND'],
      ['DELETE', `/directories/${globex.id}/tokens/${tokenId}`, undefined, 'DIRECTORY_NOT_FOUND'],
      ['DELETE', `/directories/${acme.id}/tokens/${tokenId}`, undefined, 'TOKEN_NOT_FOUND'],
      ['GET', `/directories/${globex.id}/users`, undefined, 'DIRECTORY_NOT_FOUND'],
      ['GET', `/directories/${globex.id}/users/${user.body.id}`, undefined, 'DIRECTORY_NOT_FOUND'],
      ['GET', `/directories/${acme.id}/users/${user.body.id}`, undefined, 'USER_NOT_FOUND'],
      ['GET', `/directories/${globex.id}/groups`, undefined, 'DIRECTORY_NOT_FOUND'],
      ['GET', `/directories/${globex.id}/groups/${group.body.id}`, undefined, 'DIRECTORY_NOT_FOUND'],
      ['GET', `/directories/${acme.id}/groups/${group.body.id}`, undefined, 'GROUP_NOT_FOUND'],
      ['GET', `/directories/${globex.id}/logs`, undefined, 'DIRECTORY_NOT_FOUND'],
      ['GET', `/directories/${globex.id}/logs?format=jsonl`, undefined, 'DIRECTORY_NOT_FOUND'],
    ] as const;
    for (const [method, path, body, code] of attempts) {
      const res = await server.api(method, path, body, acmeKey);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.code, `${method} ${path}`).toBe(code);
    }
    // Globex is untouched: its tenant, directory, token and switch are as they were.
    expect((await server.api('GET', '/tenants/globex')).body.name).toBe('globex');
    expect((await server.api('GET', `/directories/${globex.id}`)).body.scimEnabled).toBe(true);
    expect((await globex.scim('GET', '/Users')).body.totalResults).toBe(1);
  });

  it('may not do what spans tenants: 403 FORBIDDEN', async () => {
    const create = await server.api('POST', '/tenants', { slug: 'sneaky' }, acmeKey);
    expect(create.status).toBe(403);
    expect(create.body.code).toBe('FORBIDDEN');
    const purge = await server.api('POST', '/logs/purge', {}, acmeKey);
    expect(purge.status).toBe(403);
    expect((await server.api('GET', '/tenants/sneaky')).status).toBe(404);
  });
});

describe('directory isolation through the admin API', () => {
  it('a user id of one directory is not found through another directory of the same tenant', async () => {
    const second = await server.createDirectory('acme');
    const user = await second.scim('POST', '/Users', { userName: 'iso@acme.test' });
    const res = await server.api('GET', `/directories/${acme.id}/users/${user.body.id}`);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('USER_NOT_FOUND');
    const found = await server.api('GET', `/directories/${second.id}/users/${user.body.id}`);
    expect(found.body.userName).toBe('iso@acme.test');
  });
});
