import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openTestStore } from '../../../test/support/test-store.js';

/**
 * The plans SQLite picks for what a sign-in asks (0006-sso), on a new store: each is a probe of an
 * index, never a scan of a tenant's users or of a table. (Postgres plans from statistics it measures.)
 */
describe('SQLite query plans of single sign-on (0006-sso)', () => {
  let sqlite: SQLite.Database;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const opened = await openTestStore();
    close = opened.close;
    sqlite = new SQLite(join(opened.location.dataDir, 'rollcall.db'), { readonly: true });
  });

  afterAll(async () => {
    sqlite.close();
    await close();
  });

  const plan = (query: string, params: unknown[]) =>
    sqlite
      .prepare(`explain query plan ${query}`)
      .all(...params)
      .map((row) => (row as { detail: string }).detail)
      .join(' | ');

  test.each([
    [
      'a person by email, in any directory of the tenant',
      'select directory_id, user_id from user_emails where tenant_id = ? and value_key = ?',
      ['t', 'a@b.test'],
      /INDEX user_emails_tenant_value \(tenant_id=\? AND value_key=\?\)/,
    ],
    [
      'a person by userName, in any directory of the tenant',
      'select * from users where tenant_id = ? and user_name_key = ?',
      ['t', 'a@b.test'],
      /INDEX users_tenant_user_name \(tenant_id=\? AND user_name_key=\?\)/,
    ],
    [
      "a session's user by id (currentIdentity)",
      'select * from users where tenant_id = ? and id = ? and deleted_at is null',
      ['t', 'u'],
      /INDEX users_tenant_id \(tenant_id=\? AND id=\?\)/,
    ],
    [
      'a session by the hash of its cookie',
      'select * from sso_sessions where hash = ? and expires_at > ?',
      ['h', 'now'],
      /INDEX sso_sessions_hash \(hash=\?\)/,
    ],
    [
      "a user's sessions, ended at deactivation",
      'delete from sso_sessions where tenant_id = ? and directory_id = ? and user_id = ?',
      ['t', 'd', 'u'],
      /INDEX sso_sessions_user \(tenant_id=\? AND directory_id=\? AND user_id=\?\)/,
    ],
    [
      'an issued request, claimed',
      'delete from saml_requests where tenant_id = ? and id = ? and expires_at > ? returning *',
      ['t', 'r', 'now'],
      /INDEX sqlite_autoindex_saml_requests_1 \(tenant_id=\? AND id=\?\)/,
    ],
    [
      "the tenant's sign-in log, newest first",
      'select * from sso_log where tenant_id = ? and seq < ? order by seq desc limit ?',
      ['t', 100, 10],
      /INDEX sso_log_tenant \(tenant_id=\? AND seq<\?\)/,
    ],
    [
      'connections due for a metadata refresh',
      'select * from saml_connections where metadata_next_refresh_at is not null and metadata_next_refresh_at <= ? order by metadata_next_refresh_at limit ?',
      ['now', 100],
      /INDEX saml_connections_refresh/,
    ],
    [
      'expired sessions, purged',
      'delete from sso_sessions where expires_at <= ?',
      ['now'],
      /INDEX sso_sessions_expiry \(expires_at<\?\)/,
    ],
    [
      'expired replay-cache entries, purged',
      'delete from saml_assertions where expires_at <= ?',
      ['now'],
      /INDEX saml_assertions_expiry \(expires_at<\?\)/,
    ],
  ])('%s: an index probe', (_, query, params, index) => {
    const text = plan(query, params);
    expect(text).toMatch(index);
    expect(text).not.toMatch(/\bSCAN\b/);
  });
});
