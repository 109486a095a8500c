import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/rollcall-server.js';

/** A directory's console roles: who of a tenant's users may open the admin console through SSO. */
let server: TestServer;

beforeAll(async () => {
  server = await startServer();
  expect((await server.api('POST', '/tenants', { slug: 'natoma' })).status).toBe(201);
});
afterAll(() => server.close());

const ROLES = [
  { value: 'admin', display: 'Admin' },
  { value: 'AppAdmin' },
  { value: 'member', display: 'Member' },
];

describe('console roles', () => {
  it('default to none, and are kept as the role values they name (by value or display name)', async () => {
    const created = await server.api('POST', '/tenants/natoma/directories', {
      name: 'employees',
      roles: ROLES,
    });
    expect(created.status).toBe(201);
    expect(created.body.consoleRoles).toEqual([]);

    const changed = await server.api('PATCH', `/directories/${created.body.id}`, {
      consoleRoles: ['Admin', 'appadmin', 'admin'],
    });
    expect(changed.status).toBe(200);
    expect(changed.body.consoleRoles).toEqual(['admin', 'AppAdmin']);
    expect((await server.api('GET', `/directories/${created.body.id}`)).body.consoleRoles).toEqual([
      'admin',
      'AppAdmin',
    ]);
  });

  it('refuses a console role that is not one of the directory roles, and changes nothing', async () => {
    const created = await server.api('POST', '/tenants/natoma/directories', {
      name: 'rooms',
      roles: ROLES,
      consoleRoles: ['admin'],
    });
    expect(created.body.consoleRoles).toEqual(['admin']);
    const refused = await server.api('PATCH', `/directories/${created.body.id}`, { consoleRoles: ['owner'] });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'INVALID_VALUE' });
    expect(refused.body.message).toContain('"owner"');
    expect((await server.api('GET', `/directories/${created.body.id}`)).body.consoleRoles).toEqual(['admin']);
  });

  it('takes any value when the directory lists no roles', async () => {
    const created = await server.api('POST', '/tenants/natoma/directories', {
      name: 'open',
      consoleRoles: ['IT-Admins'],
    });
    expect(created.status).toBe(201);
    expect(created.body.consoleRoles).toEqual(['IT-Admins']);
  });
});
