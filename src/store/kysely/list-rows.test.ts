import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openTestStore } from '../../../test/support/test-store.js';
import type { JsonObject } from '../../scim/json/json-value.js';
import type { ListQuery, Scope, StoredUser } from '../ports.js';
import type { Store } from '../store.js';

/** Listing users the same way on both stores (runs on SQLite and, in the postgres project, on Postgres). */
const scope: Scope = { tenantId: 't1', directoryId: 'd1' };
let store: Store;
let close: () => Promise<void>;

function user(id: string, data: JsonObject): StoredUser {
  return {
    id,
    source: 'scim',
    userName: data.userName as string,
    externalId: null,
    active: true,
    data,
    version: 1,
    created: '2024-01-01T00:00:00.000Z',
    lastModified: '2024-01-01T00:00:00.000Z',
  };
}

beforeAll(async () => {
  ({ store, close } = await openTestStore());
  // Inserted in this order, so creation order (seq) is u1, u2, u3, u4, u5.
  for (const [id, displayName] of [
    ['u1', 'beta'],
    ['u2', undefined],
    ['u3', 'Alpha'],
    ['u4', 'a'],
    ['u5', 'B'],
  ] as const)
    await store.repositories.users.insert(
      scope,
      user(id, { userName: `${id}@x.test`, ...(displayName !== undefined && { displayName }) }),
    );
});

afterAll(async () => {
  await close();
});

async function ids(query: Partial<ListQuery>): Promise<string[]> {
  const page = await store.repositories.users.list(scope, {
    startIndex: 1,
    count: 10,
    sortOrder: 'ascending',
    ...query,
  });
  return page.resources.map((u) => u.id);
}

describe('sortBy (RFC 7644 §3.4.2.3)', () => {
  test('puts resources without a value last when ascending and first when descending', async () => {
    expect(await ids({ sortBy: { name: 'displayName' } })).toEqual(['u4', 'u3', 'u5', 'u1', 'u2']);
    expect(await ids({ sortBy: { name: 'displayName' }, sortOrder: 'descending' })).toEqual([
      'u2',
      'u1',
      'u5',
      'u3',
      'u4',
    ]);
  });

  test('pages in the same order whatever the page size', async () => {
    const pages = [
      ...(await ids({ sortBy: { name: 'displayName' }, count: 2 })),
      ...(await ids({ sortBy: { name: 'displayName' }, count: 2, startIndex: 3 })),
      ...(await ids({ sortBy: { name: 'displayName' }, count: 2, startIndex: 5 })),
    ];
    expect(pages).toEqual(['u4', 'u3', 'u5', 'u1', 'u2']);
  });
});

describe('cursor paging (RFC 9865)', () => {
  test('walks in creation order and serves each resource once', async () => {
    const walked: string[] = [];
    let cursor = '';
    for (let page = 0; page < 10; page++) {
      const result = await store.repositories.users.list(scope, {
        startIndex: 1,
        count: 2,
        sortOrder: 'ascending',
        cursor,
      });
      expect(result.totalResults).toBe(5);
      walked.push(...result.resources.map((u) => u.id));
      if (!result.nextCursor) break;
      cursor = result.nextCursor;
    }
    expect(walked).toEqual(['u1', 'u2', 'u3', 'u4', 'u5']);
  });
});
