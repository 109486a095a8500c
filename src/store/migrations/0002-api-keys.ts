import type { Kysely } from 'kysely';
import type { DialectName } from '../dialects/dialect.js';

/**
 * Schema v2: operator API keys for the admin API, and an index on the provisioning log's time so
 * the retention purge deletes old rows without scanning the whole log.
 */
export function apiKeys(_dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // Null: the key opens every tenant. Not a foreign key: deleting a tenant deletes its keys
        // explicitly, in the same set-based statements as the rest of the tenant.
        .addColumn('tenant_id', 'text')
        .addColumn('name', 'text')
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('api_keys_tenant').on('api_keys').columns(['tenant_id']).execute();
      await db.schema.createIndex('provisioning_log_at').on('provisioning_log').columns(['at']).execute();
    },
  };
}
