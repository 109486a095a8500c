import { type Kysely, type Selectable, sql } from 'kysely';
import { InvalidFilterError } from '../../scim/errors.js';
import type { FilterNode } from '../../scim/filter/filter-node.js';
import type { Database, GroupTable } from '../database.js';
import type { DialectName } from '../dialects/dialect.js';
import type { ListPage, ListQuery, MemberRef, MemberView, Scope, StoredGroup } from '../ports.js';
import { groupById, groupByIdForUpdate } from './hot-queries.js';
import { parseData } from './json.js';
import { listRows } from './list-rows.js';
import { changedColumns, groupRow } from './resource-rows.js';

function toStoredGroup(row: Selectable<GroupTable>): StoredGroup {
  return {
    id: row.id,
    displayName: row.display_name,
    externalId: row.external_id,
    data: parseData(row.data),
    version: Number(row.version),
    created: row.created_at,
    lastModified: row.updated_at,
  };
}

/** Rows per multi-row INSERT/DELETE: well under SQLite's bound-parameter limit. */
const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** Groups of one directory, with membership kept as rows (one row per member). */
export class GroupRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
  ) {}

  async get(scope: Scope, id: string, forUpdate = false): Promise<StoredGroup | undefined> {
    // Postgres: changes of one group queue up behind this row lock (FOR NO KEY UPDATE, so
    // resolveMembers' KEY SHARE stays free and two groups nested into each other do not deadlock).
    const query = forUpdate && this.dialect === 'postgres' ? groupByIdForUpdate : groupById;
    const row = await query.first(this.db, { tenantId: scope.tenantId, directoryId: scope.directoryId, id });
    return row && toStoredGroup(row);
  }

  async insert(scope: Scope, group: StoredGroup): Promise<void> {
    await this.db.insertInto('groups').values(groupRow(scope, group)).execute();
  }

  /** Writes a new version; given the version it replaces, only the columns that changed (a membership change: version and time). */
  async update(
    scope: Scope,
    group: StoredGroup,
    expectedVersion: number,
    previous?: StoredGroup,
  ): Promise<boolean> {
    const { tenant_id, directory_id, id, ...next } = groupRow(scope, group);
    const changes = previous ? changedColumns(groupRow(scope, previous), next) : next;
    const result = await this.db
      .updateTable('groups')
      .set(changes)
      .where('tenant_id', '=', tenant_id)
      .where('directory_id', '=', directory_id)
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Deletes the group, its member rows and its own memberships in other groups. */
  async delete(scope: Scope, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('groups')
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) return false;
    await this.db
      .deleteFrom('group_members')
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where((eb) => eb.or([eb('group_id', '=', id), eb('member_id', '=', id)]))
      .execute();
    return true;
  }

  async list(scope: Scope, query: ListQuery): Promise<ListPage<StoredGroup>> {
    const page = await listRows<Selectable<GroupTable>>(this.db, this.dialect, 'groups', scope, query);
    return {
      totalResults: page.totalResults,
      resources: page.rows.map(toStoredGroup),
      nextCursor: page.nextCursor,
    };
  }

  /** The members of groups, with display names as a client sees them. */
  async members(scope: Scope, groupIds: readonly string[]): Promise<Map<string, MemberView[]>> {
    const result = new Map<string, MemberView[]>(groupIds.map((id) => [id, []]));
    if (groupIds.length === 0) return result;
    const rows = await this.memberRows(scope)
      .where('m.group_id', 'in', groupIds)
      .orderBy('m.member_id')
      .execute();
    for (const row of rows) result.get(row.group_id)?.push(memberView(row));
    return result;
  }

  /** How many direct members each group has, counted on the membership index (no member is read). */
  async memberCounts(scope: Scope, groupIds: readonly string[]): Promise<Map<string, number>> {
    const result = new Map<string, number>(groupIds.map((id) => [id, 0]));
    if (groupIds.length === 0) return result;
    const rows = await this.db
      .selectFrom('group_members')
      .select(['group_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where('group_id', 'in', groupIds)
      .groupBy('group_id')
      .execute();
    for (const row of rows) result.set(row.group_id, Number(row.n));
    return result;
  }

  /**
   * One page of a group's members in member-id order, after `afterMemberId`: a keyset walk of the
   * membership index, so a page of a 100,000-member group reads a page of rows.
   */
  async membersPage(
    scope: Scope,
    groupId: string,
    options: { afterMemberId?: string; limit: number },
  ): Promise<{ members: MemberView[]; more: boolean }> {
    let query = this.memberRows(scope).where('m.group_id', '=', groupId);
    if (options.afterMemberId !== undefined) query = query.where('m.member_id', '>', options.afterMemberId);
    const rows = await query
      .orderBy('m.member_id')
      .limit(options.limit + 1)
      .execute();
    const more = rows.length > options.limit;
    if (more) rows.pop();
    return { members: rows.map(memberView), more };
  }

  /** Membership rows of the directory with each member's display name: the user's, else the group's. */
  private memberRows(scope: Scope) {
    const userDisplay =
      this.dialect === 'sqlite'
        ? sql<string | null>`coalesce(json_extract(u.data, '$.displayName'), u.user_name)`
        : sql<string | null>`coalesce((u.data::jsonb)->>'displayName', u.user_name)`;
    return this.db
      .selectFrom('group_members as m')
      .leftJoin('users as u', (join) =>
        join
          .onRef('u.tenant_id', '=', 'm.tenant_id')
          .onRef('u.directory_id', '=', 'm.directory_id')
          .onRef('u.id', '=', 'm.member_id'),
      )
      .leftJoin('groups as g', (join) =>
        join
          .onRef('g.tenant_id', '=', 'm.tenant_id')
          .onRef('g.directory_id', '=', 'm.directory_id')
          .onRef('g.id', '=', 'm.member_id'),
      )
      .select([
        'm.group_id',
        'm.member_id',
        'm.member_type',
        sql<string | null>`case when m.member_type = 'User' then ${userDisplay} else g.display_name end`.as(
          'display',
        ),
      ])
      .where('m.tenant_id', '=', scope.tenantId)
      .where('m.directory_id', '=', scope.directoryId);
  }

  /**
   * Which of `ids` are users or groups of this directory (one indexed query each). On Postgres the
   * rows found stay locked until the transaction ends, so a member cannot be deleted (or soft
   * deleted, an UPDATE: hence SHARE for users) between this check and the membership insert; the
   * delete waits, and its removal of memberships then sees the new one.
   */
  async resolveMembers(scope: Scope, ids: readonly string[]): Promise<Map<string, MemberRef['type']>> {
    const found = new Map<string, MemberRef['type']>();
    const postgres = this.dialect === 'postgres';
    for (const part of chunks([...new Set(ids)])) {
      let usersQuery = this.db
        .selectFrom('users')
        .select('id')
        .where('tenant_id', '=', scope.tenantId)
        .where('directory_id', '=', scope.directoryId)
        .where('id', 'in', part)
        .where('deleted_at', 'is', null);
      if (postgres) usersQuery = usersQuery.forShare();
      for (const u of await usersQuery.execute()) found.set(u.id, 'User');
      let groupsQuery = this.db
        .selectFrom('groups')
        .select('id')
        .where('tenant_id', '=', scope.tenantId)
        .where('directory_id', '=', scope.directoryId)
        .where('id', 'in', part);
      if (postgres) groupsQuery = groupsQuery.forKeyShare();
      for (const g of await groupsQuery.execute()) found.set(g.id, 'Group');
    }
    return found;
  }

  /** Adds members in set-based statements; members already present are left alone. */
  async addMembers(scope: Scope, groupId: string, members: readonly MemberRef[]): Promise<void> {
    for (const part of chunks(members)) {
      await this.db
        .insertInto('group_members')
        .values(
          part.map((m) => ({
            tenant_id: scope.tenantId,
            directory_id: scope.directoryId,
            group_id: groupId,
            member_id: m.value,
            member_type: m.type,
          })),
        )
        .onConflict((oc) => oc.columns(['tenant_id', 'directory_id', 'group_id', 'member_id']).doNothing())
        .execute();
    }
  }

  async removeMembers(scope: Scope, groupId: string, ids: readonly string[]): Promise<void> {
    for (const part of chunks(ids)) {
      await this.db
        .deleteFrom('group_members')
        .where('tenant_id', '=', scope.tenantId)
        .where('directory_id', '=', scope.directoryId)
        .where('group_id', '=', groupId)
        .where('member_id', 'in', part)
        .execute();
    }
  }

  async removeAllMembers(scope: Scope, groupId: string): Promise<void> {
    await this.db
      .deleteFrom('group_members')
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where('group_id', '=', groupId)
      .execute();
  }

  /**
   * Removes the members a PATCH value filter selects (`members[type eq "Group"]`). Only `value` and
   * `type` are stored with the membership, so only they may be filtered on here.
   */
  async removeMembersWhere(scope: Scope, groupId: string, filter: FilterNode): Promise<void> {
    await this.db
      .deleteFrom('group_members')
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where('group_id', '=', groupId)
      .where(memberFilterSql(filter))
      .execute();
  }
}

function memberView(row: {
  member_id: string;
  member_type: MemberView['type'];
  display: string | null;
}): MemberView {
  return { value: row.member_id, type: row.member_type, display: row.display ?? null };
}

function memberFilterSql(node: FilterNode): ReturnType<typeof sql<boolean>> {
  switch (node.kind) {
    case 'and':
      return sql<boolean>`(${memberFilterSql(node.left)} and ${memberFilterSql(node.right)})`;
    case 'or':
      return sql<boolean>`(${memberFilterSql(node.left)} or ${memberFilterSql(node.right)})`;
    case 'not':
      return sql<boolean>`(not ${memberFilterSql(node.operand)})`;
    case 'compare': {
      const name = node.path.name.toLowerCase();
      if (
        (name === 'value' || name === 'type') &&
        (node.op === 'eq' || node.op === 'ne') &&
        typeof node.value === 'string'
      ) {
        // value is case-exact (an id); type is compared case-insensitively like the schema says.
        const column = name === 'value' ? sql`member_id` : sql`lower(member_type)`;
        const literal = name === 'value' ? node.value : node.value.toLowerCase();
        return node.op === 'eq'
          ? sql<boolean>`${column} = ${literal}`
          : sql<boolean>`${column} <> ${literal}`;
      }
      break;
    }
  }
  throw new InvalidFilterError(
    'A member filter in a PATCH path may only compare value or type with eq or ne',
  );
}
