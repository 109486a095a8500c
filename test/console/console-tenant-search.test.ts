import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleOperators } from '../../src/directory/console-operators.js';
import type { ConsoleIdentity } from '../../src/directory/console-sessions.js';
import { ConsoleViews } from '../../src/directory/console-views.js';
import { migrateUpTo } from '../../src/store/migrations/migrate.js';
import { Store } from '../../src/store/store.js';
import { startServer, type TestServer } from '../support/rollcall-server.js';
import { connectRaw, createTestLocation, openLocationDriver, TEST_STORE } from '../support/test-store.js';

/**
 * The tenants page finds tenants by name: any case, the names that start with what was typed, a
 * page at a time in name order, on the (name_key, slug) index; and the tenant whose slug was typed.
 */
let server: TestServer;
const operator: ConsoleIdentity = {
  kind: 'operator',
  sessionId: 's',
  operatorId: 'o',
  email: 'ops@vendor.test',
};
const PASSWORD = 'operator password 1';

const TENANTS: [slug: string, name: string][] = [
  ['acme', 'Acme Corporation'],
  ['acme-labs', 'ACME labs'],
  ['roadrunner', 'acme Road Runner Division'],
  ['globex', 'Globex'],
  ['gx', 'Hank Scorpio Holdings'],
  ['arger', 'Ärger GmbH'],
  ['arg', 'Argonaut'],
];

beforeAll(async () => {
  server = await startServer();
  for (const [slug, name] of TENANTS) await server.admin.createTenant(slug, name);
  await new ConsoleOperators(server.store).create('ops@vendor.test', PASSWORD);
});
afterAll(() => server.close());

const search = (q: string, options: { after?: string; limit?: number } = {}) =>
  new ConsoleViews(server.store, operator).tenants({ q, ...options });
const slugs = (page: { tenants: { slug: string }[] }) => page.tenants.map((t) => t.slug);

describe('tenant search by name', () => {
  it('finds the names that start with the text, in any case, in name order', async () => {
    expect(slugs(await search('acme'))).toEqual(['acme', 'acme-labs', 'roadrunner']);
    expect(slugs(await search('ACME L'))).toEqual(['acme-labs']);
    expect(slugs(await search('är'))).toEqual(['arger']);
    expect(slugs(await search('ÄR'))).toEqual(['arger']);
    expect(slugs(await search('ar'))).toEqual(['arg']);
    expect(slugs(await search('corporation'))).toEqual([]);
  });

  it('puts the tenant whose slug was typed first, when its name does not match', async () => {
    expect(slugs(await search('gx'))).toEqual(['gx']);
    expect(slugs(await search('GLOBEX'))).toEqual(['globex']);
  });

  it('pages through the matches without losing or repeating one', async () => {
    const first = await search('a', { limit: 2 });
    expect(slugs(first)).toEqual(['acme', 'acme-labs']);
    expect(first.more).toBe(true);
    const second = await search('a', { limit: 2, after: 'acme-labs' });
    expect(slugs(second)).toEqual(['roadrunner', 'arg']);
    expect(second.more).toBe(false);
  });

  it('is what the search on the tenants page does', async () => {
    const signedIn = await fetch(`${server.url}/console/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ email: 'ops@vendor.test', password: PASSWORD }),
    });
    const cookie = /rollcall_console=[^;]+/.exec(signedIn.headers.get('set-cookie') ?? '')![0];
    const page = await fetch(`${server.url}/console/tenants?q=Acme`, { headers: { cookie } }).then((r) =>
      r.text(),
    );
    expect(page).toContain('Search by name');
    for (const slug of ['acme', 'acme-labs', 'roadrunner']) expect(page).toContain(`/console/t/${slug}"`);
    expect(page).not.toContain('/console/t/globex"');
    const none = await fetch(`${server.url}/console/tenants?q=zzz`, { headers: { cookie } }).then((r) =>
      r.text(),
    );
    expect(none).toContain('No tenant&#39;s name starts with &quot;zzz&quot;');
  });

  it('reads a range of the name index, in order (no scan, no sort)', async () => {
    const raw = await connectRaw(server.location);
    try {
      const statement =
        'select * from tenants where name_key >= $1 and name_key < $2 and (name_key, slug) > ($3, $4) order by name_key, slug limit 51';
      const params = ['acme', 'acmf', 'acme', 'acme'];
      if (TEST_STORE === 'sqlite') {
        const plan = (await raw.query<{ detail: string }>(`explain query plan ${statement}`, params))
          .map((r) => r.detail)
          .join(' | ');
        expect(plan).toMatch(/SEARCH tenants USING INDEX tenants_name_key \(name_key>\? AND name_key<\?\)/);
        expect(plan).not.toMatch(/TEMP B-TREE/);
      } else {
        // A handful of rows would be read by a scan; what matters is that the index can serve it.
        await raw.query('set enable_seqscan = off');
        const plan = (await raw.query<{ 'QUERY PLAN': string }>(`explain ${statement}`, params))
          .map((r) => r['QUERY PLAN'])
          .join('\n');
        expect(plan).toContain('tenants_name_key');
        expect(plan).not.toMatch(/Sort/);
      }
    } finally {
      await raw.close();
    }
  });

  it('fills the name key in for the tenants a database had before migration 0010', async () => {
    // A database as the rollcall before 0010 left it, with a tenant in it.
    const location = await createTestLocation();
    const driver = openLocationDriver(location);
    try {
      await migrateUpTo(driver, '0008-oidc');
      await sql`insert into tenants (id, slug, name, created_at) values ('old-1', 'old', 'Östlich Old Co', '2026-01-01T00:00:00.000Z')`.execute(
        driver.db,
      );
    } finally {
      await driver.close();
    }
    const store = await Store.open(location.storeOptions);
    try {
      const views = new ConsoleViews(store, operator);
      expect(slugs(await views.tenants({ q: 'östlich' }))).toEqual(['old']);
      expect(slugs(await views.tenants({ q: 'old' }))).toEqual(['old']);
    } finally {
      await store.close();
      await location.remove();
    }
  });
});
