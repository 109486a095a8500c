import { getCaseInsensitive, isObject, type JsonObject } from '../scim/json/json-value.js';
import type { Scope, StoredUser } from '../store/ports.js';
import type { Repositories } from '../store/store.js';

export interface MatchCandidate {
  readonly existing: StoredUser;
  readonly email: string;
  /** Whether the email's domain is one the tenant declared: only then is the link made without asking. */
  readonly trusted: boolean;
}

/** The emails a SCIM create identifies a person by: its emails, and its userName when it is one. */
function emailsOf(data: JsonObject): string[] {
  const found: string[] = [];
  const emails = getCaseInsensitive(data, 'emails');
  if (Array.isArray(emails))
    for (const e of emails) {
      const value = isObject(e) ? getCaseInsensitive(e, 'value') : undefined;
      if (typeof value === 'string' && value.includes('@')) found.push(value);
    }
  const userName = getCaseInsensitive(data, 'userName');
  if (typeof userName === 'string' && userName.includes('@')) found.push(userName);
  return [...new Set(found.map((e) => e.toLowerCase()))];
}

/**
 * Seed 003: a SCIM create may belong to an account that already exists in the directory because the
 * person signed in before (JIT) or an admin created it. Only accounts not provisioned by SCIM are
 * candidates, and only in the same directory, so matching never reaches across tenants.
 */
export async function findMatchCandidate(
  repos: Repositories,
  scope: Scope,
  data: JsonObject,
): Promise<MatchCandidate | undefined> {
  const emails = emailsOf(data);
  if (emails.length === 0) return undefined;
  const domains = new Set(await repos.tenants.domainsOf(scope.tenantId));
  for (const email of emails) {
    const existing = (await repos.users.findByEmail(scope, email)).find((u) => u.source !== 'scim');
    if (existing) return { existing, email, trusted: domains.has(email.slice(email.lastIndexOf('@') + 1)) };
  }
  return undefined;
}
