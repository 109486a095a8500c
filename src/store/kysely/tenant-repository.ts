import type { Kysely, Selectable } from 'kysely';
import type { Database, DirectoryTable, TenantTable } from '../database.js';
import type { DirectoryRecord, TenantRecord } from '../ports.js';

const toTenant = (row: Selectable<TenantTable>): TenantRecord => ({
  id: row.id,
  slug: row.slug,
  name: row.name,
  created: row.created_at,
});

const toDirectory = (row: Selectable<DirectoryTable>): DirectoryRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  settings: row.settings,
  scimEnabled: row.scim_enabled === 1,
  created: row.created_at,
  updated: row.updated_at,
});

/** Tenants and their directories. */
export class TenantRepository {
  constructor(private readonly db: Kysely<Database>) {}

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
}
