import type { Kysely, Selectable } from 'kysely';
import type { Database, EventTable } from '../database.js';
import type { EventRecord } from '../ports.js';

const toEvent = (row: Selectable<EventTable>): EventRecord & { seq: number } => ({
  seq: Number(row.seq),
  id: row.id,
  tenantId: row.tenant_id,
  directoryId: row.directory_id,
  at: row.at,
  type: row.type,
  resourceType: row.resource_type,
  resourceId: row.resource_id,
  data: JSON.parse(row.data) as Record<string, unknown>,
});

/** The events outbox: appended in the same transaction as the change it records. */
export class EventRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async append(events: readonly EventRecord[]): Promise<void> {
    if (events.length === 0) return;
    await this.db
      .insertInto('events')
      .values(
        events.map((e) => ({
          tenant_id: e.tenantId,
          directory_id: e.directoryId,
          id: e.id,
          at: e.at,
          type: e.type,
          resource_type: e.resourceType,
          resource_id: e.resourceId,
          data: JSON.stringify(e.data),
        })),
      )
      .execute();
  }

  /** A tenant's events after `afterSeq`, oldest first (the feed's cursor is the seq). */
  async list(tenantId: string, afterSeq: number, limit: number): Promise<(EventRecord & { seq: number })[]> {
    const rows = await this.db
      .selectFrom('events')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(toEvent);
  }

  /** How many events of these types a directory recorded since `since` (an indexed range). */
  async count(
    tenantId: string,
    directoryId: string,
    types: readonly string[],
    since: string,
  ): Promise<number> {
    const row = await this.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('directory_id', '=', directoryId)
      .where('type', 'in', types)
      .where('at', '>=', since)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
