import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminService } from '../../src/directory/admin-service.js';
import { SamlConnectionService } from '../../src/directory/saml-connection-service.js';
import { type App, buildApp } from '../../src/http/app.js';
import { serviceProviderFor } from '../../src/saml/connection.js';
import { TestIdp } from '../../src/saml/testing/test-idp.js';
import { Store } from '../../src/store/store.js';
import { send } from '../support/rollcall-server.js';
import { browserGet, browserPost, person } from '../support/sso.js';
import { createTestLocation, type TestLocation } from '../support/test-store.js';

/**
 * Two rollcall servers on one store (on the postgres project: one PostgreSQL schema; on sqlite: one
 * database file), as nodes behind a load balancer: whatever one node accepted, the other refuses to
 * accept again. The replay cache, the issued requests and the sessions are in the database.
 */
interface Node {
  readonly url: string;
  readonly app: App;
  readonly store: Store;
}

let location: TestLocation;
let nodes: Node[] = [];
let idp: TestIdp;
const TENANT = 'acme';

async function startNode(): Promise<Node> {
  const store = await Store.open(location.storeOptions);
  const app = await buildApp({ store, publicUrl: 'https://id.vendor.example' });
  await app.server.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, app, store };
}

/** Both nodes answer as the same public URL (the load balancer's), so responses are for either. */
const sp = serviceProviderFor('https://id.vendor.example', TENANT);
const acs = (node: Node) => `${node.url}/sso/${TENANT}/saml/acs`;

async function refusalCode(node: Node, response: { status: number; text: string }): Promise<string> {
  const reference = /class="ref">([0-9a-f-]{36})</.exec(response.text)?.[1];
  expect(reference).toBeDefined();
  const tenant = await node.store.repositories.tenants.tenantBySlug(TENANT);
  const log = await node.store.repositories.saml.log(tenant!.id, { limit: 100 });
  return log.find((entry) => entry.id === reference)!.code!;
}

beforeAll(async () => {
  location = await createTestLocation();
  nodes = [await startNode(), await startNode()];
  idp = await TestIdp.create();
  const admin = new AdminService(nodes[0]!.store);
  await admin.createTenant(TENANT);
  const directory = await admin.createDirectory(TENANT, {
    name: 'staff',
    roles: [{ value: 'member', display: 'Member' }],
  });
  const { secret } = await admin.createToken(directory.id);
  const created = await send(
    `${nodes[0]!.url}/scim/v2/${directory.id}/Users`,
    'POST',
    {
      userName: 'eve@acme.test',
      emails: [{ value: 'eve@acme.test' }],
      roles: [{ value: 'member', primary: true }],
    },
    { authorization: `Bearer ${secret}` },
  );
  expect(created.status).toBe(201);
  await new SamlConnectionService(nodes[0]!.store).put(
    TENANT,
    { enabled: true, metadataXml: idp.metadata() },
    'https://id.vendor.example',
  );
});

afterAll(async () => {
  for (const node of nodes) {
    await node.app.close();
    await node.store.close();
  }
  await location?.remove();
});

describe('two rollcall nodes on one store', () => {
  it('refuses on one node an assertion the other accepted (replay across nodes)', async () => {
    const [a, b] = nodes as [Node, Node];
    const response = await idp.respond(sp, person('eve@acme.test'));
    const first = await browserPost(acs(a), { SAMLResponse: response });
    expect(first.status, first.text).toBe(303);
    const replay = await browserPost(acs(b), { SAMLResponse: response });
    expect(replay.status).toBe(403);
    expect(replay.setCookie).toBeNull();
    expect(await refusalCode(b, replay)).toBe('ASSERTION_REPLAYED');
  });

  it('accepts the same assertion once when it reaches both nodes at the same moment', async () => {
    const response = await idp.respond(sp, person('eve@acme.test'));
    const answers = await Promise.all(
      [...nodes, ...nodes].map((node) => browserPost(acs(node), { SAMLResponse: response })),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([303, 403, 403, 403]);
  });

  it('takes the answer to a request on the other node, once, and shares the session', async () => {
    const [a, b] = nodes as [Node, Node];
    const login = await browserGet(`${a.url}/sso/${TENANT}/saml/login?RelayState=%2Fapp`);
    expect(login.status).toBe(302);
    const spMetadata = (await browserGet(`${a.url}/sso/${TENANT}/saml/metadata`)).text;
    const request = await idp.receive(login.location!, spMetadata);
    const response = await idp.respond(sp, { ...person('eve@acme.test'), inResponseTo: request.id });
    const answered = await browserPost(acs(b), { SAMLResponse: response, RelayState: '/app' });
    expect(answered.status, answered.text).toBe(303);
    expect(answered.location).toBe('/app');
    // The same request cannot be answered again, on either node, even by a fresh assertion.
    const again = await idp.respond(sp, { ...person('eve@acme.test'), inResponseTo: request.id });
    const refused = await browserPost(acs(a), { SAMLResponse: again });
    expect(await refusalCode(a, refused)).toBe('IN_RESPONSE_TO_UNKNOWN');

    // The session the one node made, the other answers for, and ends.
    expect((await browserGet(`${a.url}/sso/${TENANT}/session`, answered.cookie)).status).toBe(200);
    expect((await browserGet(`${b.url}/sso/${TENANT}/session`, answered.cookie)).status).toBe(200);
    await browserPost(`${a.url}/sso/${TENANT}/logout`, {}, answered.cookie);
    expect((await browserGet(`${b.url}/sso/${TENANT}/session`, answered.cookie)).status).toBe(401);
  });
});
