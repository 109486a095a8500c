import { randomBytes } from 'node:crypto';
import { parseCookie } from 'cookie';
import { getCaseInsensitive, isObject, type JsonObject } from '../scim/json/json-value.js';
import type { StoredUser } from '../store/ports.js';
import type { Repositories, Store } from '../store/store.js';
import { newId } from './clock.js';
import { parseSettings } from './directory-settings.js';
import { sha256Hex } from './secret-hash.js';
import { effectiveRolesOf } from './user-roles.js';

/** Who is signed in through a tenant's SAML connection, as of now. */
export interface SsoSignIn {
  /** Opaque id of the session row (not the cookie secret). */
  readonly sessionId: string;
  readonly tenantId: string;
  readonly tenantSlug: string;
  readonly directoryId: string;
  /** The SCIM user's id: stable per user, used as OIDC `sub`. */
  readonly userId: string;
  readonly email: string;
  readonly nameId: string;
  /** Display name (SCIM displayName, else given + family name). */
  readonly name: string | null;
  /** The user's current effective app roles (SCIM roles, group→role rules, role policy). */
  readonly roles: readonly string[];
  /** ISO-8601 UTC. */
  readonly signedInAt: string;
  readonly expiresAt: string;
}

/** The user's current profile and roles, without a session. */
export type SsoIdentity = Omit<SsoSignIn, 'sessionId' | 'nameId' | 'signedInAt' | 'expiresAt'>;

/** The cookie that carries the session secret (`Path=/; HttpOnly; SameSite=Lax`, `Secure` on https). */
export const SSO_COOKIE = 'rollcall_sso';

/**
 * The SSO cookie's value in a request's Cookie header. The header is anyone's to write: the cookie
 * library leaves a value it cannot percent-decode as it is, where decodeURIComponent would throw.
 */
export function ssoCookieOf(cookieHeader: string | undefined): string | undefined {
  return cookieHeader ? parseCookie(cookieHeader)[SSO_COOKIE] : undefined;
}

/** Absolute: a session ends this long after sign-in, whatever happens in between. */
export const SSO_SESSION_LIFETIME_MS = 8 * 60 * 60_000;

/** 256 random bits, base64url: 43 characters. Anything else is not one of ours and costs no query. */
const SECRET = /^[A-Za-z0-9_-]{43}$/;

export interface SsoSessionOptions {
  readonly lifetimeMs?: number;
  readonly now?: () => Date;
}

/** What a successful sign-in hands over to start a session. */
export interface SessionStart {
  readonly tenantId: string;
  readonly directoryId: string;
  readonly userId: string;
  readonly nameId: string;
  readonly email: string;
  readonly sessionIndex?: string;
}

export interface StartedSession {
  /** The cookie's value: shown to the browser once, stored only as its SHA-256. */
  readonly cookieValue: string;
  readonly sessionId: string;
  readonly signedInAt: string;
  readonly expiresAt: string;
}

/**
 * SSO sessions, in the database so that any node can answer for them. A session is only as good as
 * its user: every resolve reads the user and its roles afresh, so a deactivated or deleted user is
 * signed out at once and a role change shows on the next request.
 */
export class SsoSessions {
  private readonly lifetimeMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly store: Store,
    options: SsoSessionOptions = {},
  ) {
    this.lifetimeMs = options.lifetimeMs ?? SSO_SESSION_LIFETIME_MS;
    this.now = options.now ?? (() => new Date());
  }

  /** Starts a session for a person the ACS signed in. */
  async start(input: SessionStart, repos: Repositories = this.store.repositories): Promise<StartedSession> {
    const cookieValue = randomBytes(32).toString('base64url');
    const at = this.now();
    const signedInAt = at.toISOString();
    const expiresAt = new Date(at.getTime() + this.lifetimeMs).toISOString();
    const sessionId = newId();
    await repos.ssoSessions.insert(
      {
        id: sessionId,
        tenantId: input.tenantId,
        directoryId: input.directoryId,
        userId: input.userId,
        nameId: input.nameId,
        email: input.email,
        sessionIndex: input.sessionIndex ?? null,
        created: signedInAt,
        expires: expiresAt,
      },
      sha256Hex(cookieValue),
    );
    return { cookieValue, sessionId, signedInAt, expiresAt };
  }

  /**
   * The sign-in behind a cookie value, or null when absent, unknown, expired, ended, or its user is
   * now deactivated or deleted (so deactivation ends sessions at once). Reads current roles.
   */
  async resolve(cookieValue: string | undefined): Promise<SsoSignIn | null> {
    if (cookieValue === undefined || !SECRET.test(cookieValue)) return null;
    const { repositories: repos } = this.store;
    const session = await repos.ssoSessions.findByHash(sha256Hex(cookieValue), this.now().toISOString());
    if (!session) return null;
    const identity = await identityOf(repos, session.tenantId, session.directoryId, session.userId);
    if (!identity) {
      // Ended for good: a user reactivated later signs in again.
      await repos.ssoSessions.delete(session.tenantId, session.id);
      return null;
    }
    return {
      sessionId: session.id,
      ...identity,
      email: identity.email || session.email,
      nameId: session.nameId,
      signedInAt: session.created,
      expiresAt: session.expires,
    };
  }

  /** Ends the session behind a cookie value (sign-out); a no-op for an unknown one. */
  async end(cookieValue: string | undefined): Promise<void> {
    if (cookieValue === undefined || !SECRET.test(cookieValue)) return;
    await this.store.repositories.ssoSessions.deleteByHash(sha256Hex(cookieValue));
  }
}

/** The user's current profile and roles, for callers that hold a user id (OIDC userinfo, refresh). */
export async function currentIdentity(
  store: Store,
  tenantId: string,
  userId: string,
): Promise<SsoIdentity | null> {
  const found = await store.repositories.tenantUsers.get(tenantId, userId);
  if (!found) return null;
  return identityOf(store.repositories, tenantId, found.directoryId, userId, found.user);
}

/** Null unless the user exists, is not deleted and is active. */
async function identityOf(
  repos: Repositories,
  tenantId: string,
  directoryId: string,
  userId: string,
  known?: StoredUser,
): Promise<SsoIdentity | null> {
  const scope = { tenantId, directoryId };
  const user = known ?? (await repos.users.get(scope, userId));
  if (!user?.active) return null;
  const [tenant, directory] = await Promise.all([
    repos.tenants.tenantById(tenantId),
    repos.tenants.directoryById(directoryId),
  ]);
  if (!tenant || !directory) return null;
  const roles = await effectiveRolesOf(repos, scope, user, parseSettings(directory.settings));
  return {
    tenantId,
    tenantSlug: tenant.slug,
    directoryId,
    userId,
    email: emailOf(user),
    name: displayNameOf(user.data),
    roles: roles.effective,
  };
}

/** The user's email: the primary one, else a work one, else the first, else an email-shaped userName. */
export function emailOf(user: StoredUser): string {
  const emails = getCaseInsensitive(user.data, 'emails');
  const values = (Array.isArray(emails) ? emails.filter(isObject) : [])
    .map((email) => ({
      value: getCaseInsensitive(email, 'value'),
      primary: getCaseInsensitive(email, 'primary') === true,
      work: String(getCaseInsensitive(email, 'type') ?? '').toLowerCase() === 'work',
    }))
    .filter(
      (email): email is { value: string; primary: boolean; work: boolean } =>
        typeof email.value === 'string' && email.value.includes('@'),
    );
  const chosen = values.find((e) => e.primary) ?? values.find((e) => e.work) ?? values[0];
  if (chosen) return chosen.value;
  return user.userName.includes('@') ? user.userName : '';
}

/** SCIM displayName, else given and family name, else null. */
export function displayNameOf(data: JsonObject): string | null {
  const display = getCaseInsensitive(data, 'displayName');
  if (typeof display === 'string' && display.trim()) return display.trim();
  const name = getCaseInsensitive(data, 'name');
  if (!isObject(name)) return null;
  const parts = ['givenName', 'familyName']
    .map((part) => getCaseInsensitive(name, part))
    .filter((part): part is string => typeof part === 'string' && part.trim() !== '');
  return parts.length > 0 ? parts.join(' ') : null;
}
