import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminService } from '../../src/directory/admin-service.js';
import { VERIFIED_TOKEN_TTL_MS } from '../../src/directory/verified-tokens.js';
import { Store } from '../../src/store/store.js';
import { send, startServer, type TestServer } from '../support/rollcall-server.js';

/**
 * A node keeps the SCIM tokens it read for two seconds (directory/verified-tokens.ts). What changes
 * through that node applies to the very next request; what changes through another node or the CLI
 * applies within the two seconds.
 */
let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const lookup = '/Users?filter=userName%20eq%20%22nobody%40acme.test%22';

/** A directory with a token of its own, used once so that the node holds it. */
async function directoryInUse(input: Parameters<TestServer['createDirectory']>[1] = {}) {
  const dir = await server.createDirectory('acme', input);
  const { token, secret } = await server.admin.createToken(dir.id);
  const scim = (method: string, path: string, body?: unknown) =>
    send(`${dir.scimUrl}${path}`, method, body, { authorization: `Bearer ${secret}` });
  expect((await scim('GET', lookup)).status).toBe(200);
  return { dir, tokenId: token.id, scim };
}

describe('changes made through this node apply to the next request', () => {
  it('a token revoked through the admin API is refused at once', async () => {
    const { dir, tokenId, scim } = await directoryInUse();
    expect((await server.api('DELETE', `/directories/${dir.id}/tokens/${tokenId}`)).status).toBe(204);
    const refused = await scim('GET', lookup);
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toMatch(/revoked/);
  });

  it('a token revoked in a unit of work (the console) is refused once it commits, not kept from before', async () => {
    const { tokenId, scim } = await directoryInUse();
    await server.store.unitOfWork(async (store) => {
      await new AdminService(store).revokeToken(tokenId);
      // A request while the revocation is not committed yet: on SQLite it waits for the
      // transaction; on PostgreSQL it reads the token as it was. Either way it must not keep that.
      const during = scim('GET', lookup);
      if (store.dialect === 'postgres') expect((await during).status).toBe(200);
      else void during.catch(() => {});
    });
    expect((await scim('GET', lookup)).status).toBe(401);
  });

  it('switching provisioning off refuses the next request (403), switching it on lets it in', async () => {
    const { dir, scim } = await directoryInUse();
    expect((await server.api('PATCH', `/directories/${dir.id}`, { scimEnabled: false })).status).toBe(200);
    expect((await scim('GET', lookup)).status).toBe(403);
    expect((await server.api('PATCH', `/directories/${dir.id}`, { scimEnabled: true })).status).toBe(200);
    expect((await scim('GET', lookup)).status).toBe(200);
  });

  it("a directory's new roles apply to the next request", async () => {
    const { dir, scim } = await directoryInUse({ roles: [{ value: 'member', display: 'Member' }] });
    const owner = { userName: 'owner@acme.test', roles: [{ primary: true, value: 'owner' }] };
    expect((await scim('POST', '/Users', owner)).status).toBe(400);
    const roles = [
      { value: 'member', display: 'Member' },
      { value: 'owner', display: 'Owner' },
    ];
    expect((await server.api('PATCH', `/directories/${dir.id}`, { roles })).status).toBe(200);
    expect((await scim('POST', '/Users', owner)).status).toBe(201);
  });

  it("a deleted directory's token is refused at once", async () => {
    const { dir, scim } = await directoryInUse();
    expect((await server.api('DELETE', `/directories/${dir.id}`)).status).toBe(204);
    expect((await scim('GET', lookup)).status).toBe(401);
  });

  it('a held token still opens its own directory only', async () => {
    const { scim } = await directoryInUse();
    const other = await server.createDirectory('acme');
    const { secret } = await server.admin.createToken(other.id);
    expect(
      (await send(`${other.scimUrl}${lookup}`, 'GET', undefined, { authorization: `Bearer ${secret}` }))
        .status,
    ).toBe(200);
    const { dir } = await directoryInUse();
    const crossed = await send(`${dir.scimUrl}${lookup}`, 'GET', undefined, {
      authorization: `Bearer ${secret}`,
    });
    expect(crossed.status).toBe(401);
    expect((await scim('GET', lookup)).status).toBe(200);
  });
});

describe('changes made elsewhere', () => {
  it('a token revoked through another node (or the CLI) is refused within the TTL', async () => {
    const { tokenId, scim } = await directoryInUse();
    const elsewhere = await Store.open(server.location.storeOptions);
    try {
      await new AdminService(elsewhere).revokeToken(tokenId);
    } finally {
      await elsewhere.close();
    }
    await new Promise((resolve) => setTimeout(resolve, VERIFIED_TOKEN_TTL_MS + 100));
    expect((await scim('GET', lookup)).status).toBe(401);
  });
});
