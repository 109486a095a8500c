import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleChanges } from '../../src/directory/console-changes.js';
import { ConsoleOperators } from '../../src/directory/console-operators.js';
import { ConsoleSessions } from '../../src/directory/console-sessions.js';
import { SamlConnectionService } from '../../src/directory/saml-connection-service.js';
import { TestIdp } from '../../src/saml/testing/test-idp.js';
import { startServer, type TestDirectory, type TestServer } from '../support/rollcall-server.js';
import { connectRaw } from '../support/test-store.js';

/**
 * Tenant isolation over every console route, listed from the routes the server registered (so a new
 * route is covered, or this test fails until it is): a tenant admin of acme asking for globex's
 * tenant, directory, users, groups, tokens, log entries, audit and SSO, by slug or by id under
 * acme's own slug, gets 404 (or 403), sees none of globex's data, and changes nothing.
 */
let server: TestServer;
let acme: TestDirectory;
let globex: TestDirectory;
let cookie: string;
let csrf: string;
/** Values of globex's that no page shown to acme's admin may contain. */
const SECRETS = {
  tenantName: 'Globex Hidden Corporation',
  directoryName: 'globex-hidden-directory',
  userName: 'hidden.person@globex.test',
  groupName: 'globex-hidden-group',
  idpEntityId: 'https://idp.globex-hidden.test/',
};
/** Values for each route parameter: globex's, and acme's own. */
const globexIds: Record<string, string> = {};
const acmeIds: Record<string, string> = {};

async function send(method: string, path: string, withCookie = cookie) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    redirect: 'manual',
    headers: { cookie: withCookie },
    ...(method === 'POST' && { body: new URLSearchParams({ _csrf: csrf, enabled: 'on', name: 'x' }) }),
  });
  return { status: response.status, text: await response.text() };
}

/** What may change in globex: its audit entries and the state of its directory and connection. */
async function globexState(): Promise<string> {
  const raw = await connectRaw(server.location);
  try {
    const tenant = globexIds.slug!;
    return JSON.stringify([
      await raw.query(
        'select count(*) as n from console_audit where tenant_id = (select id from tenants where slug = $1)',
        [tenant],
      ),
      await raw.query('select settings, scim_enabled from directories where id = $1', [globexIds.id]),
      await raw.query('select revoked_at from scim_tokens where directory_id = $1 order by id', [
        globexIds.id,
      ]),
      await raw.query(
        'select config, enabled, last_test_id from saml_connections where tenant_id = (select id from tenants where slug = $1)',
        [tenant],
      ),
    ]);
  } finally {
    await raw.close();
  }
}

async function idsOf(directory: TestDirectory, names: { user: string; group: string }) {
  const user = await directory.scim('POST', '/Users', {
    userName: names.user,
    roles: [{ primary: true, value: 'admin' }],
  });
  const group = await directory.scim('POST', '/Groups', { displayName: names.group });
  await server.app.log.flush();
  const raw = await connectRaw(server.location);
  try {
    const [token] = await raw.query<{ id: string }>('select id from scim_tokens where directory_id = $1', [
      directory.id,
    ]);
    const [log] = await raw.query<{ seq: number }>(
      'select max(seq) as seq from provisioning_log where directory_id = $1',
      [directory.id],
    );
    return {
      slug: directory.tenant,
      id: directory.id,
      userId: user.body.id as string,
      groupId: group.body.id as string,
      tokenId: token!.id,
      seq: String(log!.seq),
    };
  } finally {
    await raw.close();
  }
}

beforeAll(async () => {
  server = await startServer();
  const roles = [{ value: 'admin', display: 'Admin' }];
  acme = await server.createDirectory('acme', { name: 'employees', roles, consoleRoles: ['admin'] });
  globex = await server.createDirectory('globex', { name: SECRETS.directoryName, roles });
  await server.admin.renameTenant('globex', SECRETS.tenantName);
  Object.assign(acmeIds, await idsOf(acme, { user: 'ada@acme.test', group: 'acme-group' }));
  Object.assign(globexIds, await idsOf(globex, { user: SECRETS.userName, group: SECRETS.groupName }));
  const idp = await TestIdp.create({ entityId: SECRETS.idpEntityId });
  await new SamlConnectionService(server.store).put('globex', { metadataXml: idp.metadata() }, server.url);
  // An operator's change in globex, so its audit log has an entry naming its directory.
  const operator = { kind: 'operator' as const, sessionId: 's', operatorId: 'o', email: 'ops@vendor.test' };
  await new ConsoleChanges(server.store, operator).setProvisioning('globex', globex.id, true);

  const opened = await new ConsoleSessions(server.store).openForTenantAdmin({
    tenantId: (await server.admin.tenant('acme')).id,
    directoryId: acme.id,
    userId: acmeIds.userId!,
    email: 'ada@acme.test',
    name: null,
    ssoSessionId: null,
  });
  cookie = `rollcall_console=${opened.cookieValue}`;
  const own = await send('GET', '/console/t/acme');
  expect(own.status).toBe(200);
  csrf = /name="_csrf" value="([^"]+)"/.exec(own.text)![1]!;
});
afterAll(() => server.close());

/**
 * The console routes that name no tenant, and what acme's admin gets from each. A route that names
 * a tenant (`:slug`) is checked without being listed here.
 */
const UNSCOPED: Record<string, number> = {
  'GET /console': 303,
  'HEAD /console': 303,
  'GET /console/sign-in': 303,
  'HEAD /console/sign-in': 303,
  'POST /console/sign-in': 401,
  'GET /console/link/:secret': 200,
  'HEAD /console/link/:secret': 200,
  'POST /console/link': 401,
  'POST /console/sign-out': 303,
  'GET /console/tenants': 403,
  'HEAD /console/tenants': 403,
  'POST /console/tenants': 403,
  // To acme's own audit log.
  'GET /console/audit': 303,
  'HEAD /console/audit': 303,
  'GET /console/sso/start': 303,
  'HEAD /console/sso/start': 303,
  'GET /console/sso/callback': 401,
  'HEAD /console/sso/callback': 401,
};

function consoleRoutes() {
  const seen = new Set<string>();
  return server.app.routes
    .filter((r) => r.url.startsWith('/console') && !r.url.startsWith('/console/assets/'))
    .filter((r) => {
      const key = `${r.method} ${r.url.replace(/\/$/, '')}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((r) => ({ method: r.method, url: r.url.replace(/\/$/, '') || '/console' }));
}

/** The route's URL with each parameter filled from `values`; a parameter with no value fails the test. */
function fill(url: string, values: Record<string, string>): string {
  return url.replace(/:(\w+)/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`No test value for :${name} in ${url}: add one to this test`);
    return encodeURIComponent(value);
  });
}

function expectNothingOfGlobex(label: string, text: string) {
  for (const [what, value] of Object.entries(SECRETS))
    expect(text.includes(value), `${label} shows globex's ${what}`).toBe(false);
}

describe('every console route, for a tenant admin of acme', () => {
  it('lists the console routes from the server, each one either tenant-scoped or listed above', () => {
    const routes = consoleRoutes();
    expect(routes.length).toBeGreaterThan(25);
    const unlisted = routes.filter(
      (r) => !r.url.includes(':slug') && UNSCOPED[`${r.method} ${r.url}`] === undefined,
    );
    expect(unlisted).toEqual([]);
    const gone = Object.keys(UNSCOPED).filter((key) => !routes.some((r) => `${r.method} ${r.url}` === key));
    expect(gone).toEqual([]);
  });

  it("gets 404 or 403 for globex's pages and forms, by slug or by id, sees none of its data, and changes nothing", async () => {
    const before = await globexState();
    const scoped = consoleRoutes().filter((r) => r.url.includes(':slug'));
    const tried: string[] = [];
    for (const route of scoped) {
      const variants = [
        fill(route.url, globexIds),
        // acme's own slug, globex's directory (and the rest of globex's).
        ...(route.url.includes(':id') ? [fill(route.url, { ...globexIds, slug: 'acme' })] : []),
        // acme's own slug and directory, globex's user, group, token or log entry.
        ...(/:(userId|groupId|tokenId|seq)/.test(route.url)
          ? [fill(route.url, { ...globexIds, slug: 'acme', id: acmeIds.id! })]
          : []),
      ];
      for (const path of variants) {
        const answer = await send(route.method, path);
        tried.push(`${route.method} ${path}`);
        expect([403, 404], `${route.method} ${path} answered ${answer.status}`).toContain(answer.status);
        expectNothingOfGlobex(`${route.method} ${path}`, answer.text);
      }
    }
    expect(tried.length).toBeGreaterThan(scoped.length);
    expect(await globexState()).toBe(before);
  });

  it("is checked against pages that do show globex's data to an operator", async () => {
    const operator = await new ConsoleOperators(server.store).create('ops@vendor.test', null);
    const opened = await new ConsoleSessions(server.store).openForOperator(operator);
    const seen = new Set<string>();
    for (const route of consoleRoutes().filter((r) => r.url.includes(':slug') && r.method === 'GET')) {
      const answer = await send('GET', fill(route.url, globexIds), `rollcall_console=${opened.cookieValue}`);
      for (const [what, value] of Object.entries(SECRETS)) if (answer.text.includes(value)) seen.add(what);
    }
    expect([...seen].sort()).toEqual(Object.keys(SECRETS).sort());
  });

  it('gets what the table above says from the routes that name no tenant, and nothing of globex', async () => {
    const before = await globexState();
    const values = { secret: 'rcl_not-a-link' };
    // Signing out last: it ends the session the other requests use.
    const routes = consoleRoutes()
      .filter((r) => !r.url.includes(':slug'))
      .sort((a, b) => Number(a.url.endsWith('/sign-out')) - Number(b.url.endsWith('/sign-out')));
    for (const route of routes) {
      const path = `${fill(route.url, values)}${route.url.endsWith('/sso/start') ? '?tenant=globex' : ''}`;
      const answer = await send(route.method, path);
      expect(answer.status, `${route.method} ${path}`).toBe(UNSCOPED[`${route.method} ${route.url}`]);
      expectNothingOfGlobex(`${route.method} ${path}`, answer.text);
    }
    expect(await globexState()).toBe(before);
  });
});
