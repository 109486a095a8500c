import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/rollcall-server.js';
import { createTestLocation, TEST_STORE, type TestLocation } from '../support/test-store.js';

/** `rollcall oidc client …` and the secret key of `rollcall start`, as a user runs them (the built bin). */
const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'rollcall.js');

describe('rollcall oidc client', () => {
  let server: TestServer;
  const rollcall = (...args: string[]) => run(process.execPath, [BIN, ...args, ...server.location.cliArgs]);

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('registers a client the running server knows, showing the secret once', async () => {
    const created = JSON.parse(
      (
        await rollcall(
          'oidc',
          'client',
          'create',
          '--name',
          'Host app',
          '--redirect-uri',
          'http://localhost:3000/callback',
          '--redirect-uri',
          'https://app.test/callback',
          '--login-uri',
          'https://app.test/login',
          '--public-url',
          'https://id.vendor.test',
          '--json',
        )
      ).stdout,
    );
    expect(created).toMatchObject({
      name: 'Host app',
      redirectUris: ['http://localhost:3000/callback', 'https://app.test/callback'],
      loginUri: 'https://app.test/login',
      tokenEndpointAuthMethod: 'client_secret_basic',
      issuer: 'https://id.vendor.test/oidc',
      relayState: `/oidc/launch/${created.id}`,
    });
    expect(created.secret).toMatch(/^rco_[A-Za-z0-9_-]{43}$/);
    const fetched = await server.api('GET', `/oidc/clients/${created.id}`);
    expect(fetched.body.name).toBe('Host app');
    expect(JSON.stringify(fetched.body)).not.toContain(created.secret);

    const listed = (await rollcall('oidc', 'client', 'list')).stdout;
    expect(listed).toContain(created.id);
    expect(listed).not.toContain(created.secret);

    await rollcall('oidc', 'client', 'delete', created.id);
    expect((await server.api('GET', `/oidc/clients/${created.id}`)).status).toBe(404);
    await expect(rollcall('oidc', 'client', 'delete', created.id)).rejects.toMatchObject({ code: 1 });
  });

  it('registers a public client without a secret', async () => {
    const out = await rollcall(
      'oidc',
      'client',
      'create',
      '--name',
      'SPA',
      '--redirect-uri',
      'https://spa.test/',
      '--auth-method',
      'none',
    );
    expect(out.stdout).toContain('Client secret: none');
    expect(out.stdout).not.toContain('rco_');
  });

  it('refuses bad input with a message and changes nothing', async () => {
    await expect(
      rollcall('oidc', 'client', 'create', '--name', 'X', '--redirect-uri', 'http://app.test/callback'),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('must use https') });
    await expect(rollcall('oidc', 'client', 'create', '--name', 'X')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('Missing --redirect-uri'),
    });
    await expect(
      rollcall(
        'oidc',
        'client',
        'create',
        '--name',
        'X',
        '--redirect-uri',
        'https://a.test/',
        '--auth-method',
        'jwt',
      ),
    ).rejects.toMatchObject({ code: 2 });
    const listed = JSON.stringify(
      (await server.api('GET', '/oidc/clients')).body.items.map((c: { name: string }) => c.name),
    );
    expect(listed).not.toContain('"X"');
  });
});

describe('the secret key of rollcall start', () => {
  let location: TestLocation;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    location = await createTestLocation();
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await location.remove();
  });

  async function freePort(): Promise<number> {
    return new Promise((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
  }

  /** Starts rollcall with `env`; resolves with its URL once it listens, or with its exit code and stderr. */
  async function start(
    env: NodeJS.ProcessEnv,
  ): Promise<{ url?: string; code?: number | null; stderr: string; child: ChildProcess }> {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'start', ...location.cliArgs, '--port', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env },
    });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    return new Promise((resolve) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('listening'))
          resolve({ url: `http://127.0.0.1:${port}`, stderr, child });
      });
      child.once('exit', (code) => resolve({ code, stderr, child }));
    });
  }

  async function stop(child: ChildProcess): Promise<void> {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  // PostgreSQL: no node's disk is shared, so the key must come from the environment.
  const postgres = TEST_STORE === 'postgres';
  it(
    postgres
      ? 'is required on PostgreSQL'
      : 'is created in the data folder on first start of the embedded store',
    async () => {
      const started = await start({});
      if (postgres) {
        expect(started.code).toBe(1);
        expect(started.stderr).toContain('Set ROLLCALL_SECRET_KEY when rollcall runs on PostgreSQL');
      } else {
        expect(started.url).toBeDefined();
        expect(statSync(join(location.dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
        await stop(started.child);
      }
    },
  );

  it('must be the key that sealed the signing keys: another one stops the node at start', async () => {
    const key = randomBytes(32).toString('base64');
    const first = await start({ ROLLCALL_SECRET_KEY: key });
    expect((await fetch(`${first.url}/oidc/jwks`)).status).toBe(200);
    await stop(first.child);
    const wrong = await start({ ROLLCALL_SECRET_KEY: randomBytes(32).toString('base64') });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('another secret key than the one that sealed them');
    const right = await start({ ROLLCALL_SECRET_KEY: key });
    expect(right.url).toBeDefined();
    await stop(right.child);
  });
});
