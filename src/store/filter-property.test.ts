import fc from 'fast-check';
import { type SqlBool, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openTestDriver } from '../../test/support/test-store.js';
import { InvalidFilterError } from '../scim/errors.js';
import { checkFilter, evaluateFilter } from '../scim/filter/evaluate-filter.js';
import {
  and,
  COMPARE_OPERATORS,
  compare,
  type FilterNode,
  type FilterValue,
  formatFilter,
  not,
  or,
  present,
  valuePath,
} from '../scim/filter/filter-node.js';
import type { JsonObject, JsonValue } from '../scim/json/json-value.js';
import { type MemberEntry, renderGroup, renderUser } from '../scim/resource/render-resource.js';
import {
  type AttributePath,
  groupResourceType,
  type ResourceTypeDefinition,
  userResourceType,
} from '../scim/schema/registry.js';
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from '../scim/urns.js';
import type { StoreDriver } from './dialects/dialect.js';
import { compileFilter } from './filter-to-sql.js';
import { emailRows, groupRow, userRow } from './kysely/resource-rows.js';
import { migrateToLatest } from './migrations/migrate.js';
import type { Scope, StoredGroup, StoredUser } from './ports.js';

/**
 * The SQL compiler must select exactly what the in-memory evaluator (the reference semantics,
 * RFC 7644 §3.4.2.2) accepts on the rendered resource. Random directories, random filters.
 *
 * Non-ASCII letters are lower-case only: SQLite's lower() folds ASCII only, so an upper-case
 * non-ASCII letter stored in JSON would compare differently. Schemaless names are written as
 * stored: the compiler reads unknown keys as written, the evaluator case-insensitively.
 */

const BASE_URL = 'https://idp.test/scim/v2/d';
const EXTENSION = 'urn:acme:params:scim:schemas:extension:badge:1.0';
const ALPHABET = ['a', 'A', 'b', 'B', 'z', 'Z', '0', '7', ' ', '%', '_', '\\', 'é', 'ß'];
const TIMES = [
  '2023-12-31T23:59:59.999Z',
  '2024-01-01T00:00:00.000Z',
  '2024-01-01T00:00:00.001Z',
  '2024-06-15T12:30:00.000Z',
];

const str = fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 4 });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
const boolish = fc.constantFrom<JsonValue>(true, false, true, 'True', 'false');

const userArb = fc.record({
  stem: str,
  displayName: maybe(str),
  externalId: maybe(str),
  active: maybe(boolish),
  title: maybe(fc.oneof(str, fc.integer({ min: -1, max: 3 }))),
  name: maybe(fc.record({ givenName: maybe(str), familyName: maybe(fc.constantFrom('', 'Doe', 'doe')) })),
  emails: maybe(
    fc.array(
      fc.record({
        value: maybe(fc.oneof(str, fc.constantFrom('Ann@X.org', 'ann@x.org'))),
        type: maybe(fc.constantFrom('work', 'Work', 'home', '')),
        primary: maybe(boolish),
        display: maybe(str),
      }),
      { maxLength: 3 },
    ),
  ),
  phoneNumbers: maybe(
    fc.array(fc.record({ value: str, type: maybe(fc.constantFrom('work', 'mobile')) }), { maxLength: 2 }),
  ),
  roles: maybe(
    fc.array(fc.record({ value: str, primary: maybe(boolish), display: maybe(str) }), { maxLength: 2 }),
  ),
  department: maybe(str),
  manager: maybe(fc.record({ value: maybe(str), displayName: maybe(str) })),
  custom: maybe(
    fc.oneof(
      str,
      fc.integer({ min: 0, max: 3 }),
      fc.boolean(),
      fc.array(str, { maxLength: 2 }),
      fc.record({
        x: maybe(str),
        y: maybe(fc.record({ z: maybe(fc.constantFrom<JsonValue>('', 'q', 0, false, null)) })),
        w: maybe(fc.constantFrom<JsonValue>([], [null], [''], {})),
      }),
    ),
  ),
  badge: maybe(fc.oneof(str, fc.integer({ min: 0, max: 3 }))),
  certificate: maybe(fc.constantFrom('AbC', 'abc')),
  created: fc.constantFrom(...TIMES),
  lastModified: fc.constantFrom(...TIMES),
  version: fc.integer({ min: 1, max: 12 }),
});
type UserSeed = typeof userArb extends fc.Arbitrary<infer T> ? T : never;

const groupArb = fc.record({
  stem: str,
  externalId: maybe(str),
  custom: maybe(fc.oneof(str, fc.integer({ min: 0, max: 3 }))),
  created: fc.constantFrom(...TIMES),
  version: fc.integer({ min: 1, max: 12 }),
  /** Indexes into users, then groups, then one id nobody has (a dangling membership). */
  members: fc.uniqueArray(fc.nat(14), { maxLength: 6 }),
});
type GroupSeed = typeof groupArb extends fc.Arbitrary<infer T> ? T : never;

/** Ids that differ only in case, so case-insensitive `members.value eq` is exercised. */
const datasetArb = fc.record({
  userIds: fc.uniqueArray(fc.constantFrom('u1', 'U1', 'u2', 'uB', 'ub', 'x-Y9', 'u%_', 'Ann'), {
    minLength: 3,
    maxLength: 8,
  }),
  groupIds: fc.uniqueArray(fc.constantFrom('g1', 'G1', 'g2', 'gZ', 'g_%', 'Gb'), {
    minLength: 2,
    maxLength: 6,
  }),
  users: fc.array(userArb, { minLength: 8, maxLength: 8 }),
  groups: fc.array(groupArb, { minLength: 6, maxLength: 6 }),
});
type DatasetSeed = typeof datasetArb extends fc.Arbitrary<infer T> ? T : never;

function compact(object: Record<string, JsonValue | undefined>): JsonObject {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as JsonObject;
}

function compactArray(items: Record<string, JsonValue | undefined>[] | undefined): JsonValue | undefined {
  return items?.map(compact);
}

function storedUser(id: string, index: number, seed: UserSeed): StoredUser {
  const enterprise = compact({ department: seed.department, manager: seed.manager && compact(seed.manager) });
  const data = compact({
    userName: `${seed.stem}${index}`,
    displayName: seed.displayName,
    externalId: seed.externalId,
    active: seed.active,
    title: seed.title,
    name: seed.name && compact(seed.name),
    emails: compactArray(seed.emails),
    phoneNumbers: compactArray(seed.phoneNumbers),
    roles: compactArray(seed.roles),
    x509Certificates: seed.certificate === undefined ? undefined : [{ value: seed.certificate }],
    custom: seed.custom,
    [ENTERPRISE_USER_SCHEMA]: Object.keys(enterprise).length > 0 ? enterprise : undefined,
    [EXTENSION]: seed.badge === undefined ? undefined : { badge: seed.badge },
  });
  return {
    id,
    source: 'scim',
    userName: data.userName as string,
    externalId: seed.externalId ?? null,
    active: seed.active !== false,
    data,
    version: seed.version,
    created: seed.created,
    lastModified: seed.lastModified,
  };
}

interface Membership {
  readonly groupId: string;
  readonly memberId: string;
  readonly type: 'User' | 'Group';
}

interface Dataset {
  readonly users: { stored: StoredUser; rendered: JsonObject }[];
  readonly groups: { stored: StoredGroup; rendered: JsonObject }[];
  /** Every primitive in the rendered resources: literals drawn from here usually match something. */
  readonly strings: string[];
  readonly numbers: number[];
  readonly memberships: Membership[];
}

/** The directory a seed describes, as stored and as a client sees it. */
function model(seed: DatasetSeed): Dataset {
  const users = seed.userIds.map((id, i) => storedUser(id, i, seed.users[i]!));
  const groups = seed.groupIds.map((id, i): StoredGroup => {
    const g: GroupSeed = seed.groups[i]!;
    const displayName = `${g.stem}#${i}`;
    return {
      id,
      displayName,
      externalId: g.externalId ?? null,
      data: compact({ displayName, externalId: g.externalId, custom: g.custom }),
      version: g.version,
      created: g.created,
      lastModified: g.created,
    };
  });
  const memberships = groups.flatMap((group, i) =>
    seed.groups[i]!.members.flatMap((n): Membership[] => {
      if (n < users.length) return [{ groupId: group.id, memberId: users[n]!.id, type: 'User' }];
      const other = groups[n - users.length];
      if (other)
        return other.id === group.id ? [] : [{ groupId: group.id, memberId: other.id, type: 'Group' }];
      return n === 14 ? [{ groupId: group.id, memberId: 'gone', type: 'User' }] : [];
    }),
  );
  const { renderedUsers, renderedGroups } = render(users, groups, memberships);
  const strings = new Set<string>();
  const numbers = new Set<number>();
  primitives(
    [...renderedUsers.map((u) => u.rendered), ...renderedGroups.map((g) => g.rendered)],
    strings,
    numbers,
  );
  return {
    users: renderedUsers,
    groups: renderedGroups,
    memberships,
    strings: [...strings],
    numbers: [...numbers],
  };
}

/** What UserRepository.groupsOf and GroupRepository.members hand to the renderers. */
function render(users: StoredUser[], groups: StoredGroup[], memberships: Membership[]) {
  const renderedUsers = users.map((u) => {
    const groupsOf = memberships
      .filter((m) => m.memberId === u.id)
      .flatMap((m) =>
        groups.filter((g) => g.id === m.groupId).map((g) => ({ value: g.id, display: g.displayName })),
      );
    return { stored: u, rendered: renderUser(u, BASE_URL, groupsOf) };
  });
  const renderedGroups = groups.map((g) => {
    const members = memberships
      .filter((m) => m.groupId === g.id)
      .map((m): MemberEntry => {
        const user = users.find((u) => u.id === m.memberId);
        const group = groups.find((x) => x.id === m.memberId);
        const userDisplay =
          user && (typeof user.data.displayName === 'string' ? user.data.displayName : user.userName);
        const display = m.type === 'User' ? (userDisplay ?? null) : (group?.displayName ?? null);
        return { value: m.memberId, type: m.type, display };
      });
    return { stored: g, rendered: renderGroup(g, BASE_URL, members) };
  });
  return { renderedUsers, renderedGroups };
}

function primitives(value: unknown, strings: Set<string>, numbers: Set<number>): void {
  if (typeof value === 'string') strings.add(value);
  else if (typeof value === 'number') numbers.add(value);
  else if (Array.isArray(value)) for (const v of value) primitives(v, strings, numbers);
  else if (value !== null && typeof value === 'object')
    for (const v of Object.values(value)) primitives(v, strings, numbers);
}

// ---- filters ----

/** What literals suit a path; `complex` paths are mostly tested for presence (RFC 7644 "pr"). */
type Kind = 'string' | 'boolean' | 'dateTime' | 'any' | 'complex';
interface PathSpec {
  readonly path: AttributePath;
  readonly kind: Kind;
}
interface ValuePathSpec {
  readonly path: AttributePath;
  readonly subs: readonly PathSpec[];
}

const p = (name: string, kind: Kind = 'string', subAttribute?: string, uri?: string): PathSpec => ({
  path: { ...(uri !== undefined && { uri }), name, ...(subAttribute !== undefined && { subAttribute }) },
  kind,
});
const sub = (name: string, kind: Kind = 'string') => p(name, kind);

const META_PATHS = [
  p('meta', 'string', 'created'),
  p('meta', 'dateTime', 'created'),
  p('meta', 'dateTime', 'lastModified'),
  p('meta', 'string', 'resourceType'),
  p('meta', 'string', 'version'),
  p('meta', 'string', 'location'),
  p('meta', 'complex'),
  p('schemas', 'string'),
  p('id'),
  p('ID'),
];
const META_VALUE_PATH: ValuePathSpec = {
  path: { name: 'meta' },
  subs: [sub('created', 'dateTime'), sub('resourceType'), sub('version')],
};

const USER_PATHS: readonly PathSpec[] = [
  ...META_PATHS,
  p('userName'),
  p('USERNAME'),
  p('userName', 'string', undefined, USER_SCHEMA),
  p('displayName'),
  p('externalId'),
  p('active', 'boolean'),
  p('title', 'any'),
  p('name', 'string', 'givenName'),
  p('name', 'string', 'familyName'),
  p('name', 'complex'),
  p('emails'),
  p('emails', 'complex'),
  p('roles', 'complex'),
  p('emails', 'string', 'value'),
  p('Emails', 'string', 'Value'),
  p('emails', 'string', 'type'),
  p('emails', 'boolean', 'primary'),
  p('emails', 'string', 'display'),
  p('phoneNumbers', 'string', 'value'),
  p('phoneNumbers', 'string', 'type'),
  p('roles', 'string', 'value'),
  p('roles', 'boolean', 'primary'),
  p('x509Certificates', 'string', 'value'),
  p('department', 'string', undefined, ENTERPRISE_USER_SCHEMA),
  p('manager', 'string', undefined, ENTERPRISE_USER_SCHEMA),
  p('manager', 'complex', undefined, ENTERPRISE_USER_SCHEMA),
  p('User', 'complex', undefined, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0'),
  p('manager', 'string', 'value', ENTERPRISE_USER_SCHEMA),
  p('manager', 'string', 'displayName', ENTERPRISE_USER_SCHEMA),
  p('badge', 'any', undefined, EXTENSION),
  p('groups'),
  p('groups', 'complex'),
  p('groups', 'string', 'value'),
  p('groups', 'string', 'display'),
  p('groups', 'string', 'type'),
  p('groups', 'string', '$ref'),
  p('custom', 'any'),
  p('custom', 'complex'),
  p('custom', 'any', 'x'),
  p('nickName'),
];
const USER_VALUE_PATHS: readonly ValuePathSpec[] = [
  {
    path: { name: 'emails' },
    subs: [sub('value'), sub('type'), sub('primary', 'boolean'), sub('display'), sub('other')],
  },
  { path: { name: 'name' }, subs: [sub('givenName'), sub('familyName', 'complex')] },
  { path: { name: 'roles' }, subs: [sub('value'), sub('primary', 'boolean'), sub('display')] },
  { path: { name: 'phoneNumbers' }, subs: [sub('value'), sub('type')] },
  { path: { name: 'groups' }, subs: [sub('value'), sub('display'), sub('type'), sub('$ref')] },
  { path: { name: 'custom' }, subs: [sub('value', 'any'), sub('x', 'complex')] },
  { path: { name: 'userName' }, subs: [sub('value')] },
  { path: { name: 'id' }, subs: [sub('value')] },
  { path: { name: 'schemas' }, subs: [sub('value')] },
  META_VALUE_PATH,
];
const GROUP_PATHS: readonly PathSpec[] = [
  ...META_PATHS,
  p('displayName'),
  p('externalId'),
  p('members'),
  p('members', 'complex'),
  p('members', 'string', 'value'),
  p('members', 'string', 'display'),
  p('members', 'string', 'type'),
  p('members', 'string', '$ref'),
  p('members', 'any', 'primary'),
  p('custom', 'any'),
  p('userName'),
];
const GROUP_VALUE_PATHS: readonly ValuePathSpec[] = [
  { path: { name: 'members' }, subs: [sub('value'), sub('display'), sub('type'), sub('$ref')] },
  { path: { name: 'displayName' }, subs: [sub('value')] },
  META_VALUE_PATH,
];

function mutated(strings: readonly string[]): fc.Arbitrary<string> {
  const base = strings.length > 0 ? fc.constantFrom(...strings) : str;
  return fc.oneof(
    { arbitrary: base, weight: 4 },
    { arbitrary: base.map((s) => s.toUpperCase()), weight: 1 },
    { arbitrary: base.map((s) => s.toLowerCase()), weight: 1 },
    {
      arbitrary: fc
        .tuple(base, fc.nat(), fc.nat())
        .map(([s, a, b]) => s.slice(a % (s.length + 1), (a % (s.length + 1)) + (b % 4))),
      weight: 2,
    },
    { arbitrary: str, weight: 1 },
  );
}

/** The strings a path holds in the rendered resources (roughly the evaluator's readPath). */
function stringsAt(data: Dataset, path: AttributePath, element?: AttributePath): string[] {
  const found = new Set<string>();
  const lower = (o: unknown, key: string): unknown =>
    o !== null && typeof o === 'object' && !Array.isArray(o)
      ? Object.entries(o).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1]
      : undefined;
  for (const r of [...data.users, ...data.groups]) {
    const container = path.uri ? lower(r.rendered, path.uri) : r.rendered;
    let values = [lower(container, path.name)].flat();
    const subName = element?.name ?? path.subAttribute;
    if (subName)
      values = values.flatMap((v) => [lower(v, subName), ...(typeof v === 'string' ? [v] : [])]).flat();
    for (const v of values) if (typeof v === 'string') found.add(v);
  }
  return [...found];
}

function literalArb(kind: Kind, data: Dataset, local: readonly string[]): fc.Arbitrary<FilterValue> {
  const strings =
    local.length > 0
      ? fc.oneof({ arbitrary: mutated(local), weight: 3 }, { arbitrary: mutated(data.strings), weight: 1 })
      : mutated(data.strings);
  const dates = fc.oneof(
    fc.constantFrom(...TIMES),
    fc.constantFrom('2024-01-01T00:00:00Z', '2024-01-01T01:00:00+01:00', '2024-01-01', 'not a date'),
    fc.constantFrom(...TIMES).map((t) => t.slice(0, 10)),
  );
  const numbers =
    data.numbers.length > 0
      ? fc.oneof(fc.constantFrom(...data.numbers), fc.integer({ min: -1, max: 3 }))
      : fc.integer({ min: -1, max: 3 });
  const booleans = fc.oneof(fc.boolean(), fc.constantFrom('True', 'false', 'yes'));
  const weights: Record<Kind, [number, number, number, number]> = {
    string: [10, 1, 1, 0],
    boolean: [1, 0, 6, 0],
    dateTime: [2, 0, 0, 6],
    any: [5, 3, 3, 1],
    complex: [4, 1, 1, 0],
  };
  const [s, n, b, d] = weights[kind];
  return fc.oneof(
    { arbitrary: strings as fc.Arbitrary<FilterValue>, weight: s },
    { arbitrary: numbers as fc.Arbitrary<FilterValue>, weight: n + 1 },
    { arbitrary: booleans as fc.Arbitrary<FilterValue>, weight: b },
    { arbitrary: dates as fc.Arbitrary<FilterValue>, weight: d },
    { arbitrary: fc.constant(null), weight: 1 },
  );
}

function conditionArb(spec: PathSpec, data: Dataset, parent?: AttributePath): fc.Arbitrary<FilterNode> {
  const local = parent ? stringsAt(data, parent, spec.path) : stringsAt(data, spec.path);
  return fc.oneof(
    { arbitrary: fc.constant(present(spec.path)), weight: spec.kind === 'complex' ? 4 : 1 },
    {
      arbitrary: fc
        .tuple(fc.constantFrom(...COMPARE_OPERATORS), literalArb(spec.kind, data, local))
        .map(([op, v]) => compare(op, spec.path, v)),
      weight: spec.kind === 'complex' ? 2 : 6,
    },
  );
}

function booleanTree(leaf: fc.Arbitrary<FilterNode>, depth: number): fc.Arbitrary<FilterNode> {
  if (depth === 0) return leaf;
  const inner = booleanTree(leaf, depth - 1);
  return fc.oneof(
    { arbitrary: leaf, weight: 3 },
    { arbitrary: fc.tuple(inner, inner).map(([l, r]) => and(l, r)), weight: 1 },
    { arbitrary: fc.tuple(inner, inner).map(([l, r]) => or(l, r)), weight: 1 },
    { arbitrary: inner.map(not), weight: 1 },
  );
}

function filterArb(
  paths: readonly PathSpec[],
  valuePaths: readonly ValuePathSpec[],
  data: Dataset,
): fc.Arbitrary<FilterNode> {
  const condition = fc.constantFrom(...paths).chain((spec) => conditionArb(spec, data));
  const filtered = fc.constantFrom(...valuePaths).chain((vp) =>
    booleanTree(
      fc.constantFrom(...vp.subs).chain((s) => conditionArb(s, data, vp.path)),
      2,
    ).map((f) => valuePath(vp.path, f)),
  );
  return booleanTree(fc.oneof({ arbitrary: condition, weight: 3 }, { arbitrary: filtered, weight: 2 }), 2);
}

// ---- the property ----

/** The store under test (ROLLCALL_TEST_STORE): SQLite, or a fresh Postgres schema. */
let driver: StoreDriver;
let closeDriver: () => Promise<void>;
let runs = 0;

beforeAll(async () => {
  ({ driver, close: closeDriver } = await openTestDriver());
  await migrateToLatest(driver);
});

afterAll(async () => {
  await closeDriver();
});

/** Each dataset gets its own directory; earlier ones stay and share ids, so a scoping leak would show. */
async function insert(data: Dataset): Promise<Scope> {
  const scope: Scope = { tenantId: 'tenant', directoryId: `dir-${++runs}` };
  const db = driver.db;
  for (const { stored } of data.users) {
    await db.insertInto('users').values(userRow(scope, stored)).execute();
    const emails = emailRows(scope, stored.id, stored.data);
    if (emails.length > 0) await db.insertInto('user_emails').values(emails).execute();
  }
  for (const { stored } of data.groups)
    await db.insertInto('groups').values(groupRow(scope, stored)).execute();
  for (const m of data.memberships)
    await db
      .insertInto('group_members')
      .values({
        tenant_id: scope.tenantId,
        directory_id: scope.directoryId,
        group_id: m.groupId,
        member_id: m.memberId,
        member_type: m.type,
      })
      .execute();
  return scope;
}

async function selectIds(table: 'users' | 'groups', filter: FilterNode, scope: Scope): Promise<string[]> {
  const where = compileFilter(table === 'users' ? 'User' : 'Group', filter, scope, driver.name, {
    baseUrl: BASE_URL,
  });
  const scoped = driver.db
    .selectFrom(table)
    .select('id')
    .where('tenant_id', '=', scope.tenantId)
    .where('directory_id', '=', scope.directoryId);
  // SQL's third truth value must never surface: it would make `not (...)` drop rows.
  expect(await scoped.where(sql<SqlBool>`(${where}) is null`).execute(), formatFilter(filter)).toEqual([]);
  return (await scoped.where(where).execute()).map((r) => r.id).sort();
}

function rejects(filter: FilterNode, type: ResourceTypeDefinition): boolean {
  try {
    checkFilter(filter, type);
    return false;
  } catch (error) {
    if (error instanceof InvalidFilterError) return true;
    throw error;
  }
}

async function agree(
  table: 'users' | 'groups',
  data: Dataset,
  scope: Scope,
  filter: FilterNode,
): Promise<void> {
  const type = table === 'users' ? userResourceType : groupResourceType;
  const resources = table === 'users' ? data.users : data.groups;
  if (rejects(filter, type)) {
    expect(
      () => compileFilter(type.name, filter, scope, driver.name, { baseUrl: BASE_URL }),
      formatFilter(filter),
    ).toThrow(InvalidFilterError);
    return;
  }
  const expected = resources
    .filter((r) => evaluateFilter(filter, r.rendered, type))
    .map((r) => r.stored.id)
    .sort();
  expect(await selectIds(table, filter, scope), formatFilter(filter)).toEqual(expected);
}

const DATASETS = 50;
const FILTERS_PER_DATASET = 24;

function caseArb(paths: readonly PathSpec[], valuePaths: readonly ValuePathSpec[]) {
  return datasetArb.map(model).chain((data) =>
    fc.tuple(
      fc.constant(data),
      fc.array(filterArb(paths, valuePaths, data), {
        minLength: FILTERS_PER_DATASET,
        maxLength: FILTERS_PER_DATASET,
      }),
    ),
  );
}

describe('compileFilter selects what evaluateFilter accepts (RFC 7644 §3.4.2.2)', () => {
  test.each([
    ['users', USER_PATHS, USER_VALUE_PATHS],
    ['groups', GROUP_PATHS, GROUP_VALUE_PATHS],
  ] as const)('on %s', async (table, paths, valuePaths) => {
    await fc.assert(
      fc.asyncProperty(caseArb(paths, valuePaths), async ([data, filters]) => {
        const scope = await insert(data);
        for (const filter of filters) await agree(table, data, scope, filter);
      }),
      { numRuns: DATASETS },
    );
  });
});
