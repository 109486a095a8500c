import type { Kysely, Selectable } from 'kysely';
import type { AccountMatchTable, Database } from '../database.js';
import type { Scope } from '../ports.js';

export interface AccountMatch {
  readonly id: string;
  readonly directoryId: string;
  readonly scimUserId: string;
  readonly existingUserId: string;
  readonly email: string;
  readonly status: 'pending' | 'confirmed' | 'refused';
  readonly created: string;
  readonly decided: string | null;
}

export interface GroupRoleRule {
  readonly groupId: string;
  readonly role: string;
}

const toMatch = (row: Selectable<AccountMatchTable>): AccountMatch => ({
  id: row.id,
  directoryId: row.directory_id,
  scimUserId: row.scim_user_id,
  existingUserId: row.existing_user_id,
  email: row.email,
  status: row.status,
  created: row.created_at,
  decided: row.decided_at,
});

/** Account-match queue and group→role rules of a directory. */
export class LifecycleRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertMatch(scope: Scope, match: AccountMatch): Promise<void> {
    await this.db
      .insertInto('account_matches')
      .values({
        tenant_id: scope.tenantId,
        directory_id: scope.directoryId,
        id: match.id,
        scim_user_id: match.scimUserId,
        existing_user_id: match.existingUserId,
        email: match.email,
        status: match.status,
        created_at: match.created,
        decided_at: match.decided,
      })
      .execute();
  }

  async matches(scope: Scope, status?: AccountMatch['status']): Promise<AccountMatch[]> {
    let query = this.db
      .selectFrom('account_matches')
      .selectAll()
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId);
    if (status) query = query.where('status', '=', status);
    return (await query.orderBy('created_at').execute()).map(toMatch);
  }

  async match(scope: Scope, id: string): Promise<AccountMatch | undefined> {
    const row = await this.db
      .selectFrom('account_matches')
      .selectAll()
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toMatch(row);
  }

  /** Decides a pending match; false if it was already decided. */
  async decideMatch(scope: Scope, id: string, status: 'confirmed' | 'refused', at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('account_matches')
      .set({ status, decided_at: at })
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async replaceGroupRoleRules(scope: Scope, rules: readonly GroupRoleRule[]): Promise<void> {
    await this.db
      .deleteFrom('group_role_rules')
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .execute();
    if (rules.length === 0) return;
    await this.db
      .insertInto('group_role_rules')
      .values(
        rules.map((r, position) => ({
          tenant_id: scope.tenantId,
          directory_id: scope.directoryId,
          group_id: r.groupId,
          role: r.role,
          position,
        })),
      )
      .execute();
  }

  async groupRoleRules(scope: Scope): Promise<GroupRoleRule[]> {
    const rows = await this.db
      .selectFrom('group_role_rules')
      .select(['group_id', 'role'])
      .where('tenant_id', '=', scope.tenantId)
      .where('directory_id', '=', scope.directoryId)
      .orderBy('position')
      .execute();
    return rows.map((r) => ({ groupId: r.group_id, role: r.role }));
  }

  /** The roles a user gets from its groups, in rule order (the member index serves the join). */
  async rolesFromGroups(scope: Scope, userIds: readonly string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>(userIds.map((id) => [id, []]));
    if (userIds.length === 0) return result;
    const rows = await this.db
      .selectFrom('group_members as m')
      .innerJoin('group_role_rules as r', (join) =>
        join
          .onRef('r.tenant_id', '=', 'm.tenant_id')
          .onRef('r.directory_id', '=', 'm.directory_id')
          .onRef('r.group_id', '=', 'm.group_id'),
      )
      .select(['m.member_id', 'r.role'])
      .where('m.tenant_id', '=', scope.tenantId)
      .where('m.directory_id', '=', scope.directoryId)
      .where('m.member_id', 'in', userIds)
      .orderBy('r.position')
      .execute();
    for (const row of rows) {
      const roles = result.get(row.member_id)!;
      if (!roles.includes(row.role)) roles.push(row.role);
    }
    return result;
  }
}
