import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../dialects/dialect.js';
import { writePlannerStatistics } from './0004-performance.js';

/**
 * Schema v6, SAML single sign-on (issue 6): a connection per tenant, the AuthnRequests issued (for
 * InResponseTo), Test Connection runs, the assertion replay cache, certificate-expiry warnings, SSO
 * sessions and the sign-in log. Everything a node decides is in the database, so any node can take
 * any step of a sign-in. Three indexes let a sign-in find a person by email, or a session its user
 * by id, across every directory of the tenant without reading the tenant's users.
 */
export function sso(dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const seqColumn =
        dialect === 'sqlite'
          ? sql.raw('integer primary key autoincrement')
          : sql.raw('bigint generated always as identity');

      await db.schema
        .createTable('saml_connections')
        .addColumn('tenant_id', 'text', (c) => c.primaryKey().references('tenants.id').onDelete('cascade'))
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('metadata_url', 'text')
        .addColumn('metadata_refreshed_at', 'text')
        .addColumn('metadata_next_refresh_at', 'text')
        .addColumn('metadata_error', 'text')
        .addColumn('metadata_error_at', 'text')
        .addColumn('last_test_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // The refresh job reads only the connections due, not every tenant's.
      await db.schema
        .createIndex('saml_connections_refresh')
        .on('saml_connections')
        .column('metadata_next_refresh_at')
        .where(sql.ref('metadata_next_refresh_at'), 'is not', null)
        .execute();

      await db.schema
        .createTable('saml_requests')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('test_id', 'text')
        .addColumn('relay_state', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('saml_requests_pk', ['tenant_id', 'id'])
        .execute();
      await db.schema.createIndex('saml_requests_expiry').on('saml_requests').column('expires_at').execute();

      await db.schema
        .createTable('saml_tests')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('completed_at', 'text')
        .addColumn('result', 'text')
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('saml_tests_pk', ['tenant_id', 'id'])
        .execute();
      await db.schema.createIndex('saml_tests_expiry').on('saml_tests').column('expires_at').execute();

      await db.schema
        .createTable('saml_assertions')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('saml_assertions_pk', ['tenant_id', 'id'])
        .execute();
      await db.schema
        .createIndex('saml_assertions_expiry')
        .on('saml_assertions')
        .column('expires_at')
        .execute();

      await db.schema
        .createTable('saml_certificate_warnings')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('not_after', 'text', (c) => c.notNull())
        .addColumn('warned_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('saml_certificate_warnings_pk', ['tenant_id', 'fingerprint'])
        .execute();

      await db.schema
        .createTable('sso_sessions')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('directory_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('name_id', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('session_index', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('sso_sessions_pk', ['tenant_id', 'id'])
        .execute();
      await db.schema.createIndex('sso_sessions_hash').unique().on('sso_sessions').column('hash').execute();
      await db.schema
        .createIndex('sso_sessions_user')
        .on('sso_sessions')
        .columns(['tenant_id', 'directory_id', 'user_id'])
        .execute();
      await db.schema.createIndex('sso_sessions_expiry').on('sso_sessions').column('expires_at').execute();

      let log = db.schema
        .createTable('sso_log')
        .addColumn('seq', seqColumn, (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('code', 'text')
        .addColumn('reason', 'text')
        .addColumn('email', 'text')
        .addColumn('name_id', 'text')
        .addColumn('directory_id', 'text')
        .addColumn('user_id', 'text')
        .addColumn('idp_initiated', 'integer', (c) => c.notNull());
      if (dialect === 'postgres') log = log.addPrimaryKeyConstraint('sso_log_pk', ['tenant_id', 'seq']);
      await log.execute();
      await db.schema.createIndex('sso_log_tenant').on('sso_log').columns(['tenant_id', 'seq']).execute();
      await db.schema.createIndex('sso_log_at').on('sso_log').column('at').execute();

      // A sign-in knows the tenant and the email, not the directory: these find the person in any of
      // the tenant's directories, soft-deleted ones included (they are refused, not created again).
      await db.schema
        .createIndex('user_emails_tenant_value')
        .on('user_emails')
        .columns(['tenant_id', 'value_key'])
        .execute();
      await db.schema
        .createIndex('users_tenant_user_name')
        .on('users')
        .columns(['tenant_id', 'user_name_key'])
        .execute();
      // An SSO session (and OIDC) knows the tenant and the user id.
      await db.schema.createIndex('users_tenant_id').on('users').columns(['tenant_id', 'id']).execute();
      if (dialect === 'sqlite') await writePlannerStatistics(db);
    },
  };
}
