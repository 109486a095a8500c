import type { Kysely, Selectable } from 'kysely';
import type { Database, DirectoryTable, TenantTable } from '../database.js';
import type { DialectName } from '../dialects/dialect.js';
import type { DirectoryRecord, TenantRecord } from '../ports.js';

const toTenant = (row: Selectable<TenantTable>): TenantRecord => ({
  id: row.id,
  slug: row.slug,
  name: row.name,
  created: row.created_at,
});

export const toDirectory = (row: Selectable<DirectoryTable>): DirectoryRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  settings: row.settings,
  scimEnabled: row.scim_enabled === 1,
  created: row.created_at,
  updated: row.updated_at,
  deprovisionPausedAt: row.deprovision_paused_at,
  deprovisionReleasedAt: row.deprovision_released_at,
});

/** Tenants and their directories. */
export class TenantRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName = 'sqlite',
  ) {}

  /**
   * Takes the directory's row lock until the transaction ends (Postgres; SQLite transactions are
   * serial already), so decisions that count across the directory, like the deprovisioning guard,
   * are made one at a time across nodes.
   */
  async lockDirectory(id: string): Promise<void> {
    if (this.dialect !== 'postgres') return;
    await this.db.selectFrom('directories').select('id').where('id', '=', id).forUpdate().execute();
  }

  async insertTenant(tenant: TenantRecord): Promise<void> {
    await this.db
      .insertInto('tenants')
      .values({ id: tenant.id, slug: tenant.slug, name: tenant.name, created_at: tenant.created })
      .execute();
  }

  async tenantBySlug(slug: string): Promise<TenantRecord | undefined> {
    const row = await this.db.selectFrom('tenants').selectAll().where('slug', '=', slug).executeTakeFirst();
    return row && toTenant(row);
  }

  async tenantById(id: string): Promise<TenantRecord | undefined> {
    const row = await this.db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toTenant(row);
  }

  async listTenants(): Promise<TenantRecord[]> {
    const rows = await this.db.selectFrom('tenants').selectAll().orderBy('slug').execute();
    return rows.map(toTenant);
  }

  async addDomain(tenantId: string, domain: string, at: string): Promise<void> {
    await this.db
      .insertInto('tenant_domains')
      .values({ domain, tenant_id: tenantId, created_at: at })
      .execute();
  }

  async domainsOf(tenantId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('tenant_domains')
      .select('domain')
      .where('tenant_id', '=', tenantId)
      .orderBy('domain')
      .execute();
    return rows.map((r) => r.domain);
  }

  /** The tenant that declared an email domain, if any (domains are unique across tenants). */
  async tenantOfDomain(domain: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('tenant_domains')
      .select('tenant_id')
      .where('domain', '=', domain)
      .executeTakeFirst();
    return row?.tenant_id;
  }

  /** Sets the guard's pause, atomically: true if this call paused it (so the alert is raised once). */
  async pauseDeprovisioning(directoryId: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('directories')
      .set({ deprovision_paused_at: at })
      .where('id', '=', directoryId)
      .where('deprovision_paused_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async releaseDeprovisioning(directoryId: string, at: string): Promise<void> {
    await this.db
      .updateTable('directories')
      .set({ deprovision_paused_at: null, deprovision_released_at: at })
      .where('id', '=', directoryId)
      .execute();
  }

  async insertDirectory(directory: DirectoryRecord): Promise<void> {
    await this.db
      .insertInto('directories')
      .values({
        id: directory.id,
        tenant_id: directory.tenantId,
        name: directory.name,
        settings: directory.settings,
        scim_enabled: directory.scimEnabled ? 1 : 0,
        created_at: directory.created,
        updated_at: directory.updated,
        deprovision_paused_at: directory.deprovisionPausedAt,
        deprovision_released_at: directory.deprovisionReleasedAt,
      })
      .execute();
  }

  async directoryById(id: string): Promise<DirectoryRecord | undefined> {
    const row = await this.db.selectFrom('directories').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toDirectory(row);
  }

  async directoriesOf(tenantId: string): Promise<DirectoryRecord[]> {
    const rows = await this.db
      .selectFrom('directories')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('name')
      .execute();
    return rows.map(toDirectory);
  }

  /**
   * Writes a directory's name, settings and switch. The guard's pause and release are not written:
   * only pauseDeprovisioning and releaseDeprovisioning change them, so a settings change read before
   * a pause cannot undo it.
   */
  async updateDirectory(directory: DirectoryRecord): Promise<void> {
    await this.db
      .updateTable('directories')
      .set({
        name: directory.name,
        settings: directory.settings,
        scim_enabled: directory.scimEnabled ? 1 : 0,
        updated_at: directory.updated,
      })
      .where('id', '=', directory.id)
      .execute();
  }

  async renameTenant(id: string, name: string): Promise<void> {
    await this.db.updateTable('tenants').set({ name }).where('id', '=', id).execute();
  }

  /**
   * A page of tenants in slug order, after `afterSlug` (or from `fromSlug` on, where a search
   * starts); `onlyId` limits it to one tenant.
   */
  async tenantsPage(options: {
    afterSlug?: string;
    fromSlug?: string;
    limit: number;
    onlyId?: string;
  }): Promise<TenantRecord[]> {
    let query = this.db.selectFrom('tenants').selectAll();
    if (options.afterSlug !== undefined) query = query.where('slug', '>', options.afterSlug);
    if (options.fromSlug !== undefined) query = query.where('slug', '>=', options.fromSlug);
    if (options.onlyId !== undefined) query = query.where('id', '=', options.onlyId);
    const rows = await query.orderBy('slug').limit(options.limit).execute();
    return rows.map(toTenant);
  }

  /**
   * Deletes a tenant and every row of it, one set-based statement per table keyed by tenant_id
   * (each such index leads with tenant_id). Run it in a transaction: all of it goes, or nothing.
   */
  async deleteTenant(id: string): Promise<boolean> {
    for (const table of TENANT_TABLES)
      await this.db
        .deleteFrom(table as 'users')
        .where('tenant_id', '=', id)
        .execute();
    const result = await this.db.deleteFrom('tenants').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  /**
   * Deletes a directory and its users, groups, memberships, tokens, rules and log, set-based.
   * Its events stay: the outbox is append-only and tells the host app what existed. Run it in a
   * transaction.
   */
  async deleteDirectory(tenantId: string, id: string): Promise<boolean> {
    for (const table of DIRECTORY_TABLES)
      await this.db
        .deleteFrom(table as 'users')
        .where('tenant_id', '=', tenantId)
        .where('directory_id', '=', id)
        .execute();
    const result = await this.db
      .deleteFrom('directories')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}

/** Every table with rows of one directory (keyed by tenant_id, directory_id), children first. */
const DIRECTORY_TABLES = [
  'group_members',
  'user_emails',
  'user_roles',
  'group_role_rules',
  'account_matches',
  'users',
  'groups',
  'provisioning_log',
  'scim_tokens',
  'sso_sessions',
] as const satisfies readonly (keyof Database)[];

/** Every table with rows of one tenant, children first; `tenants` itself goes last. */
const TENANT_TABLES = [
  ...DIRECTORY_TABLES,
  'events',
  'tenant_domains',
  'api_keys',
  'saml_requests',
  'saml_tests',
  'saml_assertions',
  'saml_certificate_warnings',
  'sso_log',
  'saml_connections',
  'directories',
] as const satisfies readonly (keyof Database)[];
