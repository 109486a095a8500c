import type { Kysely, Selectable } from 'kysely';
import type { ApiKeyTable, Database } from '../database.js';

export interface ApiKeyRecord {
  readonly id: string;
  /** Null: the key opens every tenant. */
  readonly tenantId: string | null;
  readonly name: string | null;
  readonly prefix: string;
  readonly created: string;
  readonly lastUsed: string | null;
  readonly revoked: string | null;
}

const toApiKey = (row: Selectable<ApiKeyTable>): ApiKeyRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  prefix: row.prefix,
  created: row.created_at,
  lastUsed: row.last_used_at,
  revoked: row.revoked_at,
});

/** Operator API keys of the admin API, stored as SHA-256 hashes. */
export class ApiKeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(key: ApiKeyRecord, hash: string): Promise<void> {
    await this.db
      .insertInto('api_keys')
      .values({
        id: key.id,
        tenant_id: key.tenantId,
        name: key.name,
        prefix: key.prefix,
        hash,
        created_at: key.created,
        last_used_at: key.lastUsed,
        revoked_at: key.revoked,
      })
      .execute();
  }

  async findByHash(hash: string): Promise<{ key: ApiKeyRecord; hash: string } | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('hash', '=', hash).executeTakeFirst();
    return row && { key: toApiKey(row), hash: row.hash };
  }

  async byId(id: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toApiKey(row);
  }

  /** Every key, or the keys limited to one tenant; oldest first. */
  async list(tenantId?: string): Promise<ApiKeyRecord[]> {
    let query = this.db.selectFrom('api_keys').selectAll();
    if (tenantId !== undefined) query = query.where('tenant_id', '=', tenantId);
    const rows = await query.orderBy('created_at').orderBy('id').execute();
    return rows.map(toApiKey);
  }

  async revoke(id: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async touch(id: string, at: string): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
  }
}
