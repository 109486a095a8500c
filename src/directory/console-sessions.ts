import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ConsoleSessionRecord, OperatorRecord } from '../store/kysely/console-repository.js';
import type { Store } from '../store/store.js';
import { auditEntry } from './audit-log.js';
import { now as clockNow, newId } from './clock.js';
import { tenantAdminAccess } from './console-access.js';
import { ConsoleAccessDeniedError } from './console-errors.js';
import { sha256Hex } from './secret-hash.js';

/** The console's session cookie. */
export const CONSOLE_COOKIE = 'rollcall_console';
/** Recognisable prefix of console session secrets. */
const SESSION_PREFIX = 'rcc_';
/** last_seen_at is written at most this often per session, so page views do not all turn into writes. */
const TOUCH_INTERVAL_MS = 60_000;

export interface SessionTimeouts {
  /** A session unused this long ends. */
  readonly idleMinutes: number;
  /** A session ends this long after sign-in, however busy. */
  readonly absoluteHours: number;
}

export const DEFAULT_TIMEOUTS: SessionTimeouts = { idleMinutes: 30, absoluteHours: 12 };

/** Who a console request is from. */
export type ConsoleIdentity =
  | {
      readonly kind: 'operator';
      readonly sessionId: string;
      readonly operatorId: string;
      readonly email: string;
    }
  | {
      readonly kind: 'tenant_admin';
      readonly sessionId: string;
      readonly tenantId: string;
      readonly tenantSlug: string;
      readonly directoryId: string;
      readonly userId: string;
      readonly email: string;
      readonly name: string | null;
      /** The user's effective roles as of this request. */
      readonly roles: readonly string[];
    };

/** A verified SSO sign-in of a directory user, as the SSO layer hands it over (see SsoSessions). */
export interface TenantAdminSignIn {
  readonly tenantId: string;
  readonly directoryId: string;
  readonly userId: string;
  readonly email: string;
  readonly name: string | null;
  /** The SSO session it came from. */
  readonly ssoSessionId: string | null;
}

export interface OpenedSession {
  /** The cookie's value: a secret, set once and stored only as its SHA-256. */
  readonly cookieValue: string;
  readonly identity: ConsoleIdentity;
  readonly expires: string;
}

/** Plausible cookie values only reach the database. */
function plausible(cookieValue: string | undefined): cookieValue is string {
  return (
    typeof cookieValue === 'string' && cookieValue.startsWith(SESSION_PREFIX) && cookieValue.length < 100
  );
}

/**
 * A CSRF token tied to the session (a synchronizer token, OWASP): an HMAC of a fixed label under the
 * session's secret. Only the holder of the cookie can compute it, the server recomputes it from the
 * cookie on every change, and nothing needs to be stored.
 */
export function csrfTokenFor(cookieValue: string): string {
  return createHmac('sha256', cookieValue).update('rollcall console csrf v1').digest('base64url');
}

export function csrfTokenMatches(cookieValue: string, token: unknown): boolean {
  if (typeof token !== 'string') return false;
  const expected = Buffer.from(csrfTokenFor(cookieValue));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Console sessions, kept in the database (so they work across nodes) under the SHA-256 of their
 * cookie's secret, with an idle and an absolute timeout. An operator's session opens with a
 * password or one-time link; a tenant admin's with a verified SSO sign-in, and only while the user
 * holds a console role: checked again on every request.
 */
export class ConsoleSessions {
  private readonly timeouts: SessionTimeouts;
  private readonly now: () => string;

  constructor(
    private readonly store: Store,
    options: Partial<SessionTimeouts> & { now?: () => string } = {},
  ) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options };
    this.now = options.now ?? clockNow;
  }

  async openForOperator(operator: OperatorRecord): Promise<OpenedSession> {
    return this.open({
      kind: 'operator',
      operatorId: operator.id,
      tenantId: null,
      directoryId: null,
      userId: null,
      ssoSessionId: null,
      email: operator.email,
      name: null,
    });
  }

  /** Opens a tenant admin's session, or throws ConsoleAccessDeniedError saying why not. */
  async openForTenantAdmin(signIn: TenantAdminSignIn): Promise<OpenedSession> {
    const access = await tenantAdminAccess(this.store, signIn.tenantId, signIn.directoryId, signIn.userId);
    if (!access.allowed)
      throw new ConsoleAccessDeniedError(`${signIn.email} may not use the console: ${access.reason}`);
    return this.open({
      kind: 'tenant_admin',
      operatorId: null,
      tenantId: signIn.tenantId,
      directoryId: signIn.directoryId,
      userId: signIn.userId,
      ssoSessionId: signIn.ssoSessionId,
      email: signIn.email,
      name: signIn.name,
    });
  }

  private async open(
    who: Pick<
      ConsoleSessionRecord,
      'kind' | 'operatorId' | 'tenantId' | 'directoryId' | 'userId' | 'ssoSessionId' | 'email' | 'name'
    >,
  ): Promise<OpenedSession> {
    const cookieValue = SESSION_PREFIX + randomBytes(32).toString('base64url');
    const at = this.now();
    const record: ConsoleSessionRecord = {
      ...who,
      id: newId(),
      created: at,
      lastSeen: at,
      expires: new Date(Date.parse(at) + this.timeouts.absoluteHours * 3_600_000).toISOString(),
      ended: null,
    };
    await this.store.transaction(async (repos) => {
      await repos.console.insertSession(sha256Hex(cookieValue), record);
      await repos.console.appendAudit(
        auditEntry(actorOf(record), {
          tenantId: record.tenantId,
          action: 'console.sign_in',
          targetType: 'session',
          targetId: record.id,
          targetName: record.email,
        }),
      );
    });
    const identity = await this.identityOf(record);
    if (!identity) throw new ConsoleAccessDeniedError('The session could not be opened');
    return { cookieValue, identity, expires: record.expires };
  }

  /**
   * Who holds this cookie, or null when it is absent, unknown, ended, past its idle or absolute
   * timeout, or its person may no longer use the console (operator disabled; user deactivated,
   * deleted or without a console role).
   */
  async resolve(cookieValue: string | undefined): Promise<ConsoleIdentity | null> {
    if (!plausible(cookieValue)) return null;
    const hash = sha256Hex(cookieValue);
    const record = await this.store.repositories.console.sessionByHash(hash);
    if (!record || record.ended) return null;
    const at = this.now();
    const atMs = Date.parse(at);
    if (Date.parse(record.expires) <= atMs) return null;
    if (Date.parse(record.lastSeen) + this.timeouts.idleMinutes * 60_000 <= atMs) return null;
    const identity = await this.identityOf(record);
    if (!identity) return null;
    if (atMs - Date.parse(record.lastSeen) >= TOUCH_INTERVAL_MS)
      await this.store.repositories.console.touchSession(hash, at);
    return identity;
  }

  private async identityOf(record: ConsoleSessionRecord): Promise<ConsoleIdentity | null> {
    if (record.kind === 'operator') {
      const operator = record.operatorId
        ? await this.store.repositories.console.operatorById(record.operatorId)
        : undefined;
      if (!operator || operator.disabled) return null;
      return { kind: 'operator', sessionId: record.id, operatorId: operator.id, email: operator.email };
    }
    if (!record.tenantId || !record.directoryId || !record.userId) return null;
    const access = await tenantAdminAccess(this.store, record.tenantId, record.directoryId, record.userId);
    if (!access.allowed) return null;
    return {
      kind: 'tenant_admin',
      sessionId: record.id,
      tenantId: record.tenantId,
      tenantSlug: access.tenant.slug,
      directoryId: record.directoryId,
      userId: record.userId,
      email: record.email,
      name: record.name,
      roles: access.roles,
    };
  }

  /** Ends the session behind a cookie (sign-out); a no-op for an unknown one. */
  async end(cookieValue: string | undefined): Promise<void> {
    if (!plausible(cookieValue)) return;
    const hash = sha256Hex(cookieValue);
    const record = await this.store.repositories.console.sessionByHash(hash);
    if (!record || record.ended) return;
    await this.store.transaction(async (repos) => {
      await repos.console.endSession(hash, this.now());
      await repos.console.appendAudit(
        auditEntry(actorOf(record), {
          tenantId: record.tenantId,
          action: 'console.sign_out',
          targetType: 'session',
          targetId: record.id,
          targetName: record.email,
        }),
      );
    });
  }

  /** Deletes sessions that ended or expired over a day ago, and expired links (the maintenance job). */
  async purge(at = this.now()): Promise<number> {
    const before = new Date(Date.parse(at) - 86_400_000).toISOString();
    const sessions = await this.store.repositories.console.purgeSessions(before);
    return sessions + (await this.store.repositories.console.purgeLinks(before));
  }
}

function actorOf(record: ConsoleSessionRecord) {
  return {
    kind: record.kind,
    id: record.kind === 'operator' ? record.operatorId! : record.userId!,
    email: record.email,
  };
}
