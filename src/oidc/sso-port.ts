/**
 * What the OpenID Provider needs of the SAML sign-in (docs: /work/contract-sso-session.md, provided by
 * directory/sso-sessions.ts): who is signed in through a tenant's SSO, and a user's current identity.
 * The http layer wires the directory's implementation in; the provider depends only on this shape.
 */
export interface SsoIdentity {
  readonly tenantId: string;
  readonly tenantSlug: string;
  readonly directoryId: string;
  /** The SCIM user's id: the OIDC `sub`. */
  readonly userId: string;
  readonly email: string;
  readonly name: string | null;
  /** The user's current effective app roles. */
  readonly roles: readonly string[];
}

export interface SsoSignInOf extends SsoIdentity {
  readonly sessionId: string;
}

export interface SsoPort {
  /** The name of the SSO session cookie. */
  readonly cookieName: string;
  /** The sign-in behind an SSO cookie value; null when absent, expired, ended or its user is no longer active. */
  resolve(cookieValue: string | undefined): Promise<SsoSignInOf | null>;
  /** The user's current profile and roles; null when the user is deactivated, deleted or unknown. */
  currentIdentity(tenantId: string, userId: string): Promise<SsoIdentity | null>;
  /** Ends the SSO session behind a cookie value (sign-out). */
  end(cookieValue: string | undefined): Promise<void>;
}
