import type { Kysely, Selectable } from 'kysely';
import type { Database, UserTable } from '../database.js';
import type { DialectName } from '../dialects/dialect.js';
import type { GroupRef, ListPage, ListQuery, Scope, StoredUser } from '../ports.js';
import { parseData } from './json.js';
import { listRows } from './list-rows.js';
import { emailRows, userRow } from './resource-rows.js';

function toStoredUser(row: Selectable<UserTable>): StoredUser {
  return {
    id: row.id,
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
    let query = this.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where('id', '=', id);
    // SQLite serialises whole transactions; Postgres needs the row lock for read-modify-write.
    if (forUpdate && this.dialect === 'postgres') query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row && toStoredUser(row);
  }

  async insert(scope: Scope, user: StoredUser): Promise<void> {
    await this.db.insertInto('users').values(userRow(scope, user)).execute();
    await this.writeEmails(scope, user);
  }

  /** Writes a new version; returns false when the stored version is no longer `expectedVersion`. */
  async update(scope: Scope, user: StoredUser, expectedVersion: number): Promise<boolean> {
    const { tenant_id, directory_id, id, ...changes } = userRow(scope, user);
    const result = await this.db
      .updateTable('users')
      .set(changes)
      .where('tenant_id', '=', tenant_id)
      .where('directory_id', '=', directory_id)
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return false;
    await this.db
      .deleteFrom('user_emails')
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where('user_id', '=', user.id)
      .execute();
    await this.writeEmails(scope, user);
    return true;
  }

  private async writeEmails(scope: Scope, user: StoredUser): Promise<void> {
    const rows = emailRows(scope, user.id, user.data);
    if (rows.length > 0) await this.db.insertInto('user_emails').values(rows).execute();
  }

  /** Deletes the user with its email index rows and group memberships. */
  async delete(scope: Scope, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('users')
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) return false;
    await this.db
      .deleteFrom('user_emails')
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where('user_id', '=', id)
      .execute();
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
