import type { Account } from 'oidc-provider';
import { now } from '../directory/clock.js';
import type { Store } from '../store/store.js';
import type { SsoIdentity, SsoPort } from './sso-port.js';

/** The claims rollcall issues, by scope. `openid` carries who and where; `email` and `profile` the rest. */
export const CLAIMS_BY_SCOPE = {
  openid: ['sub', 'tenant', 'directory', 'roles'],
  email: ['email'],
  profile: ['name'],
} as const;

/** How long a sign-in's account→tenant row is kept: longer than any session, grant or token of it lives. */
export const ACCOUNT_RETENTION_MS = 2 * 24 * 3_600_000;

export function claimsOf(identity: SsoIdentity): Record<string, unknown> {
  return {
    sub: identity.userId,
    tenant: identity.tenantSlug,
    directory: identity.directoryId,
    roles: [...identity.roles],
    email: identity.email,
    ...(identity.name !== null && { name: identity.name }),
  };
}

/** Remembers which tenant an account that just signed in belongs to, for its claims later. */
export async function recordSignIn(store: Store, identity: SsoIdentity): Promise<void> {
  await store.repositories.oidcAccounts.record(identity.userId, identity.tenantId, now());
}

/**
 * oidc-provider's findAccount: the user as of now, or undefined when the user was deactivated or
 * deleted since, which makes the provider refuse the code, the refresh token or the userinfo call.
 */
export async function findAccount(
  store: Store,
  sso: SsoPort,
  accountId: string,
): Promise<Account | undefined> {
  const tenantId = await store.repositories.oidcAccounts.tenantOf(accountId);
  if (tenantId === undefined) return undefined;
  const identity = await sso.currentIdentity(tenantId, accountId);
  if (!identity || identity.userId !== accountId) return undefined;
  const claims = claimsOf(identity);
  return { accountId, claims: () => claims as { sub: string } };
}
