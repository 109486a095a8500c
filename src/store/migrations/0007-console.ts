import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../dialects/dialect.js';
import { writePlannerStatistics } from './0004-performance.js';

/**
 * Schema v7, the admin console: operator accounts and their one-time sign-in links, console
 * sessions, the audit log of console changes; what the console's pages filter on (users by
 * source, a user's provisioning history), and the request and response of each provisioning-log
 * entry for its detail view. Secrets are stored only as hashes: passwords as scrypt, links and
 * session ids as SHA-256. It follows 0006-sso, whose sign-in log gives each user's last sign-in.
 */
export function consoleSchema(dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const seqColumn =
        dialect === 'sqlite'
          ? sql.raw('integer primary key autoincrement')
          : sql.raw('bigint generated always as identity primary key');

      await db.schema
        .createTable('console_operators')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull())
        // Lower-cased: one operator per address, whatever case it is typed in.
        .addColumn('email_key', 'text', (c) => c.notNull().unique())
        // `scrypt$N$r$p$salt$hash`; null: signs in by one-time link only.
        .addColumn('password_hash', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('password_changed_at', 'text')
        .addColumn('last_sign_in_at', 'text')
        .addColumn('disabled_at', 'text')
        .execute();

      await db.schema
        .createTable('console_links')
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('operator_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema
        .createIndex('console_links_expiry')
        .on('console_links')
        .columns(['expires_at'])
        .execute();

      await db.schema
        .createTable('console_sessions')
        // SHA-256 of the cookie's secret: a stolen database opens no session.
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('operator_id', 'text')
        .addColumn('tenant_id', 'text')
        .addColumn('directory_id', 'text')
        .addColumn('user_id', 'text')
        .addColumn('sso_session_id', 'text')
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .execute();
      await db.schema
        .createIndex('console_sessions_operator')
        .on('console_sessions')
        .columns(['operator_id'])
        .execute();
      await db.schema
        .createIndex('console_sessions_user')
        .on('console_sessions')
        .columns(['tenant_id', 'user_id'])
        .execute();
      await db.schema
        .createIndex('console_sessions_expiry')
        .on('console_sessions')
        .columns(['expires_at'])
        .execute();

      await db.schema
        .createTable('console_audit')
        .addColumn('seq', seqColumn, (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor_kind', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('actor_email', 'text', (c) => c.notNull())
        // Null: a change outside any tenant (an operator account). Kept when the tenant is deleted:
        // the record of who deleted it outlives it.
        .addColumn('tenant_id', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target_type', 'text', (c) => c.notNull())
        .addColumn('target_id', 'text')
        .addColumn('target_name', 'text')
        .addColumn('detail', 'text')
        .execute();
      await db.schema
        .createIndex('console_audit_tenant')
        .on('console_audit')
        .columns(['tenant_id', 'seq'])
        .execute();

      // The users page filters by where an account came from (scim, jit, admin) without reading the
      // directory's other users.
      await db.schema
        .createIndex('users_source')
        .on('users')
        .columns(['tenant_id', 'directory_id', 'source', 'deleted_at', 'seq'])
        .execute();

      // A user's page shows its provisioning history: the log's entries about it, newest first.
      await db.schema
        .createIndex('provisioning_log_resource')
        .on('provisioning_log')
        .columns(['tenant_id', 'directory_id', 'resource_id', 'seq'])
        .execute();
      // The query string (Entra's "does this user exist?" filter), and the bodies, redacted and capped.
      await db.schema.alterTable('provisioning_log').addColumn('query', 'text').execute();
      await db.schema.alterTable('provisioning_log').addColumn('request_body', 'text').execute();
      await db.schema.alterTable('provisioning_log').addColumn('response_body', 'text').execute();

      // The users pages show each user's last SSO sign-in, from the sign-in log (0006-sso).
      await db.schema
        .createIndex('sso_log_user')
        .on('sso_log')
        .columns(['tenant_id', 'user_id', 'outcome', 'at'])
        .execute();

      if (dialect === 'sqlite') await writePlannerStatistics(db);
    },
  };
}
