import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../dialects/dialect.js';

/**
 * Schema v3, account lifecycle: soft delete and account source on users, the events outbox,
 * tenant domains, account-match queue, group→role rules, token scopes and expiry warnings,
 * the mass-deprovisioning guard, and a note column in the provisioning log (role changes).
 */
export function lifecycle(dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const seqColumn =
        dialect === 'sqlite'
          ? sql.raw('integer primary key autoincrement')
          : sql.raw('bigint generated always as identity');

      await db.schema.alterTable('users').addColumn('deleted_at', 'text').execute();
      // Where the account came from: 'scim' (provisioned), 'jit' (first SSO sign-in) or 'admin'.
      await db.schema
        .alterTable('users')
        .addColumn('source', 'text', (c) => c.notNull().defaultTo('scim'))
        .execute();
      // userName stays unique among live users only, so a soft-deleted user does not block its return.
      await db.schema.dropIndex('users_user_name').execute();
      await db.schema
        .createIndex('users_user_name')
        .unique()
        .on('users')
        .columns(['tenant_id', 'directory_id', 'user_name_key'])
        .where(sql.ref('deleted_at'), 'is', null)
        .execute();
      await db.schema
        .createIndex('users_deleted')
        .on('users')
        .columns(['tenant_id', 'directory_id', 'deleted_at'])
        .where(sql.ref('deleted_at'), 'is not', null)
        .execute();

      let events = db.schema
        .createTable('events')
        .addColumn('seq', seqColumn, (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('directory_id', 'text')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('resource_type', 'text')
        .addColumn('resource_id', 'text')
        .addColumn('data', 'text', (c) => c.notNull());
      if (dialect === 'postgres') events = events.addPrimaryKeyConstraint('events_pk', ['tenant_id', 'seq']);
      await events.execute();
      await db.schema.createIndex('events_tenant').on('events').columns(['tenant_id', 'seq']).execute();
      await db.schema
        .createIndex('events_directory_type')
        .on('events')
        .columns(['tenant_id', 'directory_id', 'type', 'at'])
        .execute();

      await db.schema
        .createTable('tenant_domains')
        .addColumn('domain', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('tenant_domains_tenant')
        .on('tenant_domains')
        .columns(['tenant_id'])
        .execute();

      await db.schema
        .createTable('account_matches')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('directory_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('scim_user_id', 'text', (c) => c.notNull())
        .addColumn('existing_user_id', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('decided_at', 'text')
        .addPrimaryKeyConstraint('account_matches_pk', ['tenant_id', 'directory_id', 'id'])
        .execute();
      await db.schema
        .createIndex('account_matches_status')
        .on('account_matches')
        .columns(['tenant_id', 'directory_id', 'status'])
        .execute();

      await db.schema
        .createTable('group_role_rules')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('directory_id', 'text', (c) => c.notNull())
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('group_role_rules_pk', ['tenant_id', 'directory_id', 'group_id', 'role'])
        .execute();

      await db.schema.alterTable('scim_tokens').addColumn('scopes', 'text').execute();
      await db.schema.alterTable('scim_tokens').addColumn('expiry_warned_at', 'text').execute();

      await db.schema.alterTable('directories').addColumn('deprovision_paused_at', 'text').execute();
      await db.schema.alterTable('directories').addColumn('deprovision_released_at', 'text').execute();

      await db.schema.alterTable('provisioning_log').addColumn('note', 'text').execute();
    },
  };
}
