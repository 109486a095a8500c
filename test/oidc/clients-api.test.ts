import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/rollcall-server.js';
import { connectRaw } from '../support/test-store.js';

/** `/api/v1/oidc/clients`: the vendor's apps, registered by an operator. */
let server: TestServer;

beforeAll(async () => {
  server = await startServer();
  await server.createDirectory('acme');
});
afterAll(() => server.close());

describe('/api/v1/oidc/clients', () => {
  it('registers an app, answers its secret once, lists and deletes it', async () => {
    const created = await server.api('POST', '/oidc/clients', {
      name: 'Host app',
      redirectUris: ['https://app.test/callback', 'http://127.0.0.1:3000/callback'],
      postLogoutRedirectUris: ['https://app.test/'],
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.body).toMatchObject({
      id: expect.any(String),
      name: 'Host app',
      redirectUris: ['https://app.test/callback', 'http://127.0.0.1:3000/callback'],
      postLogoutRedirectUris: ['https://app.test/'],
      loginUri: null,
      tokenEndpointAuthMethod: 'client_secret_basic',
      issuer: `${server.url}/oidc`,
      relayState: `/oidc/launch/${created.body.id}`,
      secret: expect.stringMatching(/^rco_/),
    });
    expect(created.body.secretPrefix).toBe(created.body.secret.slice(0, 10));

    const listed = await server.api('GET', '/oidc/clients');
    expect(listed.body.items.map((c: { id: string }) => c.id)).toContain(created.body.id);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
    const one = await server.api('GET', `/oidc/clients/${created.body.id}`);
    expect(one.body).not.toHaveProperty('secret');

    const raw = await connectRaw(server.location);
    const rows = await raw.query('select * from oidc_clients where id = $1', [created.body.id]);
    await raw.close();
    expect(JSON.stringify(rows)).not.toContain(created.body.secret);

    expect((await server.api('DELETE', `/oidc/clients/${created.body.id}`)).status).toBe(204);
    const gone = await server.api('GET', `/oidc/clients/${created.body.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('OIDC_CLIENT_NOT_FOUND');
    expect((await server.api('DELETE', `/oidc/clients/${created.body.id}`)).body.code).toBe(
      'OIDC_CLIENT_NOT_FOUND',
    );
  });

  it('registers a public app without a secret', async () => {
    const created = await server.api('POST', '/oidc/clients', {
      name: 'SPA',
      redirectUris: ['https://spa.test/'],
      tokenEndpointAuthMethod: 'none',
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toBeNull();
    expect(created.body.secretPrefix).toBeNull();
  });

  it('refuses redirect URIs that could leak a code, with a typed error, and stores nothing', async () => {
    const before = (await server.api('GET', '/oidc/clients')).body.items.length;
    const cases: [unknown, string][] = [
      [{ name: 'x', redirectUris: ['http://app.test/callback'] }, 'INVALID_VALUE'],
      [{ name: 'x', redirectUris: ['https://app.test/callback#frag'] }, 'INVALID_VALUE'],
      [{ name: 'x', redirectUris: ['https://user:pw@app.test/callback'] }, 'INVALID_VALUE'],
      [{ name: 'x', redirectUris: ['/callback'] }, 'INVALID_VALUE'],
      [{ name: 'x', redirectUris: [] }, 'VALIDATION_FAILED'],
      [{ name: 'x' }, 'VALIDATION_FAILED'],
      [{ name: 'x', redirectUris: ['https://a.test/'], loginUri: 'http://a.test/login' }, 'INVALID_VALUE'],
      [
        { name: 'x', redirectUris: ['https://a.test/'], tokenEndpointAuthMethod: 'client_secret_jwt' },
        'VALIDATION_FAILED',
      ],
      [{ name: ' ', redirectUris: ['https://a.test/'] }, 'INVALID_VALUE'],
      [{ name: 'x', redirectUris: ['https://a.test/'], extra: 1 }, 'VALIDATION_FAILED'],
    ];
    for (const [body, code] of cases) {
      const res = await server.api('POST', '/oidc/clients', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code, JSON.stringify(body)).toBe(code);
    }
    expect((await server.api('GET', '/oidc/clients')).body.items).toHaveLength(before);
  });

  it('is for keys of every tenant only: a tenant-limited key gets 403', async () => {
    const { secret } = await server.admin.createApiKey({ tenantSlug: 'acme' });
    const list = await server.api('GET', '/oidc/clients', undefined, secret);
    expect(list.status).toBe(403);
    expect(list.body.code).toBe('FORBIDDEN');
    const create = await server.api(
      'POST',
      '/oidc/clients',
      { name: 'x', redirectUris: ['https://a.test/'] },
      secret,
    );
    expect(create.status).toBe(403);
    expect((await server.api('GET', '/oidc/clients', undefined, null)).status).toBe(401);
  });
});
