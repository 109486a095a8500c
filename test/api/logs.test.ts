import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/directory/clock.js';
import { LogRetention } from '../../src/directory/log-retention.js';
import type { LogEntry } from '../../src/store/ports.js';
import { startServer, type TestDirectory, type TestServer } from '../support/rollcall-server.js';

/** The provisioning log through the admin API: filters, cursor paging, CSV and JSON-lines exports, purge. */
let server: TestServer;
let dir: TestDirectory;
let other: TestDirectory;
let adaId: string;

const DAY = 24 * 60 * 60 * 1000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();

function entry(
  directory: TestDirectory & { tenantId: string },
  at: string,
  extra: Partial<LogEntry> = {},
): LogEntry {
  return {
    id: newId(),
    tenantId: directory.tenantId,
    directoryId: directory.id,
    at,
    method: 'GET',
    path: `/scim/v2/${directory.id}/Users`,
    operation: 'list',
    resourceType: 'User',
    resourceId: null,
    resourceName: null,
    status: 200,
    scimType: null,
    detail: null,
    durationMs: 1.5,
    client: 'Azure AD',
    ...extra,
  };
}

async function withTenantId(d: TestDirectory) {
  const tenantId = (await server.api('GET', `/tenants/${d.tenant}`)).body.id as string;
  return { ...d, tenantId };
}

beforeAll(async () => {
  server = await startServer();
  dir = await server.createDirectory('acme');
  other = await server.createDirectory('globex');
  const ada = await dir.scim('POST', '/Users', { userName: 'ada@acme.test' });
  adaId = ada.body.id;
  await dir.scim('POST', '/Users', { userName: 'ADA@acme.test' }); // 409
  await dir.scim('PATCH', `/Users/${adaId}`, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'replace', path: 'displayName', value: 'Ada, "Countess" of Lovelace' }],
  });
  await dir.scim('GET', `/Users?filter=${encodeURIComponent('userName eq "x"')}`);
  await dir.scim('GET', '/Users/missing'); // 404
  await other.scim('POST', '/Users', { userName: 'hank@globex.test' });
  await server.app.log.flush();
});
afterAll(() => server.close());

const logs = (query = '', d: TestDirectory = dir) => server.api('GET', `/directories/${d.id}/logs${query}`);

describe('reading the log', () => {
  it('lists entries newest first with every public field', async () => {
    const res = await logs();
    expect(res.status).toBe(200);
    expect(res.body.items.map((e: { operation: string }) => e.operation)).toEqual([
      'get',
      'list',
      'update',
      'create',
      'create',
    ]);
    expect(res.body.items[3]).toEqual({
      id: expect.any(String),
      at: expect.any(String),
      status: 409,
      method: 'POST',
      path: `/scim/v2/${dir.id}/Users`,
      operation: 'create',
      resourceType: 'User',
      resourceId: null,
      resourceName: 'ADA@acme.test',
      scimType: 'uniqueness',
      detail: expect.any(String),
      note: null,
      durationMs: expect.any(Number),
      client: 'node',
    });
    expect(res.body.nextCursor).toBeUndefined();
    // Only this directory's entries.
    expect(JSON.stringify(res.body)).not.toContain('hank@globex.test');
  });

  it('filters by status, operation and user', async () => {
    const statuses = async (query: string) =>
      (await logs(query)).body.items.map((e: { status: number }) => e.status);
    expect(await statuses('?status=error')).toEqual([404, 409]);
    expect(await statuses('?status=success')).toEqual([200, 200, 201]);
    expect(await statuses('?status=409')).toEqual([409]);
    expect(await statuses('?operation=create')).toEqual([409, 201]);
    expect(await statuses('?operation=create&status=error')).toEqual([409]);
    // By userName (any case) or by id: the requests about that user, by its id on the log's
    // resource index. The refused create named no user id, so it is not among them.
    expect(await statuses('?user=ada%40ACME.test')).toEqual([200, 201]);
    expect(await statuses(`?user=${adaId}`)).toEqual([200, 201]);
    expect(await statuses('?user=nobody%40acme.test')).toEqual([]);
  });

  it('validates the filters', async () => {
    for (const [query, code] of [
      ['?status=bad', 'VALIDATION_FAILED'],
      ['?limit=0', 'VALIDATION_FAILED'],
      ['?format=xml', 'VALIDATION_FAILED'],
      ['?since=yesterday', 'INVALID_VALUE'],
      ['?cursor=nope', 'INVALID_CURSOR'],
      ['?colour=red', 'VALIDATION_FAILED'],
    ] as const) {
      const res = await logs(query);
      expect(res.status, query).toBe(400);
      expect(res.body.code, query).toBe(code);
    }
  });

  it('filters by time range and pages with a cursor, newest first', async () => {
    const d = await withTenantId(other);
    await server.store.repositories.logs.append(
      Array.from({ length: 7 }, (_, i) => entry(d, daysAgo(10 - i), { resourceName: `old-${i}` })),
    );
    const since = encodeURIComponent(daysAgo(8.5));
    const until = encodeURIComponent(daysAgo(4.5));
    const ranged = await logs(`?since=${since}&until=${until}`, other);
    expect(ranged.body.items.map((e: { resourceName: string }) => e.resourceName)).toEqual([
      'old-5',
      'old-4',
      'old-3',
      'old-2',
    ]);
    // A date without time is a date-time at midnight UTC.
    const future = await logs('?since=2999-01-01', other);
    expect(future.body.items).toEqual([]);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await logs(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`, other);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((e: { id: string }) => e.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    const all = (await logs('?limit=1000', other)).body.items.map((e: { id: string }) => e.id);
    expect(seen).toEqual(all);
    expect(all).toHaveLength(8);
    expect(pages).toBe(3);
  });
});

describe('exports', () => {
  it('exports CSV with a header, escaping quotes and commas, and defusing spreadsheet formulas', async () => {
    const d = await withTenantId(dir);
    await server.store.repositories.logs.append([
      entry(d, new Date().toISOString(), { resourceName: '=HYPERLINK("http://evil.test")', status: 400 }),
    ]);
    const res = await logs('?format=csv&status=error');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="rollcall-log-.*\.csv"/);
    const lines = (res.body as string).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'at,status,method,path,operation,resourceType,resourceId,resourceName,scimType,detail,note,durationMs,client,id',
    );
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain(`,"'=HYPERLINK(""http://evil.test"")",`);
    expect(lines[3]).toContain(',409,POST,');
  });

  it('exports JSON lines of every matching entry, read in chunks', async () => {
    const d = await withTenantId(dir);
    const start = Date.now() - DAY;
    const bulk = Array.from({ length: 2500 }, (_, i) =>
      entry(d, new Date(start + i * 1000).toISOString(), { operation: 'bulk', resourceName: `u${i}` }),
    );
    for (let i = 0; i < bulk.length; i += 500)
      await server.store.repositories.logs.append(bulk.slice(i, i + 500));
    const res = await logs('?format=jsonl&operation=bulk');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const rows = (res.body as string)
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(2500);
    expect(rows[0].resourceName).toBe('u2499');
    expect(rows.at(-1).resourceName).toBe('u0');
    expect(Object.keys(rows[0])).toEqual([
      'at',
      'status',
      'method',
      'path',
      'operation',
      'resourceType',
      'resourceId',
      'resourceName',
      'scimType',
      'detail',
      'note',
      'durationMs',
      'client',
      'id',
    ]);
    const limited = await logs('?format=jsonl&operation=bulk&limit=10');
    expect((limited.body as string).trimEnd().split('\n')).toHaveLength(10);
  });
});

describe('retention', () => {
  it('purges entries older than the retention (30 days by default), in every tenant, and keeps the rest', async () => {
    const a = await withTenantId(dir);
    const b = await withTenantId(other);
    await server.store.repositories.logs.append([
      entry(a, daysAgo(45), { resourceName: 'ancient-a' }),
      entry(b, daysAgo(31), { resourceName: 'ancient-b' }),
      entry(b, daysAgo(29), { resourceName: 'recent-b' }),
    ]);
    const before = (await logs('?limit=1000', other)).body.items.length;
    const res = await server.api('POST', '/logs/purge');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ deleted: 2, before: expect.any(String) });
    expect(Date.parse(res.body.before)).toBeCloseTo(Date.now() - 30 * DAY, -5);
    const names = (await logs('?limit=1000', other)).body.items.map(
      (e: { resourceName: string }) => e.resourceName,
    );
    expect(names).toContain('recent-b');
    expect(names).not.toContain('ancient-b');
    expect(names).toHaveLength(before - 1);

    const week = await server.api('POST', '/logs/purge', { olderThanDays: 7 });
    // old-0 … old-3 (10 to 7 days old) and recent-b (29 days old).
    expect(week.body.deleted).toBe(5);
  });

  it('runs the same purge on the interval the server uses', async () => {
    const a = await withTenantId(dir);
    await server.store.repositories.logs.append([entry(a, daysAgo(100)), entry(a, daysAgo(100))]);
    const retention = new LogRetention(server.store, 90);
    expect(await retention.purge()).toBe(2);
    expect(await retention.purge()).toBe(0);
  });

  it('purges in chunks until nothing older is left', async () => {
    const a = await withTenantId(dir);
    await server.store.repositories.logs.append(Array.from({ length: 25 }, () => entry(a, daysAgo(400))));
    expect(await server.store.repositories.logs.purgeBefore(daysAgo(365), 10)).toBe(25);
  });
});
