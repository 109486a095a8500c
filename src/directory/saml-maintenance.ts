import { certificatesExpiringBy } from '../saml/certificate.js';
import { SamlError } from '../saml/errors.js';
import { type FetchIdpMetadataOptions, fetchIdpMetadata } from '../saml/fetch-idp-metadata.js';
import type { SamlConnectionRecord } from '../store/kysely/saml-repository.js';
import type { Store } from '../store/store.js';
import { tenantEvent } from './events.js';
import { retentionCutoff } from './log-retention.js';
import type { MaintenanceJob, MaintenanceLog } from './maintenance.js';
import {
  connectionOf,
  parseSamlSettings,
  type SamlSettings,
  serialiseSamlSettings,
} from './saml-settings.js';

/**
 * How often a connection's metadata is fetched again: at every hourly maintenance run (a little
 * under the hour, so that a run a few seconds early still finds it due). Entra starts signing with a
 * new certificate the moment the admin activates it, so a rollover is picked up within the hour.
 */
export const METADATA_REFRESH_MS = 55 * 60_000;

/** How long before a signing certificate lapses the warning is raised (once). Entra's own notices start at 60 days. */
export const CERTIFICATE_WARNING_DAYS = 30;

/** The outcome of fetching one connection's metadata again. */
export type RefreshOutcome =
  | { readonly ok: true; readonly changed: boolean; readonly added: string[]; readonly removed: string[] }
  | { readonly ok: false; readonly reason: string };

/**
 * Fetches a connection's metadata again and stores what changed (entity ID, SSO URL, certificates),
 * keeping the admin's options. A failure keeps the last good metadata and is recorded with its reason.
 */
export async function refreshMetadata(
  store: Store,
  record: SamlConnectionRecord,
  at: string,
  fetchOptions: FetchIdpMetadataOptions = {},
): Promise<RefreshOutcome> {
  const url = record.metadataUrl;
  if (!url) return { ok: false, reason: 'the connection has no metadata URL' };
  const current = parseSamlSettings(record.config);
  let next: SamlSettings;
  try {
    const { metadata } = await fetchIdpMetadata(url, fetchOptions);
    next = {
      ...current,
      idpEntityId: metadata.entityId,
      ssoUrl: (metadata.ssoUrls.redirect ?? metadata.ssoUrls.post)!,
      certificates: metadata.certificates.map((certificate) => certificate.pem),
    };
    connectionOf(next);
  } catch (error) {
    if (!(error instanceof SamlError)) throw error;
    const reason = `${error.code}: ${error.reason}`;
    await store.repositories.saml.recordRefreshFailure(record.tenantId, url, reason, at);
    return { ok: false, reason };
  }
  const fingerprints = (settings: SamlSettings) =>
    connectionOf(settings).certificates.map((c) => c.fingerprint);
  const before = fingerprints(current);
  const after = fingerprints(next);
  const added = after.filter((f) => !before.includes(f));
  const removed = before.filter((f) => !after.includes(f));
  const changed =
    added.length > 0 ||
    removed.length > 0 ||
    next.idpEntityId !== current.idpEntityId ||
    next.ssoUrl !== current.ssoUrl;
  await store.transaction(async (repos) => {
    if (!(await repos.saml.recordRefresh(record.tenantId, url, serialiseSamlSettings(next), at))) return;
    if (changed)
      await repos.events.append([
        tenantEvent(
          record.tenantId,
          'saml.metadata_changed',
          { type: 'SamlConnection', id: record.tenantId },
          { added, removed, entityId: next.idpEntityId, ssoUrl: next.ssoUrl },
        ),
      ]);
  });
  return { ok: true, changed, added, removed };
}

/**
 * Fetches the metadata of every connection that has a metadata URL, hourly, so that a certificate
 * the IdP rolled over is picked up. One node fetches each connection (a conditional update claims it).
 */
export function metadataRefreshJob(store: Store, fetchOptions: FetchIdpMetadataOptions = {}): MaintenanceJob {
  return {
    name: 'refresh-saml-metadata',
    async run(at, log) {
      const now = at.toISOString();
      const next = new Date(at.getTime() + METADATA_REFRESH_MS).toISOString();
      // Bounded: each pass moves every connection it sees out of the due range.
      for (let pass = 0; pass < 1000; pass++) {
        const due = await store.repositories.saml.dueForRefresh(now, 100);
        if (due.length === 0) return;
        for (const record of due) {
          if (
            !(await store.repositories.saml.claimRefresh(
              record.tenantId,
              record.metadataNextRefreshAt!,
              next,
            ))
          )
            continue;
          const outcome = await refreshMetadata(store, record, now, fetchOptions);
          const slug = (await store.repositories.tenants.tenantById(record.tenantId))?.slug;
          reportRefresh(log, this.name, slug ?? record.tenantId, record.metadataUrl!, outcome);
        }
      }
    },
  };
}

export function reportRefresh(
  log: MaintenanceLog,
  job: string,
  tenant: string,
  url: string,
  outcome: RefreshOutcome,
): void {
  if (!outcome.ok)
    log.warn(
      { job, tenant, url },
      `tenant ${tenant}: the SAML metadata could not be refreshed, the last good metadata stays in use: ${outcome.reason}`,
    );
  else if (outcome.changed)
    log.info(
      { job, tenant, url, added: outcome.added, removed: outcome.removed },
      `tenant ${tenant}: the SAML metadata changed` +
        (outcome.added.length ? `; new signing certificate ${outcome.added.join(', ')}` : '') +
        (outcome.removed.length ? `; certificate ${outcome.removed.join(', ')} no longer trusted` : ''),
    );
}

/**
 * Warns once per certificate, CERTIFICATE_WARNING_DAYS before it lapses: a log line at `warn` and a
 * `saml.certificate_expiring` event. An IdP that signs with an expired certificate still verifies,
 * but Entra stops signing with one; the admin must roll it over before then.
 */
export function certificateExpiryJob(store: Store): MaintenanceJob {
  return {
    name: 'warn-expiring-saml-certificates',
    async run(at, log) {
      for (const warning of await warnOfExpiringCertificates(store, at))
        log.warn({ job: this.name }, warning);
    },
  };
}

/** Raises the warnings due at `at`; returns them. */
export async function warnOfExpiringCertificates(store: Store, at: Date): Promise<string[]> {
  const horizon = new Date(at.getTime() + CERTIFICATE_WARNING_DAYS * 86_400_000).toISOString();
  const warnings: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await store.repositories.saml.connectionsPage(after, 100);
    if (page.length === 0) return warnings;
    after = page.at(-1)!.tenantId;
    for (const record of page) {
      let certificates: ReturnType<typeof connectionOf>['certificates'];
      try {
        certificates = connectionOf(parseSamlSettings(record.config)).certificates;
      } catch {
        continue;
      }
      for (const certificate of certificatesExpiringBy(certificates, horizon)) {
        const warned = await store.transaction(async (repos) => {
          const at_ = at.toISOString();
          if (
            !(await repos.saml.markCertificateWarned(
              record.tenantId,
              certificate.fingerprint,
              certificate.notAfter,
              at_,
            ))
          )
            return false;
          await repos.events.append([
            tenantEvent(
              record.tenantId,
              'saml.certificate_expiring',
              { type: 'SamlConnection', id: record.tenantId },
              {
                fingerprint: certificate.fingerprint,
                subject: certificate.subject,
                notAfter: certificate.notAfter,
              },
            ),
          ]);
          return true;
        });
        if (!warned) continue;
        const slug = (await store.repositories.tenants.tenantById(record.tenantId))?.slug ?? record.tenantId;
        const others = certificates.filter((c) => c.notAfter > certificate.notAfter);
        warnings.push(
          `tenant ${slug}: the IdP signing certificate ${certificate.fingerprint} (${certificate.subject}) expires at ${certificate.notAfter}; ` +
            (others.length > 0
              ? `the connection also trusts ${others.map((c) => `${c.fingerprint} (until ${c.notAfter})`).join(', ')}; make that one active in the IdP`
              : record.metadataUrl
                ? 'create a new certificate in the IdP and make it active: rollcall picks it up from the metadata URL within the hour'
                : 'create a new certificate in the IdP and add it to the connection (rollcall saml set … --certificate FILE) before making it active'),
        );
      }
    }
  }
}

/**
 * Deletes what a sign-in no longer needs: expired requests, replay-cache entries (an assertion past
 * its NotOnOrAfter is refused as expired anyway), old Test Connection runs, ended sessions, and
 * sign-in log entries older than the log retention.
 */
export function ssoPurgeJob(store: Store, logRetentionDays: number): MaintenanceJob {
  return {
    name: 'purge-sso-state',
    async run(at, log) {
      const now = at.toISOString();
      const expired = await store.repositories.saml.purgeExpired(now);
      const sessions = await store.repositories.ssoSessions.purgeExpired(now);
      const logs = await store.repositories.saml.purgeLogBefore(retentionCutoff(logRetentionDays, at));
      const total = expired.requests + expired.assertions + expired.tests + sessions + logs;
      if (total > 0)
        log.info(
          { job: this.name, ...expired, sessions, logs },
          `purged expired SSO state: ${expired.requests} requests, ${expired.assertions} replay-cache entries, ${expired.tests} tests, ${sessions} sessions, ${logs} sign-in log entries`,
        );
    },
  };
}
