import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_ERRORS } from '../../src/console/console-errors.js';
import { ConsoleOperators } from '../../src/directory/console-operators.js';
import { ConsoleSessions } from '../../src/directory/console-sessions.js';
import { buildApp } from '../../src/http/app.js';
import { Store } from '../../src/store/store.js';
import { startServer, type TestDirectory, type TestServer } from '../support/rollcall-server.js';
import { createTestLocation } from '../support/test-store.js';

/**
 * The console over real HTTP: sign-in, the session cookie, CSRF refusal, sign-out, one-time links,
 * tenant isolation of pages and forms, the token shown once, and the provisioning log's detail.
 */
let server: TestServer;
let acme: TestDirectory;
let globex: TestDirectory;

const PASSWORD = 'operator password 1';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

async function request(
  path: string,
  options: {
    method?: string;
    cookie?: string;
    form?: Record<string, string>;
    headers?: Record<string, string>;
  } = {},
): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, {
    method: options.method ?? (options.form ? 'POST' : 'GET'),
    redirect: 'manual',
    headers: { ...(options.cookie && { cookie: options.cookie }), ...options.headers },
    ...(options.form && { body: new URLSearchParams(options.form) }),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** `rollcall_console=…` from a Set-Cookie header, for the next requests. */
function sessionCookie(answer: Answer): string {
  const header = answer.headers.get('set-cookie') ?? '';
  const match = /rollcall_console=([^;]+)/.exec(header);
  if (!match) throw new Error(`no session cookie in ${header}`);
  return `rollcall_console=${match[1]}`;
}

function csrfOf(page: Answer): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page.text);
  if (!match) throw new Error('no CSRF field on the page');
  return match[1]!;
}

async function signIn(email: string): Promise<string> {
  const answer = await request('/console/sign-in', { form: { email, password: PASSWORD } });
  expect(answer.status).toBe(303);
  return sessionCookie(answer);
}

async function auditCount(): Promise<number> {
  return (await server.store.repositories.console.auditPage({ limit: 1000 })).entries.length;
}

beforeAll(async () => {
  server = await startServer();
  const operators = new ConsoleOperators(server.store);
  await operators.create('ops@vendor.test', PASSWORD);
  await operators.create('other@vendor.test', PASSWORD);
  acme = await server.createDirectory('acme', {
    name: 'employees',
    roles: [
      { value: 'admin', display: 'Admin' },
      { value: 'member', display: 'Member' },
    ],
    consoleRoles: ['admin'],
  });
  globex = await server.createDirectory('globex', { name: 'staff' });
});
afterAll(() => server.close());

describe('signing in', () => {
  it('refuses a wrong password with the form again and no cookie', async () => {
    const answer = await request('/console/sign-in', {
      form: { email: 'ops@vendor.test', password: 'wrong' },
    });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('set-cookie')).toBeNull();
    expect(answer.text).toContain('The email or the password is not right');
    expect(answer.text).toContain('value="ops@vendor.test"');
  });

  it('opens a session behind an HttpOnly, SameSite=Lax cookie for /console, and goes where it was asked', async () => {
    const asked = await request('/console/tenants');
    expect(asked.status).toBe(303);
    expect(asked.headers.get('location')).toBe('/console/sign-in?next=%2Fconsole%2Ftenants');
    const answer = await request('/console/sign-in', {
      form: { email: 'OPS@vendor.test', password: PASSWORD, next: '/console/tenants' },
    });
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/console/tenants');
    const header = answer.headers.get('set-cookie')!;
    expect(header).toMatch(/rollcall_console=rcc_/);
    expect(header).toMatch(/HttpOnly/i);
    expect(header).toMatch(/SameSite=Lax/i);
    expect(header).toMatch(/Path=\/console/);
    expect(header).not.toMatch(/Secure/i);
    const page = await request('/console/tenants', { cookie: sessionCookie(answer) });
    expect(page.status).toBe(200);
    expect(page.text).toContain('ops@vendor.test');
  });

  it('never sends the browser elsewhere after signing in', async () => {
    for (const next of ['https://evil.test/', '//evil.test/x', '/api/v1/tenants', '/console\\@evil.test']) {
      const answer = await request('/console/sign-in', {
        form: { email: 'ops@vendor.test', password: PASSWORD, next },
      });
      expect(answer.headers.get('location')).toBe('/console');
    }
  });

  it('marks the cookie Secure when rollcall is reached over https', async () => {
    const location = await createTestLocation();
    const store = await Store.open(location.storeOptions);
    await new ConsoleOperators(store).create('tls@vendor.test', PASSWORD);
    const app = await buildApp({ store, publicUrl: 'https://rollcall.example.test' });
    try {
      await app.server.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${address.port}/console/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        body: new URLSearchParams({ email: 'tls@vendor.test', password: PASSWORD }),
      });
      expect(response.status).toBe(303);
      expect(response.headers.get('set-cookie')).toMatch(/;\s*Secure/i);
    } finally {
      await app.close();
      await store.close();
      await location.remove();
    }
  });

  it('signs in once with a one-time link, and never again with it', async () => {
    const link = await new ConsoleOperators(server.store).createLink('ops@vendor.test');
    const landing = await request(`/console/link/${link.secret}`);
    expect(landing.status).toBe(200);
    expect(landing.headers.get('referrer-policy')).toBe('same-origin');
    const used = await request('/console/link', { form: { secret: link.secret } });
    expect(used.status).toBe(303);
    expect((await request('/console/tenants', { cookie: sessionCookie(used) })).status).toBe(200);
    const again = await request('/console/link', { form: { secret: link.secret } });
    expect(again.status).toBe(401);
    expect(again.headers.get('set-cookie')).toBeNull();
    expect(again.text).toContain('SIGN_IN_REFUSED');
  });

  it('signs out: the cookie is cleared and the session no longer opens anything', async () => {
    const cookie = await signIn('ops@vendor.test');
    const page = await request('/console/tenants', { cookie });
    const out = await request('/console/sign-out', { cookie, form: { _csrf: csrfOf(page) } });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/rollcall_console=;/);
    const after = await request('/console/tenants', { cookie });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toContain('/console/sign-in');
  });
});

describe('CSRF protection', () => {
  it('refuses a change without the session token, with another session token, or from another site', async () => {
    const cookie = await signIn('ops@vendor.test');
    const otherToken = csrfOf(
      await request('/console/tenants', { cookie: await signIn('other@vendor.test') }),
    );
    const token = csrfOf(await request('/console/tenants', { cookie }));
    expect(otherToken).not.toBe(token);
    const before = await auditCount();

    const none = await request('/console/tenants', { cookie, form: { slug: 'forged-a' } });
    expect(none.status).toBe(403);
    expect(none.text).toContain('CSRF_REFUSED');
    const foreign = await request('/console/tenants', {
      cookie,
      form: { slug: 'forged-b', _csrf: otherToken },
    });
    expect(foreign.status).toBe(403);
    const crossSite = await request('/console/tenants', {
      cookie,
      form: { slug: 'forged-c', _csrf: token },
      headers: { origin: 'https://evil.test' },
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.text).toContain('CROSS_SITE_REFUSED');
    for (const slug of ['forged-a', 'forged-b', 'forged-c'])
      expect((await server.api('GET', `/tenants/${slug}`)).status).toBe(404);
    expect(await auditCount()).toBe(before);

    const made = await request('/console/tenants', {
      cookie,
      form: { slug: 'initech', name: 'Initech', _csrf: token },
      headers: { origin: server.url },
    });
    expect(made.status).toBe(303);
    expect(made.headers.get('location')).toBe('/console/t/initech?notice=tenant-created');
    expect((await server.api('GET', '/tenants/initech')).body.name).toBe('Initech');
    expect(await auditCount()).toBe(before + 1);
  });

  it('refuses a change with no session at all', async () => {
    const answer = await request('/console/tenants', { form: { slug: 'anonymous', _csrf: 'x' } });
    expect(answer.status).toBe(401);
    expect((await server.api('GET', '/tenants/anonymous')).status).toBe(404);
  });

  it('takes changes only as forms: JSON, text or multipart get 415 and change nothing', async () => {
    const cookie = await signIn('ops@vendor.test');
    const token = csrfOf(await request('/console/tenants', { cookie }));
    const before = await auditCount();
    const bodies: [string, string][] = [
      ['application/json', JSON.stringify({ slug: 'json-made', _csrf: token })],
      ['text/plain', `slug=text-made&_csrf=${token}`],
      [
        'multipart/form-data; boundary=x',
        `--x\r\nContent-Disposition: form-data; name="slug"\r\n\r\nmultipart-made\r\n--x\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n--x--\r\n`,
      ],
    ];
    for (const [type, body] of bodies) {
      const answer = await fetch(`${server.url}/console/tenants`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': type },
        body,
      });
      expect(answer.status, type).toBe(415);
      expect(await answer.text()).toContain('UNSUPPORTED_MEDIA_TYPE');
    }
    for (const slug of ['json-made', 'text-made', 'multipart-made'])
      expect((await server.api('GET', `/tenants/${slug}`)).status).toBe(404);
    expect(await auditCount()).toBe(before);
  });
});

describe('pages', () => {
  it('are never cached and may not be framed or run foreign scripts', async () => {
    const page = await request('/console/tenants', { cookie: await signIn('ops@vendor.test') });
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
  });

  it('escape what IdPs send', async () => {
    const created = await acme.scim('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'mallory@acme.test',
      displayName: '<script>alert(1)</script>',
    });
    expect(created.status).toBe(201);
    const cookie = await signIn('ops@vendor.test');
    const list = await request(`/console/t/acme/directories/${acme.id}/users`, { cookie });
    expect(list.text).not.toContain('<script>alert(1)</script>');
    expect(list.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('show a new token once: the secret works, and no later page shows it', async () => {
    const cookie = await signIn('ops@vendor.test');
    const settings = await request(`/console/t/globex/directories/${globex.id}`, { cookie });
    const answer = await request(`/console/t/globex/directories/${globex.id}/tokens`, {
      cookie,
      form: { _csrf: csrfOf(settings) },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.text).toContain('You will not be able to view it again');
    const secret = /id="token" type="text" readonly value="(rcs_[^"]+)"/.exec(answer.text)![1]!;
    const scim = await fetch(`${server.url}/scim/v2/${globex.id}/Users`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(scim.status).toBe(200);
    const later = await request(`/console/t/globex/directories/${globex.id}`, { cookie });
    expect(later.text).not.toContain(secret);
    expect(later.text).toContain(secret.slice(0, 10));
    const audit = await request('/console/t/globex/audit', { cookie });
    expect(audit.text).toContain('token.generate');
    expect(audit.text).not.toContain(secret);
  });

  it('show a refused request in the logs, and a request with its password redacted', async () => {
    const cookie = await signIn('ops@vendor.test');
    const created = await acme.scim('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'okta-style@acme.test',
      password: 'hunter2-the-password',
    });
    expect(created.status).toBe(201);
    const settings = await request(`/console/t/acme/directories/${acme.id}`, { cookie });
    const off = await request(`/console/t/acme/directories/${acme.id}/provisioning`, {
      cookie,
      form: { _csrf: csrfOf(settings), enabled: 'off' },
    });
    expect(off.status).toBe(303);
    expect((await acme.scim('GET', '/Users')).status).toBe(403);
    await server.app.log.flush();
    const logs = await request(`/console/t/acme/directories/${acme.id}/logs?errors=1`, { cookie });
    expect(logs.text).toContain('403');
    expect(logs.text).toMatch(/provisioning|disabled|switched off/i);

    const entries = await server.admin.searchLogs(acme.id, { operation: 'create', limit: 10 });
    const entry = entries.entries.find((e) => e.resourceName === 'okta-style@acme.test')!;
    const detail = await request(`/console/t/acme/directories/${acme.id}/logs/${entry.seq}`, { cookie });
    expect(detail.status).toBe(200);
    expect(detail.text).toContain('[redacted]');
    expect(detail.text).not.toContain('hunter2-the-password');
    expect(detail.text).toContain('okta-style@acme.test');

    const csv = await request(`/console/t/acme/directories/${acme.id}/logs/export?format=csv&errors=1`, {
      cookie,
    });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.text.split('\r\n')[0]).toMatch(/^at,status,method/);
    expect(csv.text).toContain(',403,');
    const on = await request(`/console/t/acme/directories/${acme.id}/provisioning`, {
      cookie,
      form: { _csrf: csrfOf(settings), enabled: 'on' },
    });
    expect(on.status).toBe(303);
  });
});

describe('tenant isolation', () => {
  it("gives a tenant admin of acme 404 for globex's pages and forms, and 403 for operator pages", async () => {
    const user = await acme.scim('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'ada@acme.test',
      roles: [{ primary: true, value: 'Admin' }],
    });
    expect(user.status).toBe(201);
    const opened = await new ConsoleSessions(server.store).openForTenantAdmin({
      tenantId: (await server.admin.tenant('acme')).id,
      directoryId: acme.id,
      userId: user.body.id,
      email: 'ada@acme.test',
      name: null,
      ssoSessionId: null,
    });
    const cookie = `rollcall_console=${opened.cookieValue}`;
    const own = await request('/console/t/acme', { cookie });
    expect(own.status).toBe(200);
    expect(own.text).toContain('employees');
    expect((await request('/console', { cookie })).headers.get('location')).toBe('/console/t/acme');

    for (const path of [
      '/console/t/globex',
      `/console/t/globex/directories/${globex.id}`,
      `/console/t/globex/directories/${globex.id}/users`,
      `/console/t/globex/directories/${globex.id}/logs`,
      `/console/t/globex/directories/${globex.id}/logs/export?format=csv`,
      `/console/t/acme/directories/${globex.id}/users`,
      '/console/t/globex/audit',
    ])
      expect([path, (await request(path, { cookie })).status]).toEqual([path, 404]);
    expect((await request('/console/tenants', { cookie })).status).toBe(403);

    const token = csrfOf(own);
    const before = await auditCount();
    const forged = await request(`/console/t/globex/directories/${globex.id}/provisioning`, {
      cookie,
      form: { _csrf: token, enabled: 'off' },
    });
    expect(forged.status).toBe(404);
    const crossed = await request(`/console/t/acme/directories/${globex.id}/tokens`, {
      cookie,
      form: { _csrf: token },
    });
    expect(crossed.status).toBe(404);
    expect(crossed.text).not.toContain('rcs_');
    expect((await server.admin.directory(globex.id)).scimEnabled).toBe(true);
    expect(await auditCount()).toBe(before);
    // The console session is no key to the admin API.
    expect((await request('/api/v1/tenants/globex', { cookie })).status).toBe(401);
  });
});

describe('error codes', () => {
  it('are all documented in docs/console.md', () => {
    const doc = readFileSync(new URL('../../docs/console.md', import.meta.url), 'utf8');
    for (const [code, status] of Object.entries(CONSOLE_ERRORS))
      expect(doc).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${status}\\s*\\|`));
  });
});
