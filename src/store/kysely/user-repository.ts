import { isDeepStrictEqual } from 'node:util';
import type { Kysely, Selectable } from 'kysely';
import type { JsonObject } from '../../scim/json/json-value.js';
import type { Database, UserTable } from '../database.js';
import type { DialectName } from '../dialects/dialect.js';
import type { AccountSource, GroupRef, ListPage, ListQuery, Scope, StoredUser } from '../ports.js';
import { type DirectoryCounts, directoryCounts } from './directory-counts.js';
import { groupsOfUser, liveUserById, liveUserByIdForUpdate } from './hot-queries.js';
import { parseData } from './json.js';
import { listRows } from './list-rows.js';
import { changedColumns, emailRows, foldCase, roleRows, userRow } from './resource-rows.js';

export function toStoredUser(row: Selectable<UserTable>): StoredUser {
  return {
    id: row.id,
    source: row.source as AccountSource,
    userName: row.user_name,
    externalId: row.external_id,
    active: row.active === 1,
    data: parseData(row.data),
    version: Number(row.version),
    created: row.created_at,
    lastModified: row.updated_at,
  };
}

/** Users of one directory. Uniqueness violations surface as driver errors; the store maps them. */
export class UserRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
  ) {}

  async get(scope: Scope, id: string, forUpdate = false): Promise<StoredUser | undefined> {
    // SQLite serialises whole transactions; Postgres needs the row lock for read-modify-write.
    const query = forUpdate && this.dialect === 'postgres' ? liveUserByIdForUpdate : liveUserById;
    const row = await query.first(this.db, { tenantId: scope.tenantId, directoryId: scope.directoryId, id });
    return row && toStoredUser(row);
  }

  async insert(scope: Scope, user: StoredUser): Promise<void> {
    await this.db.insertInto('users').values(userRow(scope, user)).execute();
    await this.writeIndexRows(scope, user);
  }

  /**
   * Writes a new version; returns false when the stored version is no longer `expectedVersion`.
   * Given the version it replaces (`previous`, read in the same transaction), it writes only what
   * changed: the columns that differ, so the indexes of unchanged ones (userName, externalId, the
   * paging index with `active`) are not rewritten, and the email rows that differ, not all of them.
   */
  async update(
    scope: Scope,
    user: StoredUser,
    expectedVersion: number,
    previous?: StoredUser,
  ): Promise<boolean> {
    const { tenant_id, directory_id, id, ...next } = userRow(scope, user);
    const before = previous && userRow(scope, previous);
    const changes = before ? changedColumns(before, next) : next;
    const result = await this.db
      .updateTable('users')
      .set(changes)
      .where('tenant_id', '=', tenant_id)
      .where('directory_id', '=', directory_id)
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return false;
    if (previous) {
      await this.syncEmails(scope, user.id, previous.data, user.data);
      await this.syncRoles(scope, user.id, previous.data, user.data);
    } else {
      await this.deleteIndexRows(scope, [user.id]);
      await this.writeIndexRows(scope, user);
    }
    return true;
  }

  /** Rewrites a user's role rows when its roles changed (most updates leave them alone). */
  private async syncRoles(
    scope: Scope,
    userId: string,
    before: JsonObject,
    after: JsonObject,
  ): Promise<void> {
    const next = roleRows(scope, userId, after);
    if (isDeepStrictEqual(roleRows(scope, userId, before), next)) return;
    await this.deleteIndexRows(scope, [userId], ['user_roles']);
    if (next.length > 0) await this.db.insertInto('user_roles').values(next).execute();
  }

  /** Brings a user's email rows from `before` to `after`, keyed by position: usually nothing or one row. */
  private async syncEmails(
    scope: Scope,
    userId: string,
    before: JsonObject,
    after: JsonObject,
  ): Promise<void> {
    const old = new Map(emailRows(scope, userId, before).map((row) => [row.ordinal, row]));
    const rows = emailRows(scope, userId, after);
    const added = rows.filter((row) => !old.has(row.ordinal));
    const byOrdinal = this.db
      .updateTable('user_emails')
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where('user_id', '=', userId);
    for (const row of rows) {
      const was = old.get(row.ordinal);
      old.delete(row.ordinal);
      if (!was || isDeepStrictEqual(was, row)) continue;
      await byOrdinal
        .set({
          value_key: row.value_key,
          type_key: row.type_key,
          display_key: row.display_key,
          primary: row.primary,
        })
        .where('ordinal', '=', row.ordinal)
        .execute();
    }
    if (old.size > 0)
      await this.db
        .deleteFrom('user_emails')
        .where('tenant_id', '=', scope.tenantId)
        .where('directory_id', '=', scope.directoryId)
        .where('user_id', '=', userId)
        .where('ordinal', 'in', [...old.keys()])
        .execute();
    if (added.length > 0) await this.db.insertInto('user_emails').values(added).execute();
  }

  /** The user's rows in the email and role indexes, written with the user in its transaction. */
  private async writeIndexRows(scope: Scope, user: StoredUser): Promise<void> {
    const emails = emailRows(scope, user.id, user.data);
    if (emails.length > 0) await this.db.insertInto('user_emails').values(emails).execute();
    const roles = roleRows(scope, user.id, user.data);
    if (roles.length > 0) await this.db.insertInto('user_roles').values(roles).execute();
  }

  private async deleteIndexRows(
    scope: Scope,
    userIds: readonly string[],
    tables: readonly ('user_emails' | 'user_roles')[] = ['user_emails', 'user_roles'],
  ): Promise<void> {
    for (const table of tables)
      await this.db
        .deleteFrom(table)
        .where('tenant_id', '=', scope.tenantId)
        .where('directory_id', '=', scope.directoryId)
        .where('user_id', 'in', userIds)
        .execute();
  }

  /**
   * Soft delete: the user disappears from SCIM and from its groups but keeps its row, so an admin can
   * restore it (or the IdP re-create it) until it is purged.
   */
  async softDelete(scope: Scope, id: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({ deleted_at: at, updated_at: at })
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    // Its roles leave the role index (a deleted user holds none); revive writes them again.
    await this.deleteIndexRows(scope, [id], ['user_roles']);
    await this.db
      .deleteFrom('group_members')
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where('member_id', '=', id)
      .execute();
    return true;
  }

  /** A soft-deleted user with this externalId or userName: the one a re-create brings back. */
  async findDeleted(
    scope: Scope,
    userName: string,
    externalId: string | null,
  ): Promise<StoredUser | undefined> {
    let query = this.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where('deleted_at', 'is not', null);
    query = query.where((eb) =>
      externalId === null
        ? eb('user_name_key', '=', foldCase(userName))
        : eb.or([eb('external_id', '=', externalId), eb('user_name_key', '=', foldCase(userName))]),
    );
    const row = await query.orderBy('deleted_at', 'desc').executeTakeFirst();
    return row && toStoredUser(row);
  }

  /** Makes a soft-deleted user live again with new content (a new version). */
  async revive(scope: Scope, user: StoredUser): Promise<boolean> {
    const { tenant_id, directory_id, id, ...changes } = userRow(scope, user);
    const result = await this.db
      .updateTable('users')
      .set({ ...changes, deleted_at: null })
      .where('tenant_id', '=', tenant_id)
      .where('directory_id', '=', directory_id)
      .where('id', '=', id)
      .where('deleted_at', 'is not', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return false;
    await this.deleteIndexRows(scope, [user.id]);
    await this.writeIndexRows(scope, user);
    return true;
  }

  async getDeleted(scope: Scope, id: string): Promise<(StoredUser & { deletedAt: string }) | undefined> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where('id', '=', id)
      .where('deleted_at', 'is not', null)
      .executeTakeFirst();
    return row && { ...toStoredUser(row), deletedAt: row.deleted_at! };
  }

  /** Hard-deletes the directory's users soft-deleted before `before` (the partial index finds them); returns how many. */
  async purgeDeleted(scope: Scope, before: string): Promise<number> {
    const doomed = this.db
      .selectFrom('users')
      .select('id')
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where('deleted_at', '<', before);
    // Soft delete already took their roles out of the role index; the emails go now.
    await this.db
      .deleteFrom('user_emails')
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where('user_id', 'in', doomed)
      .execute();
    const result = await this.db
      .deleteFrom('users')
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where('deleted_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /**
   * The ids of the users, live or soft-deleted, whose id or userName (case-insensitive) is `text`:
   * what a log search for a user means. Two index probes.
   */
  async idsNamed(scope: Scope, text: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('users')
      .select('id')
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where((eb) => eb.or([eb('id', '=', text), eb('user_name_key', '=', foldCase(text))]))
      .execute();
    return rows.map((r) => r.id);
  }

  /** Live active users, for the deprovisioning guard: the running count, not a count of the directory. */
  async countActive(scope: Scope): Promise<number> {
    return (await this.counts(scope)).activeUsers;
  }

  /** The directory's running counts of users, active users and groups. */
  counts(scope: Scope): Promise<DirectoryCounts> {
    return directoryCounts(this.db, scope);
  }

  /** Live users of the directory with this email as an email or as userName, via the indexes. */
  async findByEmail(scope: Scope, email: string): Promise<StoredUser[]> {
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where('deleted_at', 'is', null)
      .where((eb) =>
        eb.or([
          eb('user_name_key', '=', foldCase(email)),
          eb(
            'id',
            'in',
            this.db
              .selectFrom('user_emails')
              .select('user_id')
              .where('tenant_id', '=', scope.tenantId)
              .where('directory_id', '=', scope.directoryId)
              .where('value_key', '=', foldCase(email)),
          ),
        ]),
      )
      .execute();
    return rows.map(toStoredUser);
  }

  /** Deletes the user with its email and role index rows and group memberships. */
  async delete(scope: Scope, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('users')
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) return false;
    await this.deleteIndexRows(scope, [id]);
    await this.db
      .deleteFrom('group_members')
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where('member_id', '=', id)
      .execute();
    return true;
  }

  async list(scope: Scope, query: ListQuery): Promise<ListPage<StoredUser>> {
    const page = await listRows<Selectable<UserTable>>(this.db, this.dialect, 'users', scope, query);
    return {
      totalResults: page.totalResults,
      resources: page.rows.map(toStoredUser),
      nextCursor: page.nextCursor,
    };
  }

  /** The groups a user is a direct member of, via the member index. */
  async groupsOf(scope: Scope, userIds: readonly string[]): Promise<Map<string, GroupRef[]>> {
    const result = new Map<string, GroupRef[]>(userIds.map((id) => [id, []]));
    if (userIds.length === 0) return result;
    if (userIds.length === 1) {
      const [userId] = userIds as [string];
      const values = { tenantId: scope.tenantId, directoryId: scope.directoryId, userId };
      const groups = await groupsOfUser.all(this.db, values);
      result.set(
        userId,
        groups.map((g) => ({ value: g.id, display: g.display_name })),
      );
      return result;
    }
    const rows = await this.db
      .selectFrom('group_members as m')
      .innerJoin('groups as g', (join) =>
        join
          .onRef('g.tenant_id', '=', 'm.tenant_id')
          .onRef('g.directory_id', '=', 'm.directory_id')
          .onRef('g.id', '=', 'm.group_id'),
      )
      .select(['m.member_id', 'g.id', 'g.display_name'])
      .where('m.tenant_id', '=', scope.tenantId)
      .where('m.directory_id', '=', scope.directoryId)
      .where('m.member_id', 'in', userIds)
      .orderBy('g.seq')
      .execute();
    for (const row of rows) result.get(row.member_id)?.push({ value: row.id, display: row.display_name });
    return result;
  }
}
