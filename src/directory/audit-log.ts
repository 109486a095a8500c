import type { AuditRecord, ConsoleSessionKind } from '../store/kysely/console-repository.js';
import { seqCursor } from '../store/kysely/cursor.js';
import type { Store } from '../store/store.js';
import { newId, now } from './clock.js';

/** Who made a console change: an operator, or a tenant admin (a directory user). */
export interface AuditActor {
  readonly kind: ConsoleSessionKind;
  /** The operator's id, or the directory user's id. */
  readonly id: string;
  readonly email: string;
}

/** What a console change did, for the audit log. Never a secret: a token appears by its id and prefix. */
export interface AuditChange {
  /** Null: outside any tenant (an operator's own sign-in). */
  readonly tenantId: string | null;
  /** e.g. `tenant.create`, `directory.provisioning`, `token.generate`. */
  readonly action: string;
  readonly targetType: string;
  readonly targetId?: string | null;
  readonly targetName?: string | null;
  readonly detail?: Record<string, unknown> | null;
}

export function auditEntry(actor: AuditActor, change: AuditChange, at = now()): AuditRecord {
  return {
    id: newId(),
    at,
    actorKind: actor.kind,
    actorId: actor.id,
    actorEmail: actor.email,
    tenantId: change.tenantId,
    action: change.action,
    targetType: change.targetType,
    targetId: change.targetId ?? null,
    targetName: change.targetName ?? null,
    detail: change.detail ?? null,
  };
}

/** Audit cursors name the seq of the last entry served; "a1." keeps them apart from the others. */
const auditCursor = seqCursor('a1');

/**
 * The audit log as the console shows it, newest first. Limited to one tenant (a tenant admin's
 * view, or an operator looking at one tenant) or, for operators, every entry.
 */
export class AuditLog {
  constructor(private readonly store: Store) {}

  async page(options: {
    /** A tenant's id: its entries only. Undefined: every entry (operators only). */
    tenantId?: string;
    cursor?: string;
    limit: number;
  }): Promise<{ entries: (AuditRecord & { seq: number })[]; nextCursor?: string }> {
    const page = await this.store.repositories.console.auditPage({
      ...(options.tenantId !== undefined && { tenantId: options.tenantId }),
      ...(options.cursor && { beforeSeq: auditCursor.decode(options.cursor) }),
      limit: options.limit,
    });
    return {
      entries: page.entries,
      ...(page.nextSeq !== undefined && { nextCursor: auditCursor.encode(page.nextSeq) }),
    };
  }
}
