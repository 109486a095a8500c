import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../dialects/dialect.js';

/** Schema v1: tenants, directories, tokens, users (+ emails), groups (+ members), provisioning log. */
export function init(dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // An ever-increasing row number for paging order and cursors. SQLite's AUTOINCREMENT never
      // reuses a deleted number, so a keyset cursor stays correct while rows are deleted mid-walk.
      const seqColumn =
        dialect === 'sqlite'
          ? sql.raw('integer primary key autoincrement')
          : sql.raw('bigint generated always as identity');
      const keyed = dialect === 'postgres';

      await db.schema
        .createTable('tenants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('directories')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('scim_enabled', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('directories_tenant_name', ['tenant_id', 'name'])
        .execute();

      await db.schema
        .createTable('scim_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('directory_id', 'text', (c) =>
          c.notNull().references('directories.id').onDelete('cascade'),
        )
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .addColumn('expires_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createIndex('scim_tokens_directory')
        .on('scim_tokens')
        .columns(['tenant_id', 'directory_id'])
        .execute();

      let users = db.schema
        .createTable('users')
        .addColumn('seq', seqColumn, (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('directory_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('user_name', 'text', (c) => c.notNull())
        .addColumn('user_name_key', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text')
        .addColumn('display_name_key', 'text')
        .addColumn('active', 'integer', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull());
      if (keyed) users = users.addPrimaryKeyConstraint('users_pk', ['tenant_id', 'directory_id', 'id']);
      await users.execute();
      if (!keyed)
        await db.schema
          .createIndex('users_id')
          .unique()
          .on('users')
          .columns(['tenant_id', 'directory_id', 'id'])
          .execute();
      await db.schema
        .createIndex('users_user_name')
        .unique()
        .on('users')
        .columns(['tenant_id', 'directory_id', 'user_name_key'])
        .execute();
      await db.schema
        .createIndex('users_external_id')
        .on('users')
        .columns(['tenant_id', 'directory_id', 'external_id'])
        .execute();
      await db.schema
        .createIndex('users_display_name')
        .on('users')
        .columns(['tenant_id', 'directory_id', 'display_name_key'])
        .execute();
      await db.schema
        .createIndex('users_seq')
        .on('users')
        .columns(['tenant_id', 'directory_id', 'seq'])
        .execute();

      await db.schema
        .createTable('user_emails')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('directory_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('ordinal', 'integer', (c) => c.notNull())
        .addColumn('value_key', 'text', (c) => c.notNull())
        .addColumn('type_key', 'text')
        .addColumn('display_key', 'text')
        .addColumn('primary', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('user_emails_pk', ['tenant_id', 'directory_id', 'user_id', 'ordinal'])
        .execute();
      await db.schema
        .createIndex('user_emails_value')
        .on('user_emails')
        .columns(['tenant_id', 'directory_id', 'value_key'])
        .execute();

      let groups = db.schema
        .createTable('groups')
        .addColumn('seq', seqColumn, (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('directory_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('display_name_key', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text')
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull());
      if (keyed) groups = groups.addPrimaryKeyConstraint('groups_pk', ['tenant_id', 'directory_id', 'id']);
      await groups.execute();
      if (!keyed)
        await db.schema
          .createIndex('groups_id')
          .unique()
          .on('groups')
          .columns(['tenant_id', 'directory_id', 'id'])
          .execute();
      await db.schema
        .createIndex('groups_display_name')
        .unique()
        .on('groups')
        .columns(['tenant_id', 'directory_id', 'display_name_key'])
        .execute();
      await db.schema
        .createIndex('groups_external_id')
        .on('groups')
        .columns(['tenant_id', 'directory_id', 'external_id'])
        .execute();
      await db.schema
        .createIndex('groups_seq')
        .on('groups')
        .columns(['tenant_id', 'directory_id', 'seq'])
        .execute();

      await db.schema
        .createTable('group_members')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('directory_id', 'text', (c) => c.notNull())
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('member_id', 'text', (c) => c.notNull())
        .addColumn('member_type', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('group_members_pk', ['tenant_id', 'directory_id', 'group_id', 'member_id'])
        .execute();
      await db.schema
        .createIndex('group_members_member')
        .on('group_members')
        .columns(['tenant_id', 'directory_id', 'member_id'])
        .execute();

      let log = db.schema
        .createTable('provisioning_log')
        .addColumn('seq', seqColumn, (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('directory_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('operation', 'text', (c) => c.notNull())
        .addColumn('resource_type', 'text')
        .addColumn('resource_id', 'text')
        .addColumn('resource_name', 'text')
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('scim_type', 'text')
        .addColumn('detail', 'text')
        .addColumn('duration_ms', 'real', (c) => c.notNull())
        .addColumn('client', 'text');
      if (keyed)
        log = log.addPrimaryKeyConstraint('provisioning_log_pk', ['tenant_id', 'directory_id', 'seq']);
      await log.execute();
      await db.schema
        .createIndex('provisioning_log_directory')
        .on('provisioning_log')
        .columns(['tenant_id', 'directory_id', 'seq'])
        .execute();
      await db.schema
        .createIndex('provisioning_log_errors')
        .on('provisioning_log')
        .columns(['tenant_id', 'directory_id', 'status', 'seq'])
        .execute();
    },
  };
}
