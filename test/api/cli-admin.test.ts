import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/rollcall-server.js';

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
