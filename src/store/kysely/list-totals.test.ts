import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openTestStore } from '../../../test/support/test-store.js';
import { parseFilter } from '../../scim/filter/parse-filter.js';
import type { ListQuery, Scope } from '../ports.js';
import type { Store } from '../store.js';

/**
 * totalResults (RFC 7644 §3.4.2) is counted only when the page does not show it: a page that ends
 * the results tells it. Whichever way it is found, it must be the same number.
 */
const scope: Scope = { tenantId: 't-totals', directoryId: 'd-totals' };
let store: Store;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ store, close } = await openTestStore());
  for (let i = 1; i <= 7; i++)
    await store.repositories.users.insert(scope, {
      id: `u${i}`,
      source: 'scim',
      userName: `u${i}@totals.test`,
      externalId: null,
      active: true,
      data: { userName: `u${i}@totals.test`, title: i % 2 ? 'odd' : 'even' },
      version: 1,
      created: '2024-01-01T00:00:00.000Z',
      lastModified: '2024-01-01T00:00:00.000Z',
    });
});

afterAll(async () => {
  await close();
});

async function page(query: Partial<ListQuery>) {
  const result = await store.repositories.users.list(scope, {
    startIndex: 1,
    count: 3,
    sortOrder: 'ascending',
    ...query,
  });
  return { total: result.totalResults, ids: result.resources.map((u) => u.id) };
}

describe('totalResults', () => {
  test('is the number of matches on every startIndex page, past the end included', async () => {
    expect(await page({ startIndex: 1 })).toEqual({ total: 7, ids: ['u1', 'u2', 'u3'] });
    expect(await page({ startIndex: 4 })).toEqual({ total: 7, ids: ['u4', 'u5', 'u6'] });
    expect(await page({ startIndex: 7 })).toEqual({ total: 7, ids: ['u7'] });
    expect(await page({ startIndex: 5, count: 3 })).toEqual({ total: 7, ids: ['u5', 'u6', 'u7'] });
    expect(await page({ startIndex: 8 })).toEqual({ total: 7, ids: [] });
    expect(await page({ startIndex: 50 })).toEqual({ total: 7, ids: [] });
    expect(await page({ count: 0 })).toEqual({ total: 7, ids: [] });
    expect(await page({ count: 7 })).toMatchObject({ total: 7 });
    expect(await page({ count: 100 })).toMatchObject({ total: 7 });
  });

  test('counts only the matches of a filter, found or not', async () => {
    expect(await page({ filter: parseFilter('userName eq "u3@totals.test"') })).toEqual({
      total: 1,
      ids: ['u3'],
    });
    expect(await page({ filter: parseFilter('userName eq "nobody@totals.test"') })).toEqual({
      total: 0,
      ids: [],
    });
    expect(await page({ filter: parseFilter('title eq "odd"'), startIndex: 1 })).toEqual({
      total: 4,
      ids: ['u1', 'u3', 'u5'],
    });
    expect(await page({ filter: parseFilter('title eq "odd"'), startIndex: 4 })).toEqual({
      total: 4,
      ids: ['u7'],
    });
    expect(await page({ filter: parseFilter('title eq "odd"'), startIndex: 5 })).toEqual({
      total: 4,
      ids: [],
    });
  });

  test('is the number of matches on every page of a cursor walk', async () => {
    let cursor = '';
    const totals: number[] = [];
    for (;;) {
      const result = await store.repositories.users.list(scope, {
        startIndex: 1,
        count: 3,
        sortOrder: 'ascending',
        cursor,
      });
      totals.push(result.totalResults);
      if (!result.nextCursor) break;
      cursor = result.nextCursor;
    }
    expect(totals).toEqual([7, 7, 7]);
    const all = await store.repositories.users.list(scope, {
      startIndex: 1,
      count: 10,
      sortOrder: 'ascending',
      cursor: '',
    });
    expect(all.totalResults).toBe(7);
  });
});

describe('a capped total (the console)', () => {
  test('is exact up to the cap and cap + 1 past it, whichever page asks', async () => {
    expect(await page({ cursor: '', count: 2, countCap: 10 })).toMatchObject({ total: 7 });
    expect(await page({ cursor: '', count: 2, countCap: 5 })).toMatchObject({ total: 6 });
    expect(await page({ cursor: '', count: 2, countCap: 7 })).toMatchObject({ total: 7 });
    // A first page holding every match tells the total without counting.
    expect(await page({ cursor: '', count: 10, countCap: 3 })).toMatchObject({ total: 7 });
  });
});
