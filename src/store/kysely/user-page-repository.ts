import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import { ScimError } from '../../scim/errors.js';
import type { Database } from '../database.js';
import type { DialectName } from '../dialects/dialect.js';
import type { AccountSource, Scope, StoredUser } from '../ports.js';
import { scimCursor } from './cursor.js';
import { textSearch } from './prefix-search.js';
import { foldCase } from './resource-rows.js';
import { toStoredUser } from './user-repository.js';

/** Totals are counted up to this many matches; past it a page says "10,000+". */
export const COUNT_CAP = 10_000;

/** A count that stops at a cap: `atLeast` when more may exist than `count` says. */
export interface CappedCount {
  readonly count: number;
  readonly atLeast: boolean;
}

/** The holders of a role: assigned it (SCIM `roles`), or members of groups a group→role rule gives it. */
export interface RoleHolders {
  readonly role: string;
  readonly groupIds: readonly string[];
}

/** What the console's users page asks for; every filter is served by an index. */
export interface UserPageQuery {
  /** The start of userName, displayName or an email, case-insensitively. */
  readonly prefix?: string;
  readonly active?: boolean;
  readonly source?: AccountSource;
  readonly role?: RoleHolders;
  /** From the previous page's `nextCursor`. */
  readonly cursor?: string;
  readonly limit: number;
}

export interface UserPage {
  readonly users: StoredUser[];
  readonly total: CappedCount;
  readonly nextCursor?: string;
}

/**
 * A role page is walked in user-id order, the order of both role indexes (user_roles_role and the
 * group_members key), so a page merges a few index ranges and never sorts a group's members.
 * "r1." versions the format; the id is base64url so the cursor stays opaque.
 */
const roleCursor = {
  encode: (id: string) => `r1.${Buffer.from(id).toString('base64url')}`,
  decode(cursor: string): string {
    const match = /^r1\.([A-Za-z0-9_-]{1,400})$/.exec(cursor);
    if (!match) throw new ScimError(400, `Invalid cursor "${cursor}"`, 'invalidCursor');
    return Buffer.from(match[1]!, 'base64url').toString();
  },
};

/** Role candidates read per index range and round, and rounds per request (short pages past them). */
const ROLE_BATCH = 500;
const ROLE_ROUNDS = 10;

/**
 * The console's users page: a keyset page in provisioning order (seq), or in user-id order with a
 * role filter, with a total counted up to COUNT_CAP. Nothing reads a whole directory or group.
 */
export class UserPageRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    /** Smaller in tests, to reach the cap and the rounds with few rows. */
    private readonly limits = { countCap: COUNT_CAP, roleBatch: ROLE_BATCH },
  ) {}

  async page(scope: Scope, query: UserPageQuery): Promise<UserPage> {
    return query.role ? this.rolePage(scope, query, query.role) : this.seqPage(scope, query);
  }

  /** How many live users the directory has (`active`: active ones), up to COUNT_CAP. */
  async count(scope: Scope, filter: { active?: boolean } = {}): Promise<CappedCount> {
    return this.countWhere(scope, filter);
  }

  /** What every filter but the role asks of a `users` row. */
  private conditions(scope: Scope, query: Omit<UserPageQuery, 'limit' | 'role' | 'cursor'>) {
    const ref = (column: string) => sql.ref(`users.${column}`);
    const conditions: Expression<SqlBool>[] = [
      sql<SqlBool>`${ref('tenant_id')} = ${scope.tenantId}`,
      sql<SqlBool>`${ref('directory_id')} = ${scope.directoryId}`,
      sql<SqlBool>`${ref('deleted_at')} is null`,
    ];
    if (query.active !== undefined) conditions.push(sql<SqlBool>`${ref('active')} = ${query.active ? 1 : 0}`);
    if (query.source !== undefined) conditions.push(sql<SqlBool>`${ref('source')} = ${query.source}`);
    const prefix = query.prefix?.trim();
    if (prefix) conditions.push(textSearch(this.db, this.dialect, scope, 'users', prefix));
    return sql.join(conditions, sql` and `);
  }

  private async countWhere(
    scope: Scope,
    query: Omit<UserPageQuery, 'limit' | 'role' | 'cursor'>,
  ): Promise<CappedCount> {
    let matches = this.db
      .selectFrom('users')
      .select(sql`1`.as('one'))
      .where(sql<SqlBool>`${this.conditions(scope, query)}`);
    // In paging order, the count walks an index (page order, status or source) and stops at the
    // cap; PostgreSQL would otherwise gather a bitmap of the whole directory first. A search
    // counts its matches, found through the key indexes, in any order.
    if (!query.prefix?.trim()) matches = matches.orderBy('users.seq');
    const counted = matches.limit(this.limits.countCap + 1).as('matches');
    const row = await this.db
      .selectFrom(counted)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return this.capped(Number(row.n));
  }

  private async seqPage(scope: Scope, query: UserPageQuery): Promise<UserPage> {
    const after = query.cursor ? scimCursor.decode(query.cursor) : 0;
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .where(sql<SqlBool>`${this.conditions(scope, query)}`)
      .where('users.seq', '>', after)
      .orderBy('users.seq')
      .limit(query.limit + 1)
      .execute();
    const more = rows.length > query.limit;
    if (more) rows.pop();
    // A first page that holds every match is the total; otherwise count, up to the cap.
    const total = after === 0 && !more ? this.capped(rows.length) : await this.countWhere(scope, query);
    const last = rows.at(-1);
    return {
      users: rows.map(toStoredUser),
      total,
      ...(more && last && { nextCursor: scimCursor.encode(Number(last.seq)) }),
    };
  }

  /**
   * Role holders in user-id order: rounds of the next ids of each index range (the role's
   * user_roles rows, each rule group's members), merged; the users among them that pass the other
   * filters fill the page. A request reads at most ROLE_ROUNDS rounds; a page cut short there still
   * gets a cursor.
   */
  private async rolePage(scope: Scope, query: UserPageQuery, role: RoleHolders): Promise<UserPage> {
    const key = foldCase(role.role);
    let after = query.cursor ? roleCursor.decode(query.cursor) : '';
    const found: StoredUser[] = [];
    let exhausted = false;
    for (let round = 0; round < ROLE_ROUNDS && found.length <= query.limit; round++) {
      // A page's worth first (the role alone fills it), more per round when filters skip many.
      const batch = Math.min(this.limits.roleBatch, (query.limit + 1) * 2 ** round);
      const { ids, last } = await this.roleCandidates(scope, key, role.groupIds, after, batch);
      if (ids.length === 0) {
        exhausted = true;
        break;
      }
      const rows = await this.db
        .selectFrom('users')
        .selectAll()
        .where(sql<SqlBool>`${this.conditions(scope, query)}`)
        .where('users.id', 'in', ids)
        .execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const id of ids) {
        const row = byId.get(id);
        if (row) found.push(toStoredUser(row));
        after = id;
        if (found.length > query.limit) break;
      }
      if (last) {
        exhausted = found.length <= query.limit;
        break;
      }
    }
    const more = found.length > query.limit;
    if (more) found.pop();
    const cursorAt = more ? found.at(-1)!.id : exhausted ? undefined : after;
    // With other filters, the holders who pass them are known a page at a time only.
    const filtered =
      query.active !== undefined || query.source !== undefined || Boolean(query.prefix?.trim());
    const total = filtered
      ? { count: found.length, atLeast: more || Boolean(query.cursor) }
      : await this.roleCount(scope, key, role.groupIds);
    return {
      users: found,
      total,
      ...(cursorAt !== undefined && { nextCursor: roleCursor.encode(cursorAt) }),
    };
  }

  /**
   * The next `batch` holder ids after `after`, merged from each index range in id order; `last`
   * when every range is used up.
   */
  private async roleCandidates(
    scope: Scope,
    key: string,
    groupIds: readonly string[],
    after: string,
    batch: number,
  ): Promise<{ ids: string[]; last: boolean }> {
    const ranges = [
      this.db
        .selectFrom('user_roles')
        .select('user_id as id')
        .where('tenant_id', '=', scope.tenantId)
        .where('directory_id', '=', scope.directoryId)
        .where('role_key', '=', key)
        .where('user_id', '>', after)
        .orderBy('user_id')
        .limit(batch),
      ...groupIds.map((groupId) =>
        this.db
          .selectFrom('group_members')
          .select('member_id as id')
          .where('tenant_id', '=', scope.tenantId)
          .where('directory_id', '=', scope.directoryId)
          .where('group_id', '=', groupId)
          .where('member_id', '>', after)
          .where('member_type', '=', 'User')
          .orderBy('member_id')
          .limit(batch),
      ),
    ];
    const lists = await Promise.all(ranges.map(async (q) => (await q.execute()).map((r) => r.id)));
    // The merge compares ids as JavaScript strings, the databases in their index order; for the
    // UUIDs rollcall gives users (ASCII, dashes at fixed places) every collation agrees.
    // Only ids below the smallest last id of a full range are certain: nothing of that range lies
    // between; past it, that range has not been read yet.
    const full = lists.filter((l) => l.length === batch).map((l) => l.at(-1)!);
    const bound = full.length > 0 ? full.reduce((a, b) => (b < a ? b : a)) : undefined;
    const ids = [...new Set(lists.flat())]
      .filter((id) => bound === undefined || id <= bound)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return { ids, last: bound === undefined };
  }

  /**
   * Holders counted up to the cap: each index range read to COUNT_CAP + 1 ids, their union counted.
   * The ranges hold live users only (a deleted user leaves its roles and groups).
   */
  private async roleCount(scope: Scope, key: string, groupIds: readonly string[]): Promise<CappedCount> {
    const cap = this.limits.countCap + 1;
    let union = this.db.selectFrom(this.holders(scope, key).limit(cap).as('b')).select('b.id');
    for (const groupId of groupIds)
      union = union.union(this.db.selectFrom(this.members(scope, groupId).limit(cap).as('b')).select('b.id'));
    const row = await this.db
      .selectFrom(union.as('c'))
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return this.capped(Number(row.n));
  }

  private capped(n: number): CappedCount {
    const cap = this.limits.countCap;
    return n > cap ? { count: cap, atLeast: true } : { count: n, atLeast: false };
  }

  private holders(scope: Scope, key: string) {
    return this.db
      .selectFrom('user_roles')
      .select('user_id as id')
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where('role_key', '=', key);
  }

  private members(scope: Scope, groupId: string) {
    return this.db
      .selectFrom('group_members')
      .select('member_id as id')
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where('group_id', '=', groupId)
      .where('member_type', '=', 'User');
  }
}
