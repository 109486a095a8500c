import {
  currentIdentity,
  SSO_COOKIE,
  type SsoIdentity,
  type SsoSessions,
  type SsoSignIn,
} from '../directory/sso-sessions.js';
import type { Store } from '../store/store.js';

/**
 * What the OpenID Provider needs of the SAML sign-in (the SSO session contract): who is signed in
 * through a tenant's SSO, and a user's current identity. One seam, so the provider's steps read as
 * what they ask, not how sessions are stored.
 */
export interface SsoPort {
  /** The name of the SSO session cookie. */
  readonly cookieName: string;
  /** The sign-in behind an SSO cookie value; null when absent, expired, ended or its user is no longer active. */
  resolve(cookieValue: string | undefined): Promise<SsoSignIn | null>;
  /** The user's current profile and roles; null when the user is deactivated, deleted or unknown. */
  currentIdentity(tenantId: string, userId: string): Promise<SsoIdentity | null>;
}

/** The directory's SSO sessions, as the OpenID Provider uses them. */
export function ssoPortOf(store: Store, sessions: SsoSessions): SsoPort {
  return {
    cookieName: SSO_COOKIE,
    resolve: (cookieValue) => sessions.resolve(cookieValue),
    currentIdentity: (tenantId, userId) => currentIdentity(store, tenantId, userId),
  };
}

export type { SsoIdentity, SsoSignIn };
