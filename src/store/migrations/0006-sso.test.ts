import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openPlanProbe, type PlanProbe, wholeReads } from '../../../test/support/query-plans.js';
import { SamlRepository } from '../kysely/saml-repository.js';
import { SsoSessionRepository } from '../kysely/sso-session-repository.js';
import { TenantUserRepository } from '../kysely/tenant-user-repository.js';

/**
 * The plans of what a sign-in asks (0006-sso), on a new store: the queries the repositories send,
 * compiled by them and explained by the store under test. Each is a probe of an index, never a scan
 * of a tenant's users or of a table. SQLite names the index it probes; PostgreSQL plans with
 * sequential scans priced out, so a whole-table read shows when no index serves.
 */
let probe: PlanProbe;

beforeAll(async () => {
  probe = await openPlanProbe();
});
afterAll(() => probe.close());

const NOW = '2030-01-01T00:00:00.000Z';

describe('query plans of single sign-on (0006-sso)', () => {
  const users = () => new TenantUserRepository(probe.db);
  const sessions = () => new SsoSessionRepository(probe.db);
  const saml = () => new SamlRepository(probe.db);

  test.each<[string, () => Promise<unknown>, RegExp[]]>([
    [
      'a person by userName or email, in any directory of the tenant',
      () => users().findByEmail('t', 'a@b.test'),
      [
        /INDEX users_tenant_user_name \(tenant_id=\? AND user_name_key=\?\)/,
        /INDEX user_emails_tenant_value \(tenant_id=\? AND value_key=\?\)/,
      ],
    ],
    [
      "a session's user by id (currentIdentity)",
      () => users().get('t', 'u'),
      [/INDEX users_tenant_id \(tenant_id=\? AND id=\?\)/],
    ],
    [
      'a session by the hash of its cookie',
      () => sessions().findByHash('h', NOW),
      [/INDEX sso_sessions_hash \(hash=\?\)/],
    ],
    [
      "a user's sessions, ended at deactivation",
      () => sessions().deleteForUser('t', 'd', 'u'),
      [/INDEX sso_sessions_user \(tenant_id=\? AND directory_id=\? AND user_id=\?\)/],
    ],
    [
      'an issued request, claimed',
      () => saml().claimRequest('t', 'r', NOW),
      [/INDEX sqlite_autoindex_saml_requests_1 \(tenant_id=\? AND id=\?\)/],
    ],
    [
      "the tenant's sign-in log, newest first",
      () => saml().log('t', { beforeSeq: 100, limit: 10 }),
      [/INDEX sso_log_tenant \(tenant_id=\? AND seq<\?\)/],
    ],
    [
      'connections due for a metadata refresh',
      () => saml().dueForRefresh(NOW, 100),
      [/INDEX saml_connections_refresh/],
    ],
    [
      'expired sessions, purged',
      () => sessions().purgeExpired(NOW),
      [/INDEX sso_sessions_expiry \(expires_at<\?\)/],
    ],
    [
      'expired requests, replay-cache entries and tests, purged',
      () => saml().purgeExpired(NOW),
      [
        /INDEX saml_requests_expiry \(expires_at<\?\)/,
        /INDEX saml_assertions_expiry \(expires_at<\?\)/,
        /INDEX saml_tests_expiry \(expires_at<\?\)/,
      ],
    ],
  ])('%s: index probes', async (_, work, sqliteIndexes) => {
    const plans = await probe.plansOf(work);
    for (const plan of plans) expect(wholeReads(probe.dialect, plan), plan).toEqual([]);
    if (probe.dialect === 'sqlite')
      for (const index of sqliteIndexes) expect(plans.join('\n')).toMatch(index);
  });
});
