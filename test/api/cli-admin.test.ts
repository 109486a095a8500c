import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, startServer, type TestServer } from '../support/rollcall-server.js';

/** The CLI's admin commands on the same store as a running server (the built bin, as a user runs it). */
const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'rollcall.js');
let server: TestServer;

function rollcall(...args: string[]) {
  return run(process.execPath, [BIN, ...args, ...server.location.cliArgs]);
}

beforeAll(async () => {
  server = await startServer();
  await server.createDirectory('acme');
  await server.createDirectory('globex');
});
afterAll(() => server.close());

describe('rollcall apikey', () => {
  it('creates a key the running server accepts, lists it without the secret, and revokes it', async () => {
    const created = JSON.parse((await rollcall('apikey', 'create', '--name', 'ops', '--json')).stdout);
    expect(Object.keys(created).sort()).toEqual(['id', 'key']);
    expect(created.key).toMatch(/^rck_[A-Za-z0-9_-]{43}$/);
    expect((await server.api('GET', '/tenants', undefined, created.key)).status).toBe(200);

    const listed = (await rollcall('apikey', 'list')).stdout;
    expect(listed).toContain(created.id);
    expect(listed).toContain(created.key.slice(0, 10));
    expect(listed).not.toContain(created.key);

    await rollcall('apikey', 'revoke', created.id);
    expect((await server.api('GET', '/tenants', undefined, created.key)).status).toBe(401);
  });

  it('limits a key to one tenant with --tenant', async () => {
    const { key } = JSON.parse((await rollcall('apikey', 'create', '--tenant', 'acme', '--json')).stdout);
    const tenants = await server.api('GET', '/tenants', undefined, key);
    expect(tenants.body.items.map((t: { slug: string }) => t.slug)).toEqual(['acme']);
    expect((await server.api('GET', '/tenants/globex', undefined, key)).status).toBe(404);
    await expect(rollcall('apikey', 'create', '--tenant', 'nobody')).rejects.toMatchObject({ code: 1 });
  });
});

describe('rollcall tenant', () => {
  it('lists tenants and deletes one with everything of it', async () => {
    const list = (await rollcall('tenant', 'list', '--json')).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).slug);
    expect(list).toEqual(['acme', 'globex']);
    await rollcall('tenant', 'delete', 'globex');
    expect((await server.api('GET', '/tenants/globex')).status).toBe(404);
    await expect(rollcall('tenant', 'delete', 'globex')).rejects.toMatchObject({ code: 1 });
  });
});

describe('rollcall lifecycle commands', () => {
  const deactivate = {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
  };

  it("update a directory's lifecycle settings, as the API then shows them", async () => {
    const dir = await server.createDirectory('lifecycle-cli');
    const updated = JSON.parse(
      (
        await rollcall(
          'directory',
          'update',
          dir.id,
          '--delete-policy',
          'soft',
          '--soft-delete-days',
          '14',
          '--account-matching',
          'on',
          '--guard-share',
          '0.3',
          '--guard-window',
          '30',
          '--guard-min',
          '5',
          '--json',
        )
      ).stdout,
    );
    expect(updated).toMatchObject({
      id: dir.id,
      tenant: 'lifecycle-cli',
      deletePolicy: 'soft',
      softDeleteDays: 14,
      accountMatching: true,
      deprovisionGuard: { enabled: true, maxShare: 0.3, windowMinutes: 30, minCount: 5 },
    });
    const { body } = await server.api('GET', `/directories/${dir.id}`);
    expect(body).toMatchObject({ deletePolicy: 'soft', softDeleteDays: 14, accountMatching: true });

    const text = (
      await rollcall('directory', 'update', dir.id, '--guard', 'off', '--account-matching', 'off')
    ).stdout;
    expect(text).toContain('account matching off');
    expect(text).toContain('guard off');
    expect((await server.api('GET', `/directories/${dir.id}`)).body.deprovisionGuard).toEqual({
      enabled: false,
      maxShare: 0.3,
      windowMinutes: 30,
      minCount: 5,
    });

    for (const args of [
      ['--delete-policy', 'gone'],
      ['--guard', 'maybe'],
      ['--guard-share', 'lots'],
      ['--soft-delete-days', 'ten'],
      [],
    ])
      await expect(rollcall('directory', 'update', dir.id, ...args), args.join(' ')).rejects.toMatchObject({
        code: 2,
      });
    await expect(rollcall('directory', 'update', dir.id, '--soft-delete-days', '0')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('softDeleteDays'),
    });
    await expect(rollcall('directory', 'update', 'nope', '--guard', 'on')).rejects.toMatchObject({ code: 1 });
  });

  it('release the deprovisioning guard', async () => {
    const dir = await server.createDirectory('lifecycle-cli');
    await server.api('PATCH', `/directories/${dir.id}`, {
      deprovisionGuard: { maxShare: 0.25, minCount: 2 },
    });
    const ids: string[] = [];
    for (let i = 0; i < 8; i++)
      ids.push((await dir.scim('POST', '/Users', { userName: `u${i}@guard-cli.test` })).body.id);
    expect((await dir.scim('PATCH', `/Users/${ids[0]}`, deactivate)).status).toBe(200);
    expect((await dir.scim('PATCH', `/Users/${ids[1]}`, deactivate)).status).toBe(200);
    const a = ids[2]!;
    expect((await dir.scim('PATCH', `/Users/${a}`, deactivate)).status).toBe(403);
    expect((await server.api('GET', `/directories/${dir.id}`)).body.deprovisioningPausedAt).not.toBeNull();

    expect((await rollcall('directory', 'release', dir.id)).stdout).toContain('Released');
    expect((await server.api('GET', `/directories/${dir.id}`)).body.deprovisioningPausedAt).toBeNull();
    expect((await dir.scim('PATCH', `/Users/${a}`, deactivate)).status).toBe(200);
    await expect(rollcall('directory', 'release', 'nope')).rejects.toMatchObject({ code: 1 });
  });

  it('restore a soft-deleted user', async () => {
    const dir = await server.createDirectory('lifecycle-cli');
    await server.api('PATCH', `/directories/${dir.id}`, { deletePolicy: 'soft' });
    const user = (await dir.scim('POST', '/Users', { userName: 'back@restore-cli.test' })).body;
    await dir.scim('DELETE', `/Users/${user.id}`);
    const restored = JSON.parse(
      (await rollcall('user', 'restore', '--directory', dir.id, user.id, '--json')).stdout,
    );
    expect(restored).toMatchObject({
      id: user.id,
      userName: 'back@restore-cli.test',
      source: 'scim',
      provisioned: true,
    });
    expect((await dir.scim('GET', `/Users/${user.id}`)).status).toBe(200);
    await expect(rollcall('user', 'restore', '--directory', dir.id, user.id)).rejects.toMatchObject({
      code: 1,
    });
    await expect(rollcall('user', 'restore', user.id)).rejects.toMatchObject({ code: 2 });
  });

  it('list, confirm and refuse account matches', async () => {
    const dir = await server.createDirectory('lifecycle-cli');
    await server.api('PATCH', `/directories/${dir.id}`, { accountMatching: true });
    for (const name of ['eve', 'fay']) {
      await server.api('POST', `/directories/${dir.id}/users`, { userName: `${name}@other.test` });
      await dir.scim('POST', '/Users', {
        userName: `${name}.scim`,
        emails: [{ value: `${name}@other.test` }],
      });
    }
    const listed = (await rollcall('match', 'list', '--directory', dir.id, '--json')).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(listed.map((m) => [m.email, m.status])).toEqual([
      ['eve@other.test', 'pending'],
      ['fay@other.test', 'pending'],
    ]);
    expect((await rollcall('match', 'list', '--directory', dir.id)).stdout).toContain('eve@other.test');

    const confirmed = JSON.parse(
      (await rollcall('match', 'confirm', '--directory', dir.id, listed[0].id, '--json')).stdout,
    );
    expect(confirmed).toMatchObject({ id: listed[0].id, status: 'confirmed' });
    expect((await server.api('GET', `/directories/${dir.id}/users/${listed[0].existingUserId}`)).status).toBe(
      404,
    );
    expect((await rollcall('match', 'refuse', '--directory', dir.id, listed[1].id)).stdout).toContain(
      'Refused',
    );
    expect((await rollcall('match', 'list', '--directory', dir.id, '--status', 'pending')).stdout).toBe(
      'No account matches.\n',
    );
    await expect(rollcall('match', 'confirm', '--directory', dir.id, listed[1].id)).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('already refused'),
    });
    await expect(rollcall('match', 'list', '--directory', dir.id, '--status', 'maybe')).rejects.toMatchObject(
      {
        code: 2,
      },
    );
  });

  it("declare a tenant's email domains", async () => {
    await server.createDirectory('lifecycle-cli');
    expect((await rollcall('tenant', 'domain', 'add', 'lifecycle-cli', 'CLI.example')).stdout).toContain(
      'cli.example',
    );
    expect((await server.api('GET', '/tenants/lifecycle-cli/domains')).body.items).toEqual([
      { domain: 'cli.example' },
    ]);
    expect((await rollcall('tenant', 'domain', 'list', 'lifecycle-cli', '--json')).stdout).toBe(
      '{"domain":"cli.example"}\n',
    );
    await expect(rollcall('tenant', 'domain', 'add', 'lifecycle-cli', 'not a domain')).rejects.toMatchObject({
      code: 1,
    });
    await expect(rollcall('tenant', 'domain', 'add', 'acme', 'cli.example')).rejects.toMatchObject({
      code: 1,
    });
    await expect(rollcall('tenant', 'domain', 'remove', 'lifecycle-cli')).rejects.toMatchObject({ code: 2 });
  });

  it('create a token limited to scopes', async () => {
    const dir = await server.createDirectory('lifecycle-cli');
    const token = JSON.parse(
      (
        await rollcall(
          'token',
          'create',
          '--directory',
          dir.id,
          '--scopes',
          'users:read,groups:read',
          '--json',
        )
      ).stdout,
    );
    expect(token.scopes).toEqual(['users:read', 'groups:read']);
    const auth = { authorization: `Bearer ${token.token}` };
    expect((await send(`${dir.scimUrl}/Users`, 'GET', undefined, auth)).status).toBe(200);
    expect(
      (await send(`${dir.scimUrl}/Users`, 'POST', { userName: 'no@scopes-cli.test' }, auth)).status,
    ).toBe(403);
    await expect(
      rollcall('token', 'create', '--directory', dir.id, '--scopes', 'users:admin'),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('users:admin') });
    await expect(rollcall('token', 'create', '--directory', dir.id, '--scopes', ',')).rejects.toMatchObject({
      code: 2,
    });
  });
});
