import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleChanges } from '../../src/directory/console-changes.js';
import { ConsoleAccessDeniedError, SignInRefusedError } from '../../src/directory/console-errors.js';
import { ConsoleOperators } from '../../src/directory/console-operators.js';
import {
  type ConsoleIdentity,
  ConsoleSessions,
  csrfTokenFor,
  csrfTokenMatches,
} from '../../src/directory/console-sessions.js';
import { ConsoleViews } from '../../src/directory/console-views.js';
import { startServer, type TestDirectory, type TestServer } from '../support/rollcall-server.js';
import { connectRaw } from '../support/test-store.js';

/**
 * The console's directory layer on the store under test: operators, one-time links, sessions with
 * their timeouts, CSRF tokens, tenant admins' access, the audit log, and tenant isolation.
 */
let server: TestServer;
let operators: ConsoleOperators;
let sessions: ConsoleSessions;
let acme: TestDirectory;
let globex: TestDirectory;

const ROLES = [
  { value: 'admin', display: 'Admin' },
  { value: 'member', display: 'Member' },
];

async function provision(directory: TestDirectory, userName: string, role: string): Promise<string> {
  const created = await directory.scim('POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    active: true,
    emails: [{ primary: true, value: userName }],
    roles: [{ primary: true, value: role }],
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

async function auditActions(tenantId?: string): Promise<string[]> {
  const page = await server.store.repositories.console.auditPage({
    ...(tenantId !== undefined && { tenantId }),
    limit: 100,
  });
  return page.entries.map((e) => e.action);
}

beforeAll(async () => {
  server = await startServer();
  operators = new ConsoleOperators(server.store);
  sessions = new ConsoleSessions(server.store);
  acme = await server.createDirectory('acme', { name: 'employees', roles: ROLES, consoleRoles: ['admin'] });
  globex = await server.createDirectory('globex', { name: 'staff', roles: ROLES, consoleRoles: ['admin'] });
});
afterAll(() => server.close());

describe('operators', () => {
  it('sign in with their password; a wrong password and an unknown email read the same', async () => {
    const created = await operators.create('Ops@Vendor.test', 'a long enough password');
    expect(created).toMatchObject({ email: 'Ops@Vendor.test', hasPassword: true });
    expect((await operators.signIn('ops@vendor.test', 'a long enough password', '192.0.2.1')).id).toBe(
      created.id,
    );
    const wrong = await operators.signIn('ops@vendor.test', 'not the password', '192.0.2.1').catch((e) => e);
    const unknown = await operators
      .signIn('nobody@vendor.test', 'a long enough password', '192.0.2.1')
      .catch((e) => e);
    expect(wrong).toBeInstanceOf(SignInRefusedError);
    expect(unknown).toBeInstanceOf(SignInRefusedError);
    expect(wrong.detail).toBe(unknown.detail);
  });

  it('refuses a short password and a second operator with the same email in any case', async () => {
    await expect(operators.create('short@vendor.test', 'short')).rejects.toThrow(/at least 12/);
    await operators.create('twice@vendor.test', null);
    await expect(operators.create('TWICE@vendor.test', null)).rejects.toThrow(/already/);
  });

  it('store the password only as a scrypt hash', async () => {
    await operators.create('hashed@vendor.test', 'a secret password 1');
    const raw = await connectRaw(server.location);
    try {
      const rows = await raw.query<{ password_hash: string }>(
        "select password_hash from console_operators where email_key = 'hashed@vendor.test'",
      );
      expect(rows[0]!.password_hash).toMatch(/^scrypt\$32768\$8\$3\$/);
      expect(rows[0]!.password_hash).not.toContain('a secret password 1');
    } finally {
      await raw.close();
    }
  });
});

describe('one-time sign-in links', () => {
  it('work once', async () => {
    await operators.create('link@vendor.test', null);
    const link = await operators.createLink('link@vendor.test');
    expect(link.secret).toMatch(/^rcl_/);
    expect((await operators.useLink(link.secret)).email).toBe('link@vendor.test');
    await expect(operators.useLink(link.secret)).rejects.toBeInstanceOf(SignInRefusedError);
  });

  it('of two uses at once, let exactly one in', async () => {
    const link = await operators.createLink('link@vendor.test');
    const results = await Promise.allSettled([
      operators.useLink(link.secret),
      operators.useLink(link.secret),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('stop working when they expire, and are stored only as a hash', async () => {
    const link = await operators.createLink('link@vendor.test', 5);
    const raw = await connectRaw(server.location);
    try {
      const rows = await raw.query<{ hash: string }>('select hash from console_links');
      expect(rows.some((r) => r.hash.includes(link.secret) || link.secret.includes(r.hash))).toBe(false);
      await raw.query('update console_links set expires_at = $1', ['2000-01-01T00:00:00.000Z']);
    } finally {
      await raw.close();
    }
    await expect(operators.useLink(link.secret)).rejects.toBeInstanceOf(SignInRefusedError);
  });
});

describe('sessions', () => {
  it('resolve to their operator until signed out', async () => {
    const operator = await operators.create('session@vendor.test', null);
    const opened = await sessions.openForOperator(operator);
    expect(opened.cookieValue).toMatch(/^rcc_[A-Za-z0-9_-]{43}$/);
    expect(await sessions.resolve(opened.cookieValue)).toMatchObject({
      kind: 'operator',
      operatorId: operator.id,
    });
    await sessions.end(opened.cookieValue);
    expect(await sessions.resolve(opened.cookieValue)).toBeNull();
    expect(await sessions.resolve(undefined)).toBeNull();
    expect(await sessions.resolve('rcc_unknown')).toBeNull();
  });

  it('end after the idle timeout, and after the absolute timeout however busy', async () => {
    const operator = await operators.create('timeouts@vendor.test', null);
    let clock = Date.parse('2030-01-01T09:00:00Z');
    const timed = new ConsoleSessions(server.store, {
      idleMinutes: 30,
      absoluteHours: 2,
      now: () => new Date(clock).toISOString(),
    });
    const idle = await timed.openForOperator(operator);
    clock += 29 * 60_000;
    expect(await timed.resolve(idle.cookieValue)).not.toBeNull();
    clock += 29 * 60_000; // 29 minutes after the last use: still open
    expect(await timed.resolve(idle.cookieValue)).not.toBeNull();
    clock += 31 * 60_000;
    expect(await timed.resolve(idle.cookieValue)).toBeNull();

    const busy = await timed.openForOperator(operator);
    for (let i = 0; i < 5; i++) {
      clock += 20 * 60_000;
      expect(await timed.resolve(busy.cookieValue)).not.toBeNull();
    }
    clock += 20 * 60_000; // two hours after sign-in
    expect(await timed.resolve(busy.cookieValue)).toBeNull();
  });

  it('are stored under a hash of the cookie, never the cookie', async () => {
    const operator = await operators.create('stored@vendor.test', null);
    const opened = await sessions.openForOperator(operator);
    const raw = await connectRaw(server.location);
    try {
      const rows = await raw.query<Record<string, unknown>>('select * from console_sessions');
      expect(JSON.stringify(rows)).not.toContain(opened.cookieValue);
    } finally {
      await raw.close();
    }
  });

  it('have a CSRF token of their own that no other session matches', async () => {
    const operator = await operators.create('csrf@vendor.test', null);
    const a = await sessions.openForOperator(operator);
    const b = await sessions.openForOperator(operator);
    expect(csrfTokenMatches(a.cookieValue, csrfTokenFor(a.cookieValue))).toBe(true);
    expect(csrfTokenMatches(a.cookieValue, csrfTokenFor(b.cookieValue))).toBe(false);
    expect(csrfTokenMatches(a.cookieValue, undefined)).toBe(false);
    expect(csrfTokenMatches(a.cookieValue, '')).toBe(false);
  });
});

describe('tenant admins', () => {
  it('get a session only while they hold a console role and are active', async () => {
    const adminId = await provision(acme, 'ada@acme.test', 'Admin');
    const memberId = await provision(acme, 'bob@acme.test', 'member');
    const signIn = (userId: string, email: string) => ({
      tenantId: '',
      directoryId: acme.id,
      userId,
      email,
      name: null,
      ssoSessionId: null,
    });
    const tenantId = (await server.admin.tenant('acme')).id;
    const opened = await sessions.openForTenantAdmin({ ...signIn(adminId, 'ada@acme.test'), tenantId });
    expect(opened.identity).toMatchObject({ kind: 'tenant_admin', tenantSlug: 'acme', roles: ['admin'] });
    await expect(
      sessions.openForTenantAdmin({ ...signIn(memberId, 'bob@acme.test'), tenantId }),
    ).rejects.toBeInstanceOf(ConsoleAccessDeniedError);

    // Deactivated in the IdP: the open session stops working at once.
    const disabled = await acme.scim('PATCH', `/Users/${adminId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    expect(disabled.status).toBe(200);
    expect(await sessions.resolve(opened.cookieValue)).toBeNull();
  });
});

describe('changes and the audit log', () => {
  let operator: ConsoleIdentity;

  beforeAll(async () => {
    const record = await operators.create('audit@vendor.test', null);
    operator = (await sessions.openForOperator(record)).identity;
  });

  it('write an audit row with every change, in its transaction', async () => {
    const changes = new ConsoleChanges(server.store, operator);
    const tenant = await changes.createTenant('initech', 'Initech');
    const directory = await changes.createDirectory('initech', 'employees', null);
    const { token, secret } = await changes.generateToken('initech', directory.id);
    await changes.setProvisioning('initech', directory.id, false);
    await changes.revokeToken('initech', directory.id, token.id);
    expect(await auditActions(tenant.id)).toEqual([
      'token.revoke',
      'directory.provisioning_off',
      'token.generate',
      'directory.create',
      'tenant.create',
    ]);
    const page = await server.store.repositories.console.auditPage({ tenantId: tenant.id, limit: 10 });
    expect(page.entries[2]).toMatchObject({
      actorKind: 'operator',
      actorEmail: 'audit@vendor.test',
      targetType: 'token',
      targetId: token.id,
      targetName: token.prefix,
    });
    expect(JSON.stringify(page.entries)).not.toContain(secret);
  });

  it('write nothing, change nothing, when the change is refused', async () => {
    const changes = new ConsoleChanges(server.store, operator);
    const before = await auditActions();
    await expect(changes.createTenant('initech', 'again')).rejects.toThrow(/already exists/);
    const directory = (await server.admin.directoriesOf('initech')).directories[0]!;
    await expect(
      changes.updateRoleSettings('initech', directory.id, {
        roles: ROLES,
        defaultRole: 'owner',
        unknownRolePolicy: 'reject',
        multiRole: false,
        consoleRoles: [],
      }),
    ).rejects.toThrow(/Default role/);
    expect(await auditActions()).toEqual(before);
    expect((await server.admin.directory(directory.id)).settings).not.toContain('owner');
  });
});

describe('tenant isolation', () => {
  it("lets a tenant admin read and change their tenant only: another tenant's things are not found", async () => {
    const adminId = await provision(globex, 'gina@globex.test', 'admin');
    const tenantId = (await server.admin.tenant('globex')).id;
    const { identity } = await sessions.openForTenantAdmin({
      tenantId,
      directoryId: globex.id,
      userId: adminId,
      email: 'gina@globex.test',
      name: 'Gina',
      ssoSessionId: null,
    });
    const views = new ConsoleViews(server.store, identity);
    const changes = new ConsoleChanges(server.store, identity);
    expect((await views.overview('globex', server.url)).directories.map((d) => d.directory.id)).toEqual([
      globex.id,
    ]);
    await expect(views.overview('acme', server.url)).rejects.toMatchObject({ status: 404 });
    await expect(views.directory('acme', acme.id)).rejects.toMatchObject({ status: 404 });
    // Acme's directory id under Globex's slug is not found either.
    await expect(views.users('globex', acme.id, {})).rejects.toMatchObject({ status: 404 });
    await expect(views.tenants({})).rejects.toBeInstanceOf(ConsoleAccessDeniedError);
    const before = await auditActions();
    await expect(changes.setProvisioning('acme', acme.id, false)).rejects.toMatchObject({ status: 404 });
    await expect(changes.setProvisioning('globex', acme.id, false)).rejects.toMatchObject({ status: 404 });
    await expect(changes.createTenant('mine', undefined)).rejects.toBeInstanceOf(ConsoleAccessDeniedError);
    expect(await auditActions()).toEqual(before);
    expect((await server.admin.directory(acme.id)).scimEnabled).toBe(true);
    // Its own audit log holds its own tenant's entries only.
    const audit = await views.audit(undefined, {});
    expect(audit.entries.length).toBeGreaterThan(0);
    expect(audit.entries.every((e) => e.tenantId === tenantId)).toBe(true);
  });
});

describe('maintenance', () => {
  it('purges console sessions and links that ended over a day ago, and keeps live ones', async () => {
    const operator = await operators.create('purge@vendor.test', null);
    const lasting = new ConsoleSessions(server.store, { idleMinutes: 10_000, absoluteHours: 1000 });
    const live = await lasting.openForOperator(operator);
    const ended = await sessions.openForOperator(operator);
    await sessions.end(ended.cookieValue);
    await operators.createLink('purge@vendor.test');
    const raw = await connectRaw(server.location);
    const rows = async () =>
      (await raw.query<{ id: string }>('select id from console_sessions')).map((r) => r.id);
    try {
      const twoDaysOn = new Date(Date.now() + 2 * 86_400_000).toISOString();
      expect(await lasting.purge(twoDaysOn)).toBeGreaterThanOrEqual(2);
      expect(await rows()).toContain(live.identity.sessionId);
      expect(await rows()).not.toContain(ended.identity.sessionId);
      expect(await raw.query('select hash from console_links')).toEqual([]);
    } finally {
      await raw.close();
    }
    expect(await lasting.resolve(live.cookieValue)).not.toBeNull();
  });
});
