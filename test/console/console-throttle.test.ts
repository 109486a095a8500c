import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleOperators } from '../../src/directory/console-operators.js';
import { type App, buildApp } from '../../src/http/app.js';
import { Store } from '../../src/store/store.js';
import { startServer, type TestServer } from '../support/rollcall-server.js';
import { connectRaw } from '../support/test-store.js';

/**
 * Operator password sign-in is throttled per email and address, and per address, with the counts
 * in the database: a second node on the same database refuses as well; one-time links still work.
 */
let server: TestServer;
let second: { app: App; store: Store; url: string };
const PASSWORD = 'operator password 1';

async function signIn(base: string, email: string, password: string) {
  const response = await fetch(`${base}/console/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ email, password }),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

beforeAll(async () => {
  server = await startServer();
  await new ConsoleOperators(server.store).create('ops@vendor.test', PASSWORD);
  await new ConsoleOperators(server.store).create('other@vendor.test', PASSWORD);
  // Another node on the same database.
  const store = await Store.open(server.location.storeOptions);
  const app = await buildApp({ store });
  await app.server.listen({ port: 0, host: '127.0.0.1' });
  second = { app, store, url: `http://127.0.0.1:${(app.server.server.address() as { port: number }).port}` };
});
afterAll(async () => {
  await second.app.close();
  await second.store.close();
  await server.close();
});

describe('operator sign-in throttling', () => {
  it('refuses with 429 and Retry-After after 5 failures, on every node, a right password too', async () => {
    for (let i = 0; i < 5; i++)
      expect((await signIn(server.url, 'ops@vendor.test', 'wrong')).status).toBe(401);
    for (const [base, password] of [
      [server.url, 'wrong'],
      [server.url, PASSWORD],
      [second.url, PASSWORD],
    ] as const) {
      const refused = await signIn(base, 'OPS@vendor.test', password);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('set-cookie')).toBeNull();
      const wait = Number(refused.headers.get('retry-after'));
      expect(wait).toBeGreaterThan(14 * 60);
      expect(wait).toBeLessThanOrEqual(15 * 60);
      expect(refused.text).toContain('Too many failed sign-ins');
    }
    // Another operator from the same address is not held back by this one's failures.
    expect((await signIn(server.url, 'other@vendor.test', PASSWORD)).status).toBe(303);
  });

  it('lets a one-time link in while password sign-in is refused', async () => {
    expect((await signIn(server.url, 'ops@vendor.test', PASSWORD)).status).toBe(429);
    const link = await new ConsoleOperators(server.store).createLink('ops@vendor.test');
    const used = await fetch(`${server.url}/console/link`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ secret: link.secret }),
    });
    expect(used.status).toBe(303);
    expect(used.headers.get('set-cookie')).toMatch(/rollcall_console=rcc_/);
  });

  it('signs in again once the window is over, and a success clears the count', async () => {
    const raw = await connectRaw(server.location);
    try {
      // The window started 16 minutes ago: it is over.
      await raw.query('update console_sign_in_failures set window_started_at = $1', [
        new Date(Date.now() - 16 * 60_000).toISOString(),
      ]);
      expect((await signIn(server.url, 'ops@vendor.test', 'wrong')).status).toBe(401);
      expect((await signIn(second.url, 'ops@vendor.test', PASSWORD)).status).toBe(303);
      for (let i = 0; i < 4; i++)
        expect((await signIn(server.url, 'ops@vendor.test', 'wrong')).status).toBe(401);
      expect((await signIn(server.url, 'ops@vendor.test', PASSWORD)).status).toBe(303);
    } finally {
      await raw.close();
    }
  });

  it('refuses an address that failed 20 times, whatever the emails', async () => {
    const raw = await connectRaw(server.location);
    await raw.query('delete from console_sign_in_failures').finally(() => raw.close());
    for (let i = 0; i < 20; i++)
      expect((await signIn(server.url, `guess-${i}@vendor.test`, 'wrong')).status).toBe(401);
    const refused = await signIn(second.url, 'other@vendor.test', PASSWORD);
    expect(refused.status).toBe(429);
    expect(refused.text).toContain('Too many failed sign-ins');
  });
});
