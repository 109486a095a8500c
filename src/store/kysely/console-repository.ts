import { type Kysely, type Selectable, sql } from 'kysely';
import type { ConsoleAuditTable, ConsoleOperatorTable, ConsoleSessionTable, Database } from '../database.js';

export interface OperatorRecord {
  readonly id: string;
  readonly email: string;
  readonly created: string;
  readonly lastSignIn: string | null;
  readonly disabled: string | null;
  /** Whether a password is set (else: one-time links only). */
  readonly hasPassword: boolean;
}

export type ConsoleSessionKind = 'operator' | 'tenant_admin';

export interface ConsoleSessionRecord {
  readonly id: string;
  readonly kind: ConsoleSessionKind;
  readonly operatorId: string | null;
  readonly tenantId: string | null;
  readonly directoryId: string | null;
  readonly userId: string | null;
  readonly ssoSessionId: string | null;
  readonly email: string;
  readonly name: string | null;
  readonly created: string;
  readonly lastSeen: string;
  readonly expires: string;
  readonly ended: string | null;
}

export interface AuditRecord {
  readonly id: string;
  readonly at: string;
  readonly actorKind: ConsoleSessionKind;
  readonly actorId: string;
  readonly actorEmail: string;
  readonly tenantId: string | null;
  readonly action: string;
  readonly targetType: string;
  readonly targetId: string | null;
  readonly targetName: string | null;
  readonly detail: Record<string, unknown> | null;
}

export interface AuditPage {
  readonly entries: (AuditRecord & { seq: number })[];
  /** The seq of the last entry, when older entries exist. */
  readonly nextSeq?: number;
}

const toOperator = (row: Selectable<ConsoleOperatorTable>): OperatorRecord => ({
  id: row.id,
  email: row.email,
  created: row.created_at,
  lastSignIn: row.last_sign_in_at,
  disabled: row.disabled_at,
  hasPassword: row.password_hash !== null,
});

const toSession = (row: Selectable<ConsoleSessionTable>): ConsoleSessionRecord => ({
  id: row.id,
  kind: row.kind,
  operatorId: row.operator_id,
  tenantId: row.tenant_id,
  directoryId: row.directory_id,
  userId: row.user_id,
  ssoSessionId: row.sso_session_id,
  email: row.email,
  name: row.name,
  created: row.created_at,
  lastSeen: row.last_seen_at,
  expires: row.expires_at,
  ended: row.ended_at,
});

const toAudit = (row: Selectable<ConsoleAuditTable>): AuditRecord & { seq: number } => ({
  seq: Number(row.seq),
  id: row.id,
  at: row.at,
  actorKind: row.actor_kind,
  actorId: row.actor_id,
  actorEmail: row.actor_email,
  tenantId: row.tenant_id,
  action: row.action,
  targetType: row.target_type,
  targetId: row.target_id,
  targetName: row.target_name,
  detail: row.detail === null ? null : (JSON.parse(row.detail) as Record<string, unknown>),
});

/** The admin console's operators, one-time links, sessions and audit log. Secrets arrive hashed. */
export class ConsoleRepository {
  constructor(private readonly db: Kysely<Database>) {}

  // ---- operators ----

  async insertOperator(operator: OperatorRecord, passwordHash: string | null): Promise<void> {
    await this.db
      .insertInto('console_operators')
      .values({
        id: operator.id,
        email: operator.email,
        email_key: operator.email.toLowerCase(),
        password_hash: passwordHash,
        created_at: operator.created,
        password_changed_at: passwordHash === null ? null : operator.created,
        last_sign_in_at: null,
        disabled_at: null,
      })
      .execute();
  }

  async operatorByEmail(
    email: string,
  ): Promise<{ operator: OperatorRecord; passwordHash: string | null } | undefined> {
    const row = await this.db
      .selectFrom('console_operators')
      .selectAll()
      .where('email_key', '=', email.toLowerCase())
      .executeTakeFirst();
    return row && { operator: toOperator(row), passwordHash: row.password_hash };
  }

  async operatorById(id: string): Promise<OperatorRecord | undefined> {
    const row = await this.db
      .selectFrom('console_operators')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toOperator(row);
  }

  async setPassword(id: string, passwordHash: string, at: string): Promise<void> {
    await this.db
      .updateTable('console_operators')
      .set({ password_hash: passwordHash, password_changed_at: at })
      .where('id', '=', id)
      .execute();
  }

  async touchOperatorSignIn(id: string, at: string): Promise<void> {
    await this.db
      .updateTable('console_operators')
      .set({ last_sign_in_at: at })
      .where('id', '=', id)
      .execute();
  }

  async setOperatorDisabled(id: string, at: string | null): Promise<void> {
    await this.db.updateTable('console_operators').set({ disabled_at: at }).where('id', '=', id).execute();
  }

  /** Operators in email order (a vendor has a handful); `limit` bounds it all the same. */
  async operators(limit: number): Promise<OperatorRecord[]> {
    const rows = await this.db
      .selectFrom('console_operators')
      .selectAll()
      .orderBy('email_key')
      .limit(limit)
      .execute();
    return rows.map(toOperator);
  }

  // ---- one-time sign-in links ----

  async insertLink(hash: string, operatorId: string, created: string, expires: string): Promise<void> {
    await this.db
      .insertInto('console_links')
      .values({ hash, operator_id: operatorId, created_at: created, expires_at: expires, used_at: null })
      .execute();
  }

  /**
   * Marks an unused, unexpired link used and returns its operator: one statement, so of two uses
   * at once exactly one wins.
   */
  async useLink(hash: string, at: string): Promise<string | undefined> {
    const row = await this.db
      .updateTable('console_links')
      .set({ used_at: at })
      .where('hash', '=', hash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', at)
      .returning('operator_id')
      .executeTakeFirst();
    return row?.operator_id;
  }

  async purgeLinks(before: string): Promise<number> {
    const result = await this.db
      .deleteFrom('console_links')
      .where('expires_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  // ---- sign-in throttle ----

  /** The failure counts of these keys whose window started after `windowStart`. */
  async signInFailures(
    keyHashes: readonly string[],
    windowStart: string,
  ): Promise<{ keyHash: string; failures: number; windowStarted: string }[]> {
    const rows = await this.db
      .selectFrom('console_sign_in_failures')
      .select(['key_hash', 'failures', 'window_started_at'])
      .where('key_hash', 'in', keyHashes)
      .where('window_started_at', '>', windowStart)
      .execute();
    return rows.map((r) => ({
      keyHash: r.key_hash,
      failures: Number(r.failures),
      windowStarted: r.window_started_at,
    }));
  }

  /**
   * Counts one failure for each key, in one statement per key that any node may run at once: a key
   * whose window started at or before `windowStart` starts a new window at `at` with one failure.
   */
  async addSignInFailure(keyHashes: readonly string[], at: string, windowStart: string): Promise<void> {
    const over = sql<boolean>`console_sign_in_failures.window_started_at <= ${windowStart}`;
    for (const keyHash of keyHashes)
      await this.db
        .insertInto('console_sign_in_failures')
        .values({ key_hash: keyHash, failures: 1, window_started_at: at })
        .onConflict((conflict) =>
          conflict.column('key_hash').doUpdateSet({
            failures: sql<number>`case when ${over} then 1 else console_sign_in_failures.failures + 1 end`,
            window_started_at: sql<string>`case when ${over} then ${at} else console_sign_in_failures.window_started_at end`,
          }),
        )
        .execute();
  }

  async clearSignInFailures(keyHash: string): Promise<void> {
    await this.db.deleteFrom('console_sign_in_failures').where('key_hash', '=', keyHash).execute();
  }

  /** Deletes the windows that started before `before` (the maintenance job). */
  async purgeSignInFailures(before: string): Promise<number> {
    const result = await this.db
      .deleteFrom('console_sign_in_failures')
      .where('window_started_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  // ---- sessions ----

  async insertSession(hash: string, session: ConsoleSessionRecord): Promise<void> {
    await this.db
      .insertInto('console_sessions')
      .values({
        hash,
        id: session.id,
        kind: session.kind,
        operator_id: session.operatorId,
        tenant_id: session.tenantId,
        directory_id: session.directoryId,
        user_id: session.userId,
        sso_session_id: session.ssoSessionId,
        email: session.email,
        name: session.name,
        created_at: session.created,
        last_seen_at: session.lastSeen,
        expires_at: session.expires,
        ended_at: session.ended,
      })
      .execute();
  }

  async sessionByHash(hash: string): Promise<ConsoleSessionRecord | undefined> {
    const row = await this.db
      .selectFrom('console_sessions')
      .selectAll()
      .where('hash', '=', hash)
      .executeTakeFirst();
    return row && toSession(row);
  }

  async touchSession(hash: string, at: string): Promise<void> {
    await this.db
      .updateTable('console_sessions')
      .set({ last_seen_at: at })
      .where('hash', '=', hash)
      .execute();
  }

  async endSession(hash: string, at: string): Promise<void> {
    await this.db
      .updateTable('console_sessions')
      .set({ ended_at: at })
      .where('hash', '=', hash)
      .where('ended_at', 'is', null)
      .execute();
  }

  async endOperatorSessions(operatorId: string, at: string): Promise<number> {
    const result = await this.db
      .updateTable('console_sessions')
      .set({ ended_at: at })
      .where('operator_id', '=', operatorId)
      .where('ended_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Deletes sessions that ended or expired before `before`. */
  async purgeSessions(before: string): Promise<number> {
    const result = await this.db
      .deleteFrom('console_sessions')
      .where((eb) => eb.or([eb('expires_at', '<', before), eb('ended_at', '<', before)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  // ---- last sign-ins (from the SSO sign-in log) ----

  /**
   * When each of these users last signed in through SSO, as far as the sign-in log still tells
   * (its retention): one lookup per user on the log's user index.
   */
  async lastSignIns(tenantId: string, userIds: readonly string[]): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    if (userIds.length === 0) return result;
    const rows = await this.db
      .selectFrom('sso_log')
      .select(['user_id', (eb) => eb.fn.max('at').as('at')])
      .where('tenant_id', '=', tenantId)
      .where('user_id', 'in', userIds)
      .where('outcome', '=', 'signed_in')
      .groupBy('user_id')
      .execute();
    for (const row of rows) if (row.user_id && row.at) result.set(row.user_id, String(row.at));
    return result;
  }

  // ---- audit log ----

  async appendAudit(entry: AuditRecord): Promise<void> {
    await this.db
      .insertInto('console_audit')
      .values({
        id: entry.id,
        at: entry.at,
        actor_kind: entry.actorKind,
        actor_id: entry.actorId,
        actor_email: entry.actorEmail,
        tenant_id: entry.tenantId,
        action: entry.action,
        target_type: entry.targetType,
        target_id: entry.targetId,
        target_name: entry.targetName,
        detail: entry.detail === null ? null : JSON.stringify(entry.detail),
      })
      .execute();
  }

  /**
   * Newest first, keyset-paged on seq. `tenantId` a string: that tenant's entries (its index);
   * undefined: every entry (the primary key).
   */
  async auditPage(options: { tenantId?: string; beforeSeq?: number; limit: number }): Promise<AuditPage> {
    let query = this.db.selectFrom('console_audit').selectAll();
    if (options.tenantId !== undefined) query = query.where('tenant_id', '=', options.tenantId);
    if (options.beforeSeq !== undefined) query = query.where('seq', '<', options.beforeSeq);
    const rows = await query
      .orderBy('seq', 'desc')
      .limit(options.limit + 1)
      .execute();
    const more = rows.length > options.limit;
    if (more) rows.pop();
    const last = rows.at(-1);
    return { entries: rows.map(toAudit), ...(more && last && { nextSeq: Number(last.seq) }) };
  }
}
