import {
  addMembers,
  createGroup,
  createUser,
  filterQuery,
  patchUser,
  removeMembers,
  type UserUpdate,
  userNameOf,
} from './entra-requests.js';
import { type HttpClient, UnexpectedResponse } from './http-client.js';
import type { PhaseSpec } from './phase.js';
import { pick, shuffled } from './stats.js';

/** What a run does: sizes, concurrency and the bounds of every loop. */
export interface Workload {
  /** Tag that keeps this run's userNames and group names apart on a shared database. */
  readonly run: string;
  readonly users: number;
  readonly members: number;
  readonly concurrency: number;
  /** Bounds of each measured phase (the seed and the walks have their own counts). */
  readonly phaseOps: number;
  readonly phaseSeconds: number;
  /** Bound of the seed, the group build and the walks, which must cover the whole set. */
  readonly longSeconds: number;
  readonly warmup: number;
}

export interface GroupState {
  id: string;
  displayName: string;
  /** Indices of the users that are members. */
  members: number[];
  /** Members the single add/remove phase took out and has not put back yet. */
  removed: Set<number>;
}

/** What the benchmark knows about one server's data, built up phase by phase. */
export interface ServerState {
  readonly name: string;
  readonly client: HttpClient;
  /** Whether the server computes `groups` on users (the ceiling does not). */
  readonly computesUserGroups: boolean;
  /** The id of user i, once created. */
  readonly userIds: (string | undefined)[];
  /** Indices of created users, in creation order. */
  created: number[];
  readonly updates: Map<number, UserUpdate>;
  groups: { big?: GroupState; small?: GroupState };
  /** Per page of the walks: the ids served. */
  indexPages: string[][];
  cursorPages: string[][];
  /** The cursor sent for each page of the cursor walk ('' first). */
  cursors: string[];
  cursorWalkDone: boolean;
}

export interface Check {
  readonly phase: string;
  readonly server: string;
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export type Report = (name: string, ok: boolean, detail?: string) => void;

/** One phase: unmeasured set-up, the measured loop, then unmeasured correctness checks. */
export interface Phase {
  /** The --phases group this belongs to. */
  readonly group: 'seed' | 'lookup' | 'update' | 'group' | 'list';
  readonly name: string;
  setup?(state: ServerState): Promise<void>;
  spec(state: ServerState): PhaseSpec;
  verify?(state: ServerState, report: Report): Promise<void>;
}

interface ListPage {
  totalResults: number;
  Resources: { id: string; userName?: string }[];
  nextCursor?: string;
}

interface UserResource {
  id: string;
  userName: string;
  active: boolean;
  name?: { familyName?: string };
  emails?: { type?: string; value?: string }[];
  groups?: { value: string }[];
}

const SAMPLE = 20;
const PAGE = 100;

function idOf(state: ServerState, i: number): string {
  const id = state.userIds[i];
  if (id === undefined) throw new Error(`user ${i} was not created`);
  return id;
}

/** Evenly spread sample of up to `n` items. */
function sample<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  return Array.from({ length: n }, (_, k) => items[Math.floor((k * items.length) / n)]!);
}

/**
 * The i-th update. One in 20 deactivates the user: enough to exercise Entra's legacy `"False"`,
 * and well under rollcall's mass-deprovisioning guard (20% of a directory within an hour), which
 * would rightly refuse the rest, as it would a real misconfigured cycle.
 */
function updateOf(run: string, i: number, user: number): UserUpdate {
  return {
    familyName: `Updated${i}`,
    email: `updated.${i}.${userNameOf(run, user)}`,
    active: i % 20 !== 19,
  };
}

function expectIncludes(method: string, path: string, status: number, text: string, needle: string): void {
  if (!text.includes(needle)) throw new UnexpectedResponse(method, path, status, text, `no ${needle}`);
}

async function readUser(state: ServerState, i: number): Promise<UserResource> {
  return state.client.expectJson<UserResource>(200, 'GET', `/Users/${idOf(state, i)}`);
}

async function memberCount(state: ServerState, group: GroupState): Promise<number> {
  const body = await state.client.expectJson<{ members?: unknown[] }>(200, 'GET', `/Groups/${group.id}`);
  return body.members?.length ?? 0;
}

function walkIds(pages: string[][]): { served: number; distinct: number } {
  const all = pages.flat();
  return { served: all.length, distinct: new Set(all).size };
}

/** The phases of issue 5, in order. */
export function phases(w: Workload): Phase[] {
  const pagesOf = (s: ServerState) => Math.ceil(s.created.length / PAGE);
  const bigSize = Math.min(w.members, w.users);
  const bigName = `Bench big group ${w.run}`;
  const smallName = `Bench small group ${w.run}`;

  const memberPhase = (which: 'big' | 'small'): Phase => ({
    group: 'group',
    name: `group.member.${which}`,
    spec: (s) => {
      const group = s.groups[which]!;
      // Alternate passes over a shuffled pool: remove every pool member, then add each back.
      const order = shuffled(group.members.length, 5);
      const pool = sample(
        order.map((k) => group.members[k]!),
        20_000,
      );
      return {
        name: `group.member.${which}`,
        unit: 'req',
        ops: w.phaseOps + w.warmup,
        seconds: w.phaseSeconds,
        concurrency: w.concurrency,
        warmup: w.warmup,
        async task(i) {
          const user = pool[i % pool.length]!;
          const remove = Math.floor(i / pool.length) % 2 === 0;
          const id = idOf(s, user);
          await s.client.expect(
            204,
            'PATCH',
            `/Groups/${group.id}`,
            remove ? removeMembers([id]) : addMembers([id]),
          );
          if (remove) group.removed.add(user);
          else group.removed.delete(user);
        },
      };
    },
    async verify(s, report) {
      const group = s.groups[which]!;
      const back = [...group.removed];
      for (let k = 0; k < back.length; k += PAGE)
        await s.client.expect(
          204,
          'PATCH',
          `/Groups/${group.id}`,
          addMembers(back.slice(k, k + PAGE).map((u) => idOf(s, u))),
        );
      group.removed.clear();
      const count = await memberCount(s, group);
      report(
        `${which} group has all ${group.members.length} members after removes and re-adds`,
        count === group.members.length,
        `${count} members`,
      );
    },
  });

  const groupGet = (which: 'big' | 'small', how: 'get' | 'byName'): Phase => ({
    group: 'group',
    name: `group.${how}.${which}`,
    spec: (s) => {
      const group = s.groups[which]!;
      const path =
        how === 'get'
          ? `/Groups/${group.id}?excludedAttributes=members`
          : `/Groups?excludedAttributes=members&${filterQuery('displayName', group.displayName)}`;
      return {
        name: `group.${how}.${which}`,
        unit: 'req',
        ops: w.phaseOps + w.warmup,
        seconds: w.phaseSeconds,
        concurrency: w.concurrency,
        warmup: w.warmup,
        async task() {
          const { status, text } = await s.client.expect(200, 'GET', path);
          expectIncludes('GET', path, status, text, group.id);
          if (text.includes('"members"'))
            throw new UnexpectedResponse('GET', path, status, text, 'members sent');
        },
      };
    },
  });

  const listRepeat = (how: 'index' | 'cursor', which: 'first' | 'last'): Phase => ({
    group: 'list',
    name: `list.${how}.${which}`,
    spec: (s) => {
      const pages = pagesOf(s);
      let query: string;
      if (how === 'index')
        query = `startIndex=${which === 'first' ? 1 : (pages - 1) * PAGE + 1}&count=${PAGE}`;
      else {
        const cursor = which === 'first' ? '' : (s.cursors.at(-1) ?? '');
        query = `cursor=${encodeURIComponent(cursor)}&count=${PAGE}`;
      }
      const expected =
        which === 'first' ? Math.min(PAGE, s.created.length) : s.created.length - (pages - 1) * PAGE;
      return {
        name: `list.${how}.${which}`,
        unit: 'pages',
        ops: w.phaseOps + w.warmup,
        seconds: w.phaseSeconds,
        concurrency: w.concurrency,
        warmup: w.warmup,
        async task() {
          const { status, text } = await s.client.expect(200, 'GET', `/Users?${query}`);
          expectIncludes('GET', query, status, text, `"itemsPerPage":${expected}`);
        },
      };
    },
  });

  return [
    {
      group: 'seed',
      name: 'seed',
      spec: (s) => ({
        name: 'seed',
        unit: 'users',
        ops: w.users,
        seconds: w.longSeconds,
        concurrency: w.concurrency,
        warmup: Math.min(w.warmup, Math.floor(w.users / 10)),
        // Entra's first cycle: is there a user with this userName? (200, empty list) → create it.
        async task(i) {
          const path = `/Users?${filterQuery('userName', userNameOf(w.run, i))}`;
          const { status, text } = await s.client.expect(200, 'GET', path);
          expectIncludes('GET', path, status, text, '"totalResults":0');
          const user = await s.client.expectJson<{ id: string }>(201, 'POST', '/Users', createUser(w.run, i));
          s.userIds[i] = user.id;
        },
      }),
      async verify(s, report) {
        s.created = s.userIds.flatMap((id, i) => (id === undefined ? [] : [i]));
        report('every user was created', s.created.length === w.users, `${s.created.length} of ${w.users}`);
        const list = await s.client.expectJson<ListPage>(200, 'GET', '/Users?count=0');
        report(
          'totalResults counts every user',
          list.totalResults === s.created.length,
          `${list.totalResults}`,
        );
        const wrong: number[] = [];
        for (const i of sample(s.created, SAMPLE)) {
          const user = await readUser(s, i);
          const email = user.emails?.find((e) => e.type === 'work')?.value;
          if (
            user.userName !== userNameOf(w.run, i) ||
            email !== userNameOf(w.run, i) ||
            user.active !== true
          )
            wrong.push(i);
        }
        report(
          'sampled users read back as created',
          wrong.length === 0,
          wrong.length ? `wrong: ${wrong}` : '',
        );
      },
    },
    {
      group: 'lookup',
      name: 'lookup',
      spec: (s) => ({
        name: 'lookup',
        unit: 'req',
        ops: w.phaseOps + w.warmup,
        seconds: w.phaseSeconds,
        concurrency: w.concurrency,
        warmup: w.warmup,
        async task(i) {
          const user = s.created[pick(i, s.created.length, 1)]!;
          const path = `/Users?${filterQuery('userName', userNameOf(w.run, user))}`;
          const { status, text } = await s.client.expect(200, 'GET', path);
          expectIncludes('GET', path, status, text, '"totalResults":1');
        },
      }),
      async verify(s, report) {
        const wrong: number[] = [];
        for (const i of sample(s.created, SAMPLE)) {
          // Entra compares userName case-insensitively: look up in upper case.
          const path = `/Users?${filterQuery('userName', userNameOf(w.run, i).toUpperCase())}`;
          const list = await s.client.expectJson<ListPage>(200, 'GET', path);
          if (list.totalResults !== 1 || list.Resources[0]?.id !== s.userIds[i]) wrong.push(i);
        }
        report(
          'sampled lookups find exactly the user',
          wrong.length === 0,
          wrong.length ? `wrong: ${wrong}` : '',
        );
      },
    },
    {
      group: 'update',
      name: 'update',
      spec: (s) => {
        const order = shuffled(s.created.length, 3);
        return {
          name: 'update',
          unit: 'req',
          ops: w.phaseOps + w.warmup,
          seconds: w.phaseSeconds,
          concurrency: w.concurrency,
          warmup: w.warmup,
          async task(i) {
            const user = s.created[order[i % order.length]!]!;
            const update = updateOf(w.run, i, user);
            await s.client.expect(200, 'PATCH', `/Users/${idOf(s, user)}`, patchUser(update));
            s.updates.set(user, update);
          },
        };
      },
      async verify(s, report) {
        const wrong: number[] = [];
        for (const i of sample([...s.updates.keys()], SAMPLE)) {
          const want = s.updates.get(i)!;
          const user = await readUser(s, i);
          const email = user.emails?.find((e) => e.type === 'work')?.value;
          if (
            user.name?.familyName !== want.familyName ||
            email !== want.email ||
            user.active !== want.active
          )
            wrong.push(i);
        }
        report(
          'sampled users read back as last patched',
          wrong.length === 0,
          wrong.length ? `wrong: ${wrong}` : '',
        );
      },
    },
    {
      group: 'group',
      name: 'group.build.big',
      async setup(s) {
        for (const [which, name] of [
          ['big', bigName],
          ['small', smallName],
        ] as const) {
          const group = await s.client.expectJson<{ id: string }>(
            201,
            'POST',
            '/Groups',
            createGroup(name, `${w.run}-${which}`),
          );
          const members = which === 'big' ? s.created.slice(0, bigSize) : s.created.slice(-PAGE);
          s.groups[which] = { id: group.id, displayName: name, members, removed: new Set() };
        }
        const small = s.groups.small!;
        await s.client.expect(
          204,
          'PATCH',
          `/Groups/${small.id}`,
          addMembers(small.members.map((u) => idOf(s, u))),
        );
      },
      spec: (s) => {
        const big = s.groups.big!;
        return {
          name: 'group.build.big',
          unit: 'members',
          ops: Math.ceil(big.members.length / PAGE),
          seconds: w.longSeconds,
          concurrency: w.concurrency,
          unitsOf: (i) => Math.min(PAGE, big.members.length - i * PAGE),
          async task(i) {
            const ids = big.members.slice(i * PAGE, (i + 1) * PAGE).map((u) => idOf(s, u));
            await s.client.expect(204, 'PATCH', `/Groups/${big.id}`, addMembers(ids));
          },
        };
      },
      async verify(s, report) {
        for (const which of ['big', 'small'] as const) {
          const group = s.groups[which]!;
          const count = await memberCount(s, group);
          report(
            `${which} group has its ${group.members.length} members`,
            count === group.members.length,
            `${count}`,
          );
        }
        if (!s.computesUserGroups) return;
        const big = s.groups.big!;
        const wrong: number[] = [];
        for (const i of sample(big.members, SAMPLE)) {
          const user = await readUser(s, i);
          if (!user.groups?.some((g) => g.value === big.id)) wrong.push(i);
        }
        report(
          'sampled members list the big group in groups',
          wrong.length === 0,
          wrong.length ? `wrong: ${wrong}` : '',
        );
      },
    },
    memberPhase('big'),
    memberPhase('small'),
    groupGet('big', 'get'),
    groupGet('small', 'get'),
    groupGet('big', 'byName'),
    groupGet('small', 'byName'),
    {
      group: 'list',
      name: 'list.index.walk',
      spec: (s) => ({
        name: 'list.index.walk',
        unit: 'pages',
        ops: pagesOf(s),
        seconds: w.longSeconds,
        concurrency: w.concurrency,
        async task(i) {
          const path = `/Users?startIndex=${i * PAGE + 1}&count=${PAGE}`;
          const page = await s.client.expectJson<ListPage>(200, 'GET', path);
          s.indexPages[i] = page.Resources.map((r) => r.id);
        },
      }),
      async verify(s, report) {
        const { served, distinct } = walkIds(s.indexPages);
        report(
          'startIndex walk serves every user once',
          served === s.created.length && distinct === served,
          `${served} served, ${distinct} distinct`,
        );
      },
    },
    listRepeat('index', 'first'),
    listRepeat('index', 'last'),
    {
      group: 'list',
      name: 'list.cursor.walk',
      spec: (s) => {
        s.cursors = [''];
        s.cursorWalkDone = false;
        return {
          name: 'list.cursor.walk',
          unit: 'pages',
          ops: pagesOf(s) + 1,
          seconds: w.longSeconds,
          // A cursor walk is sequential: each page names the next.
          concurrency: 1,
          done: () => s.cursorWalkDone,
          async task(i) {
            const path = `/Users?cursor=${encodeURIComponent(s.cursors[i]!)}&count=${PAGE}`;
            const page = await s.client.expectJson<ListPage>(200, 'GET', path);
            s.cursorPages[i] = page.Resources.map((r) => r.id);
            if (page.nextCursor === undefined) s.cursorWalkDone = true;
            else s.cursors.push(page.nextCursor);
          },
        };
      },
      async verify(s, report) {
        const { served, distinct } = walkIds(s.cursorPages);
        report(
          'cursor walk serves every user once',
          s.cursorWalkDone && served === s.created.length && distinct === served,
          `${served} served, ${distinct} distinct, ${s.cursors.length} pages`,
        );
      },
    },
    listRepeat('cursor', 'first'),
    listRepeat('cursor', 'last'),
  ];
}
