import type { SamlTestRecord } from '../store/kysely/saml-repository.js';

/** How long a Test Connection link can be opened (as long as the AuthnRequest it sends can be answered). */
export const TEST_START_MS = 60 * 60_000;
/** How long a test's result can be read. */
export const TEST_KEPT_MS = 7 * 86_400_000;

/** What the IdP sent in a Test Connection, and what a real sign-in would have done with it. */
export interface SamlTestResult {
  readonly issuer: string;
  readonly nameId: string;
  readonly nameIdFormat: string | null;
  readonly email: string;
  /** The attribute the email came from, or `NameID`. */
  readonly emailSource: string;
  readonly name: { givenName?: string; familyName?: string; displayName?: string };
  readonly attributes: Record<string, string[]>;
  /** The user the email matched, if any. */
  readonly user: {
    readonly id: string;
    readonly directoryId: string;
    readonly userName: string;
    readonly active: boolean;
    readonly source: string;
  } | null;
  /** The roles the person would sign in with. */
  readonly roles: string[];
  /** `existing`: signs in as `user`; `jit`: would be created by JIT; `refused`: see `refusal`. */
  readonly signIn: 'existing' | 'jit' | 'refused';
  readonly refusal: { readonly code: string; readonly reason: string } | null;
}

/** A Test Connection as the admin API and the test page show it. */
export interface SamlTestView {
  readonly id: string;
  readonly status: SamlTestRecord['status'];
  readonly created: string;
  readonly completed: string | null;
  /** The link that starts it (valid for an hour). */
  readonly url: string;
  /** What the IdP sent, when the response was accepted. */
  readonly result: SamlTestResult | null;
  /** Why the response was refused. */
  readonly error: { readonly code: string; readonly reason: string } | null;
}

interface StoredOutcome {
  result?: SamlTestResult;
  error?: { code: string; reason: string };
}

export function serialiseTestOutcome(outcome: StoredOutcome): string {
  return JSON.stringify(outcome);
}

export function testUrl(publicUrl: string, tenantSlug: string, testId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/sso/${encodeURIComponent(tenantSlug)}/saml/login?test=${encodeURIComponent(testId)}`;
}

export function testView(record: SamlTestRecord, publicUrl: string, tenantSlug: string): SamlTestView {
  const outcome: StoredOutcome = record.result ? (JSON.parse(record.result) as StoredOutcome) : {};
  return {
    id: record.id,
    status: record.status,
    created: record.created,
    completed: record.completed,
    url: testUrl(publicUrl, tenantSlug, record.id),
    result: outcome.result ?? null,
    error: outcome.error ?? null,
  };
}
