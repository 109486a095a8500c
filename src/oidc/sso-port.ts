import {
  currentIdentity,
  type SsoIdentity,
  type SsoSessions,
  type SsoSignIn,
  ssoCookieOf,
} from '../directory/sso-sessions.js';
import type { Store } from '../store/store.js';

/**
 * What the OpenID Provider needs of the SAML sign-in (the SSO session contract): who is signed in
 * through a tenant's SSO, and a user's current identity. One seam, so the provider's steps read as
 * what they ask, not how sessions are stored.
 */
export interface SsoPort {
  /**
   * The sign-in behind the SSO session cookie of a request's Cookie header; null when there is none,
   * it expired or ended, its user is no longer active, or the header is not one we can read.
   */
  signInOf(cookieHeader: string | undefined): Promise<SsoSignIn | null>;
  /** The user's current profile and roles; null when the user is deactivated, deleted or unknown. */
  currentIdentity(tenantId: string, userId: string): Promise<SsoIdentity | null>;
}

/** The directory's SSO sessions, as the OpenID Provider uses them. */
export function ssoPortOf(store: Store, sessions: SsoSessions): SsoPort {
  return {
    signInOf: (cookieHeader) => sessions.resolve(ssoCookieOf(cookieHeader)),
    currentIdentity: (tenantId, userId) => currentIdentity(store, tenantId, userId),
  };
}

export type { SsoIdentity, SsoSignIn };
