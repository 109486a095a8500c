import type { Kysely, Selectable } from 'kysely';
import type { Database, SamlConnectionTable, SamlTestTable, SsoLogTable } from '../database.js';

/** A tenant's SAML connection as stored; `config` is JSON owned by the directory layer. */
export interface SamlConnectionRecord {
  readonly tenantId: string;
  readonly enabled: boolean;
  readonly config: string;
  readonly metadataUrl: string | null;
  readonly metadataRefreshedAt: string | null;
  readonly metadataNextRefreshAt: string | null;
  readonly metadataError: string | null;
  readonly metadataErrorAt: string | null;
  readonly lastTestId: string | null;
  readonly created: string;
  readonly updated: string;
}

export interface SamlRequestRecord {
  readonly tenantId: string;
  readonly id: string;
  readonly testId: string | null;
  readonly relayState: string | null;
  readonly created: string;
  readonly expires: string;
}

export type SamlTestStatus = 'pending' | 'succeeded' | 'failed';

export interface SamlTestRecord {
  readonly tenantId: string;
  readonly id: string;
  readonly status: SamlTestStatus;
  readonly created: string;
  readonly completed: string | null;
  /** JSON owned by the directory layer. */
  readonly result: string | null;
  readonly expires: string;
}

export type SsoLogOutcome = 'signed_in' | 'refused' | 'test';

export interface SsoLogEntry {
  readonly id: string;
  readonly tenantId: string;
  readonly at: string;
  readonly outcome: SsoLogOutcome;
  readonly code: string | null;
  readonly reason: string | null;
  readonly email: string | null;
  readonly nameId: string | null;
  readonly directoryId: string | null;
  readonly userId: string | null;
  readonly idpInitiated: boolean;
}

const toConnection = (row: Selectable<SamlConnectionTable>): SamlConnectionRecord => ({
  tenantId: row.tenant_id,
  enabled: row.enabled === 1,
  config: row.config,
  metadataUrl: row.metadata_url,
  metadataRefreshedAt: row.metadata_refreshed_at,
  metadataNextRefreshAt: row.metadata_next_refresh_at,
  metadataError: row.metadata_error,
  metadataErrorAt: row.metadata_error_at,
  lastTestId: row.last_test_id,
  created: row.created_at,
  updated: row.updated_at,
});

const toTest = (row: Selectable<SamlTestTable>): SamlTestRecord => ({
  tenantId: row.tenant_id,
  id: row.id,
  status: row.status,
  created: row.created_at,
  completed: row.completed_at,
  result: row.result,
  expires: row.expires_at,
});

const toLogEntry = (row: Selectable<SsoLogTable>): SsoLogEntry & { seq: number } => ({
  seq: Number(row.seq),
  id: row.id,
  tenantId: row.tenant_id,
  at: row.at,
  outcome: row.outcome as SsoLogOutcome,
  code: row.code,
  reason: row.reason,
  email: row.email,
  nameId: row.name_id,
  directoryId: row.directory_id,
  userId: row.user_id,
  idpInitiated: row.idp_initiated === 1,
});

/**
 * SAML connections and the state a sign-in keeps between its steps: issued requests, Test
 * Connection runs, the assertion replay cache, certificate warnings and the sign-in log. Each
 * "claim" is one conditional statement, so of two nodes racing for the same thing exactly one wins.
 */
export class SamlRepository {
  constructor(private readonly db: Kysely<Database>) {}

  // ---- connections ----

  async connection(tenantId: string): Promise<SamlConnectionRecord | undefined> {
    const row = await this.db
      .selectFrom('saml_connections')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    return row && toConnection(row);
  }

  /** Writes the whole connection (an admin's change); the refresh bookkeeping is written as given. */
  async saveConnection(record: SamlConnectionRecord): Promise<void> {
    const values = {
      enabled: record.enabled ? 1 : 0,
      config: record.config,
      metadata_url: record.metadataUrl,
      metadata_refreshed_at: record.metadataRefreshedAt,
      metadata_next_refresh_at: record.metadataNextRefreshAt,
      metadata_error: record.metadataError,
      metadata_error_at: record.metadataErrorAt,
      last_test_id: record.lastTestId,
      updated_at: record.updated,
    };
    await this.db
      .insertInto('saml_connections')
      .values({ tenant_id: record.tenantId, created_at: record.created, ...values })
      .onConflict((oc) => oc.column('tenant_id').doUpdateSet(values))
      .execute();
  }

  async deleteConnection(tenantId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('saml_connections')
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  /** Connections in tenant order after `afterTenantId`, for jobs that look at each (one page at a time). */
  async connectionsPage(afterTenantId: string | null, limit: number): Promise<SamlConnectionRecord[]> {
    let query = this.db.selectFrom('saml_connections').selectAll();
    if (afterTenantId !== null) query = query.where('tenant_id', '>', afterTenantId);
    return (await query.orderBy('tenant_id').limit(limit).execute()).map(toConnection);
  }

  /** Connections whose metadata is due for a refresh at `at`, through the refresh index. */
  async dueForRefresh(at: string, limit: number): Promise<SamlConnectionRecord[]> {
    const rows = await this.db
      .selectFrom('saml_connections')
      .selectAll()
      .where('metadata_next_refresh_at', 'is not', null)
      .where('metadata_next_refresh_at', '<=', at)
      .orderBy('metadata_next_refresh_at')
      .limit(limit)
      .execute();
    return rows.map(toConnection);
  }

  /** Moves the next refresh on, if no other node did: true for the one node that should fetch. */
  async claimRefresh(tenantId: string, expectedNext: string, next: string): Promise<boolean> {
    const result = await this.db
      .updateTable('saml_connections')
      .set({ metadata_next_refresh_at: next })
      .where('tenant_id', '=', tenantId)
      .where('metadata_next_refresh_at', '=', expectedNext)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Stores freshly fetched metadata (the new config), unless an admin changed the metadata URL
   * meanwhile: then this fetch is stale and nothing is written. True when written.
   */
  async recordRefresh(tenantId: string, url: string, config: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('saml_connections')
      .set({ config, metadata_refreshed_at: at, metadata_error: null, metadata_error_at: null })
      .where('tenant_id', '=', tenantId)
      .where('metadata_url', '=', url)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Notes why a refresh failed; the connection keeps its last good metadata. */
  async recordRefreshFailure(tenantId: string, url: string, error: string, at: string): Promise<void> {
    await this.db
      .updateTable('saml_connections')
      .set({ metadata_error: error, metadata_error_at: at })
      .where('tenant_id', '=', tenantId)
      .where('metadata_url', '=', url)
      .execute();
  }

  async setLastTest(tenantId: string, testId: string): Promise<void> {
    await this.db
      .updateTable('saml_connections')
      .set({ last_test_id: testId })
      .where('tenant_id', '=', tenantId)
      .execute();
  }

  // ---- issued AuthnRequests ----

  async insertRequest(request: SamlRequestRecord): Promise<void> {
    await this.db
      .insertInto('saml_requests')
      .values({
        tenant_id: request.tenantId,
        id: request.id,
        test_id: request.testId,
        relay_state: request.relayState,
        created_at: request.created,
        expires_at: request.expires,
      })
      .execute();
  }

  /** Takes an unexpired request of the tenant, deleting it: a second claim of the same ID finds nothing. */
  async claimRequest(tenantId: string, id: string, at: string): Promise<SamlRequestRecord | undefined> {
    const row = await this.db
      .deleteFrom('saml_requests')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('expires_at', '>', at)
      .returningAll()
      .executeTakeFirst();
    return (
      row && {
        tenantId: row.tenant_id,
        id: row.id,
        testId: row.test_id,
        relayState: row.relay_state,
        created: row.created_at,
        expires: row.expires_at,
      }
    );
  }

  /** The Test Connection an unexpired, unanswered request belongs to, without taking the request. */
  async testOfRequest(tenantId: string, id: string, at: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('saml_requests')
      .select('test_id')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('expires_at', '>', at)
      .executeTakeFirst();
    return row?.test_id ?? undefined;
  }

  // ---- Test Connection ----

  async insertTest(test: SamlTestRecord): Promise<void> {
    await this.db
      .insertInto('saml_tests')
      .values({
        tenant_id: test.tenantId,
        id: test.id,
        status: test.status,
        created_at: test.created,
        completed_at: test.completed,
        result: test.result,
        expires_at: test.expires,
      })
      .execute();
  }

  async test(tenantId: string, id: string): Promise<SamlTestRecord | undefined> {
    const row = await this.db
      .selectFrom('saml_tests')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toTest(row);
  }

  /** Records a test's outcome once: false when it was already completed. */
  async completeTest(
    tenantId: string,
    id: string,
    status: Exclude<SamlTestStatus, 'pending'>,
    result: string,
    at: string,
  ): Promise<boolean> {
    const outcome = await this.db
      .updateTable('saml_tests')
      .set({ status, result, completed_at: at })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(outcome.numUpdatedRows) === 1;
  }

  // ---- replay cache and certificate warnings ----

  /** Remembers an assertion ID: true the first time, false for a replay (on any node). */
  async claimAssertion(tenantId: string, id: string, issuer: string, expiresAt: string): Promise<boolean> {
    const result = await this.db
      .insertInto('saml_assertions')
      .values({ tenant_id: tenantId, id, issuer, expires_at: expiresAt })
      .onConflict((oc) => oc.columns(['tenant_id', 'id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /** True the first time a certificate is warned about, so the warning is raised once across nodes. */
  async markCertificateWarned(
    tenantId: string,
    fingerprint: string,
    notAfter: string,
    at: string,
  ): Promise<boolean> {
    const result = await this.db
      .insertInto('saml_certificate_warnings')
      .values({ tenant_id: tenantId, fingerprint, not_after: notAfter, warned_at: at })
      .onConflict((oc) => oc.columns(['tenant_id', 'fingerprint']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /** Deletes expired requests, replay-cache entries and tests, through their expiry indexes. */
  async purgeExpired(at: string): Promise<{ requests: number; assertions: number; tests: number }> {
    const requests = await this.db
      .deleteFrom('saml_requests')
      .where('expires_at', '<=', at)
      .executeTakeFirst();
    const assertions = await this.db
      .deleteFrom('saml_assertions')
      .where('expires_at', '<=', at)
      .executeTakeFirst();
    const tests = await this.db.deleteFrom('saml_tests').where('expires_at', '<=', at).executeTakeFirst();
    return {
      requests: Number(requests.numDeletedRows),
      assertions: Number(assertions.numDeletedRows),
      tests: Number(tests.numDeletedRows),
    };
  }

  // ---- the sign-in log ----

  async appendLog(entry: SsoLogEntry): Promise<void> {
    await this.db
      .insertInto('sso_log')
      .values({
        tenant_id: entry.tenantId,
        id: entry.id,
        at: entry.at,
        outcome: entry.outcome,
        code: entry.code,
        reason: entry.reason,
        email: entry.email,
        name_id: entry.nameId,
        directory_id: entry.directoryId,
        user_id: entry.userId,
        idp_initiated: entry.idpInitiated ? 1 : 0,
      })
      .execute();
  }

  /** A tenant's sign-in log, newest first, before `beforeSeq`. */
  async log(
    tenantId: string,
    options: { beforeSeq?: number; limit: number; outcome?: SsoLogOutcome },
  ): Promise<(SsoLogEntry & { seq: number })[]> {
    let query = this.db.selectFrom('sso_log').selectAll().where('tenant_id', '=', tenantId);
    if (options.beforeSeq !== undefined) query = query.where('seq', '<', options.beforeSeq);
    if (options.outcome !== undefined) query = query.where('outcome', '=', options.outcome);
    return (await query.orderBy('seq', 'desc').limit(options.limit).execute()).map(toLogEntry);
  }

  async purgeLogBefore(before: string): Promise<number> {
    const result = await this.db.deleteFrom('sso_log').where('at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
