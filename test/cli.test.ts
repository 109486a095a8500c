import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERIFIED_TOKEN_TTL_MS } from '../src/directory/verified-tokens.js';
import { send } from './support/rollcall-server.js';
import { createTestLocation, type TestLocation } from './support/test-store.js';

/** The `rollcall` bin as a user runs it: real processes sharing one store (a data folder or a Postgres schema). */
const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', 'bin', 'rollcall.js');
let location: TestLocation;
let port: number;
let server: ChildProcess;

function rollcall(...args: string[]) {
  return run(process.execPath, [BIN, ...args, ...location.cliArgs, '--port', String(port)]);
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  location = await createTestLocation();
  port = await freePort();
  server = spawn(process.execPath, [BIN, 'start', ...location.cliArgs, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    server.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve();
    });
    server.once('exit', (code) => reject(new Error(`rollcall start exited with ${code}`)));
  });
});

afterAll(async () => {
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
  await location.remove();
});

describe('rollcall CLI', () => {
  it('creates a tenant and a directory whose token provisions through the running server, then shows the log', async () => {
    const tenant = JSON.parse(
      (await rollcall('tenant', 'create', 'acme', '--name', 'Acme Corp', '--json')).stdout,
    );
    expect(tenant).toMatchObject({ slug: 'acme', name: 'Acme Corp' });

    const { stdout } = await rollcall(
      'directory',
      'create',
      '--tenant',
      'acme',
      '--name',
      'advisors',
      '--roles',
      'ADMIN,USER,GUEST',
      '--default-role',
      'GUEST',
      '--json',
    );
    const directory = JSON.parse(stdout);
    expect(Object.keys(directory).sort()).toEqual(['id', 'name', 'scimUrl', 'tenant', 'token']);
    expect(directory.scimUrl).toBe(`http://127.0.0.1:${port}/scim/v2/${directory.id}`);

    const created = await send(
      `${directory.scimUrl}/Users`,
      'POST',
      { userName: 'ada@acme.test' },
      { authorization: `Bearer ${directory.token}` },
    );
    expect(created.status).toBe(201);
    expect(created.body.roles).toEqual([{ value: 'GUEST', primary: true }]);
    const failed = await send(
      `${directory.scimUrl}/Users`,
      'POST',
      { userName: 'ADA@acme.test' },
      { authorization: `Bearer ${directory.token}` },
    );
    expect(failed.status).toBe(409);

    await new Promise((r) => setTimeout(r, 200)); // the server batches log writes every 50 ms
    const logs = (await rollcall('logs', '--directory', directory.id, '--json')).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(logs.map((l) => l.status)).toEqual([409, 201]);
    const errors = (await rollcall('logs', '--directory', directory.id, '--errors')).stdout;
    expect(errors).toContain('409');
    expect(errors).toContain('uniqueness');
    expect(errors).not.toContain(directory.token);
  });

  it('creates and revokes tokens', async () => {
    await rollcall('tenant', 'create', 'globex');
    const directory = JSON.parse(
      (await rollcall('directory', 'create', '--tenant', 'globex', '--name', 'rooms', '--json')).stdout,
    );
    const token = JSON.parse(
      (await rollcall('token', 'create', '--directory', directory.id, '--json')).stdout,
    );
    expect(token.token).toMatch(/^rcs_/);
    const auth = { authorization: `Bearer ${token.token}` };
    expect((await send(`${directory.scimUrl}/Users`, 'GET', undefined, auth)).status).toBe(200);
    await rollcall('token', 'revoke', token.id);
    // A running node holds a token it verified for VERIFIED_TOKEN_TTL_MS; a revocation through the CLI
    // (another process) reaches it within that time.
    const revokedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < VERIFIED_TOKEN_TTL_MS + 3_000) {
      status = (await send(`${directory.scimUrl}/Users`, 'GET', undefined, auth)).status;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status).toBe(401);
    // The first token still works: rotation without downtime.
    expect(
      (
        await send(`${directory.scimUrl}/Users`, 'GET', undefined, {
          authorization: `Bearer ${directory.token}`,
        })
      ).status,
    ).toBe(200);
  });

  it('explains usage errors with exit code 2', async () => {
    await expect(rollcall('directory', 'create', '--name', 'x')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--tenant'),
    });
    await expect(rollcall('tenant', 'create', 'Bad Slug!')).rejects.toMatchObject({ code: 1 });
  });
});
