import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectRaw, openTestStore, type TestLocation } from '../../../test/support/test-store.js';
import { parseFilter } from '../../scim/filter/parse-filter.js';
import type { JsonObject } from '../../scim/json/json-value.js';
import type { Scope, StoredUser } from '../ports.js';
import type { Store } from '../store.js';
import { emailRows } from './resource-rows.js';

/**
 * A user or group update given the version it replaces writes only the columns (and email rows) that changed; what
 * is stored must be exactly what a full rewrite would have stored, whatever changed.
 */
const scope: Scope = { tenantId: 't-update', directoryId: 'd-update' };
let store: Store;
let location: TestLocation;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ store, location, close } = await openTestStore());
});

afterAll(async () => {
  await close();
});

const at = '2024-01-01T00:00:00.000Z';
const stored = (version: number, data: JsonObject): StoredUser => ({
  id: 'u1',
  source: 'scim',
  userName: String(data.userName),
  externalId: typeof data.externalId === 'string' ? data.externalId : null,
  active: data.active !== false,
  data,
  version,
  created: at,
  lastModified: `2024-01-0${version}T00:00:00.000Z`,
});

async function emailIndex() {
  const raw = await connectRaw(location);
  try {
    return await raw.query(
      'select ordinal, value_key, type_key, display_key, "primary" from user_emails where user_id = $1 order by ordinal',
      ['u1'],
    );
  } finally {
    await raw.close();
  }
}

const findOne = async (filter: string) =>
  (
    await store.repositories.users.list(scope, {
      startIndex: 1,
      count: 10,
      sortOrder: 'ascending',
      filter: parseFilter(filter),
    })
  ).resources.map((u) => u.id);

describe('a user update given the previous version', () => {
  test('stores what a full rewrite stores, through changes of every kind', async () => {
    const versions: JsonObject[] = [
      { userName: 'a@x.test', emails: [{ value: 'a@x.test', type: 'work', primary: true }] },
      // The work email's value changes (what Entra's update sends), nothing else.
      { userName: 'a@x.test', emails: [{ value: 'b@x.test', type: 'work', primary: true }] },
      // One added, a type changed, userName, externalId and active changed.
      {
        userName: 'B@x.test',
        externalId: 'ext-1',
        active: false,
        emails: [
          { value: 'b@x.test', type: 'home', primary: true },
          { value: 'c@x.test', type: 'work', display: 'C' },
        ],
      },
      // The first removed (positions shift), one without a value (not indexed).
      {
        userName: 'B@x.test',
        externalId: 'ext-1',
        emails: [{ type: 'other' }, { value: 'c@x.test', type: 'work' }],
      },
      // No emails at all.
      { userName: 'B@x.test', externalId: null },
      // Back to one.
      { userName: 'a@x.test', emails: [{ value: 'd@x.test', type: 'work' }] },
    ];
    let previous = stored(1, versions[0]!);
    await store.repositories.users.insert(scope, previous);
    for (const [i, data] of versions.slice(1).entries()) {
      const next = stored(i + 2, data);
      expect(await store.repositories.users.update(scope, next, previous.version, previous)).toBe(true);
      expect(await store.repositories.users.get(scope, 'u1')).toEqual(next);
      const expected = emailRows(scope, 'u1', data).map(
        ({ ordinal, value_key, type_key, display_key, primary }) => ({
          ordinal,
          value_key,
          type_key,
          display_key,
          primary,
        }),
      );
      expect(await emailIndex()).toEqual(expected);
      previous = next;
    }
    expect(await findOne('userName eq "A@X.TEST"')).toEqual(['u1']);
    expect(await findOne('emails[type eq "work"].value eq "d@x.test"')).toEqual(['u1']);
    expect(await findOne('emails.value eq "c@x.test"')).toEqual([]);
    expect(await findOne('externalId eq "ext-1"')).toEqual([]);
  });

  test('writes nothing when the stored version moved on', async () => {
    const current = (await store.repositories.users.get(scope, 'u1'))!;
    const stale = stored(current.version - 1, { userName: 'z@x.test', emails: [{ value: 'z@x.test' }] });
    const next = stored(current.version, { userName: 'z@x.test', emails: [{ value: 'z@x.test' }] });
    expect(await store.repositories.users.update(scope, next, stale.version, stale)).toBe(false);
    expect(await store.repositories.users.get(scope, 'u1')).toEqual(current);
    expect(await findOne('emails.value eq "d@x.test"')).toEqual(['u1']);
  });
});

describe('a group update given the previous version', () => {
  const group = (version: number, displayName: string, externalId: string | null) => ({
    id: 'g1',
    displayName,
    externalId,
    data: { displayName, ...(externalId && { externalId }) },
    version,
    created: at,
    lastModified: `2024-01-0${version}T00:00:00.000Z`,
  });
  const byName = async (name: string) =>
    (
      await store.repositories.groups.list(scope, {
        startIndex: 1,
        count: 10,
        sortOrder: 'ascending',
        filter: parseFilter(`displayName eq "${name}"`),
      })
    ).resources.map((g) => g.id);

  test('stores the new version whether the name changed or only the version (a membership change)', async () => {
    const first = group(1, 'Sales', 'x-1');
    await store.repositories.groups.insert(scope, first);
    const renamed = group(2, 'Sales EMEA', null);
    expect(await store.repositories.groups.update(scope, renamed, 1, first)).toBe(true);
    expect(await store.repositories.groups.get(scope, 'g1')).toEqual(renamed);
    expect(await byName('sales emea')).toEqual(['g1']);
    expect(await byName('Sales')).toEqual([]);
    const bumped = { ...renamed, version: 3, lastModified: '2024-01-03T00:00:00.000Z' };
    expect(await store.repositories.groups.update(scope, bumped, 2, renamed)).toBe(true);
    expect(await store.repositories.groups.get(scope, 'g1')).toEqual(bumped);
    expect(await store.repositories.groups.update(scope, { ...bumped, version: 4 }, 2, renamed)).toBe(false);
  });
});
