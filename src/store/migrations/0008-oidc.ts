import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { DialectName } from '../dialects/dialect.js';

/**
 * Schema v8, the OpenID Provider for the host app: its registered clients, its signing keys (sealed
 * with the secret key, so every node signs with the same ones), the provider's own records (codes,
 * sessions, grants, tokens, interactions) so any node can serve any step of a flow, and which tenant
 * a signed-in account belongs to. These are the vendor's, not one tenant's, so they are keyed by
 * their own ids rather than by tenant.
 */
export function oidc(_dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('oidc_clients')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('redirect_uris', 'text', (c) => c.notNull())
        .addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull())
        .addColumn('login_uri', 'text')
        .addColumn('token_endpoint_auth_method', 'text', (c) => c.notNull())
        .addColumn('secret_prefix', 'text')
        .addColumn('secret_hash', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('oidc_signing_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        // One key per generation: two nodes rotating at once both try the next number, one wins.
        .addColumn('generation', 'integer', (c) => c.notNull().unique())
        .addColumn('alg', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('sealed_private_jwk', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('signs_from', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('oidc_payloads')
        .addColumn('model', 'text', (c) => c.notNull())
        // SHA-256 of the record's id: an opaque token's id is the token itself.
        .addColumn('id_hash', 'text', (c) => c.notNull())
        .addColumn('sealed_payload', 'text', (c) => c.notNull())
        .addColumn('grant_hash', 'text')
        .addColumn('uid_hash', 'text')
        .addColumn('user_code_hash', 'text')
        .addColumn('expires_at', 'text')
        .addColumn('consumed_at', 'text')
        .addPrimaryKeyConstraint('oidc_payloads_pk', ['model', 'id_hash'])
        .execute();
      await db.schema
        .createIndex('oidc_payloads_uid')
        .on('oidc_payloads')
        .columns(['model', 'uid_hash'])
        .where(sql.ref('uid_hash'), 'is not', null)
        .execute();
      await db.schema
        .createIndex('oidc_payloads_user_code')
        .on('oidc_payloads')
        .columns(['model', 'user_code_hash'])
        .where(sql.ref('user_code_hash'), 'is not', null)
        .execute();
      await db.schema
        .createIndex('oidc_payloads_grant')
        .on('oidc_payloads')
        .columns(['grant_hash'])
        .where(sql.ref('grant_hash'), 'is not', null)
        .execute();
      await db.schema
        .createIndex('oidc_payloads_expires')
        .on('oidc_payloads')
        .columns(['expires_at'])
        .where(sql.ref('expires_at'), 'is not', null)
        .execute();

      await db.schema
        .createTable('oidc_accounts')
        .addColumn('account_id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('signed_in_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('oidc_accounts_signed_in')
        .on('oidc_accounts')
        .columns(['signed_in_at'])
        .execute();
    },
  };
}
