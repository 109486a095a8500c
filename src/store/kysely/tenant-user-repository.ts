import type { Kysely } from 'kysely';
import type { Database } from '../database.js';
import type { StoredUser } from '../ports.js';
import { foldCase } from './resource-rows.js';
import { toStoredUser } from './user-repository.js';

/** A user found across a tenant's directories, with where it lives and whether it is soft-deleted. */
export interface TenantUser {
  readonly directoryId: string;
  readonly user: StoredUser;
  readonly deletedAt: string | null;
}

/**
 * Users looked up by tenant rather than by directory, for single sign-on: a person signs in to a
 * tenant and may be in any of its directories. Each lookup probes an index that leads with the
 * tenant (0006-sso), never the tenant's users.
 */
export class TenantUserRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Users of the tenant with this email as an email or as userName, soft-deleted ones included (a
   * sign-in refuses them rather than creating the person again). Oldest first.
   */
  async findByEmail(tenantId: string, email: string): Promise<TenantUser[]> {
    const key = foldCase(email);
    // Separate probes rather than one OR, so that each is an index lookup on both databases.
    const byUserName = await this.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_name_key', '=', key)
      .execute();
    const byEmail = await this.db
      .selectFrom('user_emails')
      .select(['directory_id', 'user_id'])
      .where('tenant_id', '=', tenantId)
      .where('value_key', '=', key)
      .execute();
    const rows = [...byUserName];
    for (const { directory_id, user_id } of byEmail) {
      if (rows.some((row) => row.directory_id === directory_id && row.id === user_id)) continue;
      const row = await this.db
        .selectFrom('users')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('directory_id', '=', directory_id)
        .where('id', '=', user_id)
        .executeTakeFirst();
      if (row) rows.push(row);
    }
    return rows
      .sort((a, b) => Number(a.seq) - Number(b.seq))
      .map((row) => ({ directoryId: row.directory_id, user: toStoredUser(row), deletedAt: row.deleted_at }));
  }

  /** A live (not soft-deleted) user of the tenant by id, in whichever directory it is. */
  async get(
    tenantId: string,
    userId: string,
  ): Promise<{ directoryId: string; user: StoredUser } | undefined> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', userId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row && { directoryId: row.directory_id, user: toStoredUser(row) };
  }
}
