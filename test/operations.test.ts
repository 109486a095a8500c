import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../src/store/store.js';
import { send, startServer, type TestServer } from './support/rollcall-server.js';
import {
  connectRaw,
  createTestLocation,
  type RawConnection,
  seedDirectory,
  TEST_STORE,
  type TestLocation,
} from './support/test-store.js';

/** Operating rollcall: readiness, explicit migrations, refusing a newer schema, draining on SIGTERM. */
const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', 'bin', 'rollcall.js');
const FUTURE = '9999-from-a-newer-rollcall';

function rollcall(location: TestLocation, ...args: string[]) {
  return run(process.execPath, [BIN, ...args, ...location.cliArgs]);
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** `rollcall start` as a child process; resolves once it listens. */
async function startProcess(location: TestLocation, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'start', ...location.cliArgs, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`rollcall start exited with ${code}`)));
  });
  return child;
}

async function insertMigrationRow(location: TestLocation, name: string): Promise<void> {
  const raw = await connectRaw(location);
  try {
    await raw.query('insert into kysely_migration (name, timestamp) values ($1, $2)', [
      name,
      new Date().toISOString(),
    ]);
  } finally {
    await raw.close();
  }
}

describe('/healthz and /readyz', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer();
  });

  afterAll(async () => {
    await server.close();
  });

  it('is healthy while the process runs, and ready once the database has every migration', async () => {
    expect(await send(`${server.url}/healthz`, 'GET')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await send(`${server.url}/readyz`, 'GET')).toMatchObject({
      status: 200,
      body: { status: 'ready', database: 'current', migrations: { pending: [], unknown: [] } },
    });
  });

  it('is not ready while a migration this build needs has not run', async () => {
    const raw = await connectRaw(server.location);
    try {
      const [last] = await raw.query<{ name: string; timestamp: string }>(
        'select name, timestamp from kysely_migration order by name desc limit 1',
      );
      await raw.query('delete from kysely_migration where name = $1', [last!.name]);
      const behind = await send(`${server.url}/readyz`, 'GET');
      expect(behind).toMatchObject({
        status: 503,
        body: { status: 'unavailable', database: 'behind', migrations: { pending: [last!.name] } },
      });
      await raw.query('insert into kysely_migration (name, timestamp) values ($1, $2)', [
        last!.name,
        last!.timestamp,
      ]);
    } finally {
      await raw.close();
    }
    expect((await send(`${server.url}/readyz`, 'GET')).status).toBe(200);
  });

  it('stays ready when a newer rollcall has migrated further, so a rolling deploy keeps old nodes serving', async () => {
    await insertMigrationRow(server.location, FUTURE);
    expect(await send(`${server.url}/readyz`, 'GET')).toMatchObject({
      status: 200,
      body: { status: 'ready', database: 'newer', migrations: { unknown: [FUTURE] } },
    });
  });

  it('is not ready when the database cannot be reached', async () => {
    await server.store.close();
    expect(await send(`${server.url}/readyz`, 'GET')).toMatchObject({
      status: 503,
      body: { status: 'unavailable', database: 'unreachable' },
    });
    expect((await send(`${server.url}/healthz`, 'GET')).status).toBe(200);
    // close() closes the store again: Kysely's destroy is idempotent.
  });
});

describe('migrations', () => {
  let location: TestLocation;

  beforeAll(async () => {
    location = await createTestLocation();
  });

  afterAll(async () => {
    await location.remove();
  });

  it('`rollcall start --no-migrate` refuses a database that `rollcall migrate` has not brought up to date', async () => {
    await expect(rollcall(location, 'start', '--no-migrate', '--port', '0')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /schema is behind this rollcall \(pending: 0001-init.*run "rollcall migrate"/,
      ),
    });
  });

  it('takes only postgres:// database URLs', async () => {
    await expect(
      run(process.execPath, [BIN, 'migrate', '--database-url', 'mysql://root@127.0.0.1/test']),
    ).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('must be a postgres:// URL') });
  });

  it('`rollcall migrate` runs every migration once and says so', async () => {
    const first = JSON.parse((await rollcall(location, 'migrate', '--json')).stdout);
    expect(first.migrated[0]).toBe('0001-init');
    expect(first.applied).toEqual(first.migrated);
    const again = await rollcall(location, 'migrate');
    expect(again.stdout).toMatch(/is up to date/);
  });

  it('migrates once when several processes start on a fresh database at the same moment', async () => {
    const fresh = await createTestLocation();
    try {
      const runs = await Promise.all([1, 2, 3].map(() => rollcall(fresh, 'migrate', '--json')));
      const reports = runs.map((r) => JSON.parse(r.stdout) as { migrated: string[]; applied: string[] });
      const ran = reports.flatMap((r) => r.migrated);
      expect(ran.sort()).toEqual([...reports[0]!.applied].sort());
      for (const report of reports) expect(report.applied).toEqual(reports[0]!.applied);
    } finally {
      await fresh.remove();
    }
  });

  it('refuses to open a schema newer than this build knows, with a clear message', async () => {
    await insertMigrationRow(location, FUTURE);
    await expect(Store.open(location.storeOptions)).rejects.toThrow(
      `The database schema is newer than this rollcall: it has migrations ${FUTURE} that this version does not know`,
    );
    await expect(rollcall(location, 'start', '--port', '0')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`it has migrations ${FUTURE} that this version does not know`),
    });
  });
});

describe('graceful shutdown', () => {
  let location: TestLocation;

  beforeAll(async () => {
    location = await createTestLocation();
  });

  afterAll(async () => {
    await location.remove();
  });

  it('on SIGTERM finishes the request in flight, writes its log row, then exits 0', async () => {
    const port = await freePort();
    const child = await startProcess(location, port);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let directoryId: string;
    try {
      const directory = await seedDirectory(location, 'acme', 'staff');
      directoryId = directory.id;
      const scimUrl = `http://127.0.0.1:${port}/scim/v2/${directory.id}`;
      const auth = { authorization: `Bearer ${directory.token}` };
      const created = await send(`${scimUrl}/Users`, 'POST', { userName: 'ada@acme.test' }, auth);
      expect(created.status).toBe(201);

      // Hold the user's row (Postgres) or the write lock (SQLite) so the PATCH stays in flight, once
      // the POST's log row is written: that write would block on the lock too, outside any request.
      const raw = await connectRaw(location);
      for (let i = 0; i < 100; i++) {
        const [row] = await raw.query<{ n: number | string }>('select count(*) as n from provisioning_log');
        if (Number(row!.n) > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      let holder = 0;
      if (TEST_STORE === 'postgres') {
        [{ pid: holder }] = (await raw.query<{ pid: number }>('select pg_backend_pid() as pid')) as [
          { pid: number },
        ];
        await raw.query('begin');
        await raw.query('select id from users where id = $1 for update', [created.body.id]);
      } else {
        await raw.query('begin immediate');
      }
      const patch = send(
        `${scimUrl}/Users/${created.body.id}`,
        'PATCH',
        {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'replace', path: 'displayName', value: 'Ada Lovelace' }],
        },
        auth,
      );
      await waitUntilInFlight(raw, holder, port);

      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      expect(child.exitCode).toBeNull(); // still draining
      if (TEST_STORE === 'postgres')
        // The listener is closed: new requests go elsewhere (the load balancer's next node).
        await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();

      await raw.query(TEST_STORE === 'postgres' ? 'commit' : 'rollback');
      await raw.close();
      const answered = await patch;
      expect(answered.status).toBe(200);
      expect(answered.body.displayName).toBe('Ada Lovelace');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }

    // The provisioning log's last batch was written before the process exited.
    const store = await Store.open(location.storeOptions);
    try {
      const directory = await store.repositories.tenants.directoryById(directoryId);
      const logs = await store.repositories.logs.list({
        tenantId: directory!.tenantId,
        directoryId,
        limit: 10,
      });
      expect(logs.map((l) => `${l.method} ${l.status}`)).toEqual(['PATCH 200', 'POST 201']);
    } finally {
      await store.close();
    }
  });
});

/** Resolves once the PATCH is blocked on the held lock inside rollcall. */
async function waitUntilInFlight(raw: RawConnection, holder: number, port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (TEST_STORE === 'postgres') {
      const waiting = await raw.query(
        'select 1 from pg_stat_activity where $1 = any(pg_blocking_pids(pid))',
        [holder],
      );
      if (waiting.length > 0) return;
    } else {
      // better-sqlite3 waits for the lock synchronously: a node that cannot answer /healthz is inside the PATCH.
      const answered = await fetch(`http://127.0.0.1:${port}/healthz`, {
        signal: AbortSignal.timeout(250),
      }).then(
        () => true,
        () => false,
      );
      if (!answered) return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the PATCH never reached the lock');
}
