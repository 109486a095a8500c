import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScimResponse, send } from './support/rollcall-server.js';
import { createTestLocation, seedDirectory, type TestLocation } from './support/test-store.js';

/**
 * Many rollcall nodes behaving as one: three real `rollcall start` processes on one Postgres
 * schema, driven with concurrent SCIM traffic spread over all of them. Every loop is bounded and
 * every request goes to 127.0.0.1.
 */
const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', 'bin', 'rollcall.js');
const NODES = 3;
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

interface Node {
  readonly url: string;
  readonly child: ChildProcess;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function startNode(location: TestLocation): Promise<Node> {
  const port = await freePort();
  // --no-migrate: production nodes run on a schema `rollcall migrate` prepared.
  const child = spawn(
    process.execPath,
    [BIN, 'start', ...location.cliArgs, '--port', String(port), '--no-migrate'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`rollcall start exited with ${code}: ${stderr}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

describe('three rollcall nodes on one PostgreSQL', () => {
  let location: TestLocation;
  let nodes: Node[] = [];
  let directoryId: string;
  let token: string;
  /** Every resource a 2xx created, with the version and name its last 2xx answer showed. */
  const expected = new Map<string, { kind: 'Users' | 'Groups'; version: string; name: string }>();

  /** A SCIM request through node `i` (round-robin, like a load balancer). */
  function scim(
    i: number,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const node = nodes[i % nodes.length]!;
    return send(`${node.url}/scim/v2/${directoryId}${path}`, method, body, {
      authorization: `Bearer ${token}`,
      ...headers,
    });
  }

  function remember(kind: 'Users' | 'Groups', response: ScimResponse): void {
    expect(response.status, JSON.stringify(response.body)).toBeLessThan(300);
    if (response.body?.id === undefined) return;
    expect(response.headers.get('etag')).toBe(response.body.meta.version);
    expected.set(response.body.id, {
      kind,
      version: response.body.meta.version,
      name: kind === 'Users' ? response.body.userName : response.body.displayName,
    });
  }

  beforeAll(async () => {
    location = await createTestLocation();
    const cli = (...args: string[]) => run(process.execPath, [BIN, ...args, ...location.cliArgs]);
    await cli('migrate');
    ({ id: directoryId, token } = await seedDirectory(location, 'acme', 'staff'));
    nodes = await Promise.all(Array.from({ length: NODES }, () => startNode(location)));
  });

  afterAll(async () => {
    await Promise.all(
      nodes.map(async ({ child }) => {
        if (child.exitCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }),
    );
    await location?.remove();
  });

  it('creates the same userName once when it is sent through every node at once; the others get 409', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `race${i}@acme.test`);
    // Six creates per name, two per node, in different letter case: userName is case-insensitive.
    const attempts = names.flatMap((name, n) =>
      Array.from({ length: 6 }, (_, k) => ({
        name,
        send: () => scim(n + k, 'POST', '/Users', { userName: k % 2 ? name.toUpperCase() : name }),
      })),
    );
    const answers = await Promise.all(attempts.map((a) => a.send()));
    for (const name of names) {
      const mine = answers.filter((_, i) => attempts[i]!.name === name);
      expect(mine.map((r) => r.status).sort(), name).toEqual([201, 409, 409, 409, 409, 409]);
      for (const conflict of mine.filter((r) => r.status === 409))
        expect(conflict.body.scimType).toBe('uniqueness');
      const created = mine.find((r) => r.status === 201)!;
      remember('Users', created);
      for (let i = 0; i < NODES; i++) {
        const found = await scim(i, 'GET', `/Users?filter=${encodeURIComponent(`userName eq "${name}"`)}`);
        expect(found.body.totalResults, `node ${i}: ${name}`).toBe(1);
        expect(found.body.Resources[0].id).toBe(created.body.id);
      }
    }
  });

  it('loses no member when members are added and removed on one group through every node at once', async () => {
    const users: string[] = [];
    for (let i = 0; i < 40; i++) {
      const created = await scim(i, 'POST', '/Users', { userName: `member${i}@acme.test` });
      remember('Users', created);
      users.push(created.body.id);
    }
    const leaving = users.slice(30);
    const group = await scim(0, 'POST', '/Groups', {
      displayName: 'Everyone',
      members: leaving.map((value) => ({ value })),
    });
    remember('Groups', group);
    expect(group.body.meta.version).toBe('W/"1"');

    // 30 adds and 10 removes, one member each, all in flight together over the three nodes.
    const changes = [
      ...users.slice(0, 30).map((value) => ({ op: 'add', path: 'members', value: [{ value }] })),
      ...leaving.map((value) => ({ op: 'remove', path: `members[value eq "${value}"]` })),
    ];
    const answers = await Promise.all(
      changes.map((operation, i) =>
        scim(i, 'PATCH', `/Groups/${group.body.id}`, { schemas: [PATCH_OP], Operations: [operation] }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(changes.map(() => 204));

    for (let i = 0; i < NODES; i++) {
      const seen = await scim(i, 'GET', `/Groups/${group.body.id}`);
      expect(seen.body.members.map((m: { value: string }) => m.value).sort(), `node ${i}`).toEqual(
        users.slice(0, 30).sort(),
      );
      // Every PATCH was a change of its own: none was applied on top of a stale read.
      expect(seen.body.meta.version).toBe(`W/"${1 + changes.length}"`);
      remember('Groups', seen);
    }
  });

  it('never lets two PATCHes with the same If-Match both win: one 200 per version, the others 412', async () => {
    const created = await scim(0, 'POST', '/Users', { userName: 'contested@acme.test' });
    remember('Users', created);
    let etag: string = created.body.meta.version;
    for (let round = 0; round < 6; round++) {
      const writers = Array.from({ length: 6 }, (_, k) => `writer ${round}.${k}`);
      const answers = await Promise.all(
        writers.map((value, k) =>
          scim(
            k,
            'PATCH',
            `/Users/${created.body.id}`,
            { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value }] },
            { 'if-match': etag },
          ),
        ),
      );
      expect(answers.map((r) => r.status).sort(), `round ${round}`).toEqual([200, 412, 412, 412, 412, 412]);
      const winner = answers.find((r) => r.status === 200)!;
      expect(winner.body.meta.version).toBe(`W/"${round + 2}"`);
      remember('Users', winner);
      for (let i = 0; i < NODES; i++) {
        const seen = await scim(i, 'GET', `/Users/${created.body.id}`);
        expect(seen.body.displayName, `node ${i}`).toBe(winner.body.displayName);
        expect(seen.headers.get('etag')).toBe(winner.body.meta.version);
      }
      etag = winner.body.meta.version;
    }
  });

  it('keeps no membership of a user deleted through another node while it was being added', async () => {
    const group = await scim(2, 'POST', '/Groups', { displayName: 'Short-lived members' });
    for (let round = 0; round < 12; round++) {
      const user = await scim(round, 'POST', '/Users', { userName: `brief${round}@acme.test` });
      const [added, deleted] = await Promise.all([
        scim(round, 'PATCH', `/Groups/${group.body.id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'add', path: 'members', value: [{ value: user.body.id }] }],
        }),
        scim(round + 1, 'DELETE', `/Users/${user.body.id}`),
      ]);
      expect(deleted.status).toBe(204);
      // Either the add came first (and the delete then removed the membership) or it found no user.
      expect([204, 400]).toContain(added.status);
    }
    for (let i = 0; i < NODES; i++) {
      const seen = await scim(i, 'GET', `/Groups/${group.body.id}`);
      expect(seen.body.members ?? [], `node ${i}`).toEqual([]);
    }
  });

  it('deletes a resource once when the delete is sent through every node at once', async () => {
    const created = await scim(1, 'POST', '/Users', { userName: 'leaver@acme.test' });
    const answers = await Promise.all(
      Array.from({ length: NODES * 2 }, (_, i) => scim(i, 'DELETE', `/Users/${created.body.id}`)),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([204, 404, 404, 404, 404, 404]);
    for (let i = 0; i < NODES; i++)
      expect((await scim(i, 'GET', `/Users/${created.body.id}`)).status).toBe(404);
  });

  it('shows every 2xx answer from every node afterwards', async () => {
    expect(expected.size).toBeGreaterThan(40);
    for (let i = 0; i < NODES; i++) {
      for (const [id, { kind, version, name }] of expected) {
        const seen = await scim(i, 'GET', `/${kind}/${id}`);
        expect(seen.status, `node ${i}: ${kind}/${id}`).toBe(200);
        expect(seen.body.meta.version).toBe(version);
        expect(kind === 'Users' ? seen.body.userName : seen.body.displayName).toBe(name);
      }
      // A cursor walk on each node serves exactly the users the 201s created, once each.
      const walked: string[] = [];
      let cursor = '';
      for (let page = 0; page < 20; page++) {
        const list = await scim(i, 'GET', `/Users?count=7&cursor=${cursor}`);
        walked.push(...list.body.Resources.map((r: { id: string }) => r.id));
        if (!list.body.nextCursor) break;
        cursor = list.body.nextCursor;
      }
      const users = [...expected].filter(([, e]) => e.kind === 'Users').map(([id]) => id);
      expect(walked.sort(), `node ${i}`).toEqual(users.sort());
    }
  });
});
