import type { Kysely, Selectable } from 'kysely';
import type { Database, ProvisioningLogTable } from '../database.js';
import type { LogEntry } from '../ports.js';

/** What listings read: every column but the bodies, which only the detail view needs. */
const LISTED = [
  'seq',
  'tenant_id',
  'directory_id',
  'id',
  'at',
  'method',
  'path',
  'operation',
  'resource_type',
  'resource_id',
  'resource_name',
  'status',
  'scim_type',
  'detail',
  'duration_ms',
  'client',
  'note',
  'query',
] as const;

type ListedRow = Pick<Selectable<ProvisioningLogTable>, (typeof LISTED)[number]>;

const toEntry = (row: ListedRow): LogEntry => ({
  seq: Number(row.seq),
  id: row.id,
  tenantId: row.tenant_id,
  directoryId: row.directory_id,
  at: row.at,
  method: row.method,
  path: row.path,
  operation: row.operation,
  resourceType: row.resource_type,
  resourceId: row.resource_id,
  resourceName: row.resource_name,
  status: Number(row.status),
  scimType: row.scim_type,
  detail: row.detail,
  durationMs: Number(row.duration_ms),
  client: row.client,
  note: row.note,
  query: row.query,
});

export interface LogQuery {
  readonly tenantId: string;
  readonly directoryId: string;
  readonly errorsOnly?: boolean;
  readonly limit: number;
}

/** What a search of a directory's log filters by. */
export interface LogCriteria {
  /** 'error': 4xx and 5xx; 'success': the rest; a number: exactly that status. */
  readonly status?: 'error' | 'success' | number;
  readonly operation?: string;
  /** The requests about these users (their ids), on the log's resource index. */
  readonly userIds?: readonly string[];
  /** Inclusive lower bound of `at`, ISO-8601 UTC. */
  readonly since?: string;
  /** Exclusive upper bound of `at`. */
  readonly until?: string;
}

/** A filtered, newest-first page of one directory's log (the admin API's logs route). */
export interface LogSearch extends LogCriteria {
  readonly tenantId: string;
  readonly directoryId: string;
  /** Exactly this resource id: a user's history, on the log's resource index. */
  readonly resourceId?: string;
  /** Continue after this seq (the last row of the previous page), towards older rows. */
  readonly beforeSeq?: number;
  readonly limit: number;
}

export interface LogPage {
  readonly entries: LogEntry[];
  /** The seq of the last entry, when older matching entries exist. */
  readonly nextSeq?: number;
}

/** The provisioning log: one row per SCIM request. */
export class LogRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async append(entries: readonly LogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db
      .insertInto('provisioning_log')
      .values(
        entries.map((e) => ({
          tenant_id: e.tenantId,
          directory_id: e.directoryId,
          id: e.id,
          at: e.at,
          method: e.method,
          path: e.path,
          operation: e.operation,
          resource_type: e.resourceType,
          resource_id: e.resourceId,
          resource_name: e.resourceName,
          status: e.status,
          scim_type: e.scimType,
          detail: e.detail,
          duration_ms: e.durationMs,
          client: e.client,
          note: e.note ?? null,
          query: e.query ?? null,
          request_body: e.requestBody ?? null,
          response_body: e.responseBody ?? null,
        })),
      )
      .execute();
  }

  /** Newest first. */
  async list(query: LogQuery): Promise<LogEntry[]> {
    let select = this.db
      .selectFrom('provisioning_log')
      .select(LISTED)
      .where('tenant_id', '=', query.tenantId)
      .where('directory_id', '=', query.directoryId);
    if (query.errorsOnly) select = select.where('status', '>=', 400);
    const rows = await select.orderBy('seq', 'desc').limit(query.limit).execute();
    return rows.map(toEntry);
  }

  /**
   * Newest first, keyset-paged on seq so pages stay correct while new rows arrive. The requests
   * about users are read user by user on the resource index, (resource_id, seq), and merged: one
   * range per user, each already in seq order.
   */
  async search(query: LogSearch): Promise<LogPage> {
    const { userIds, ...rest } = query;
    if (userIds === undefined) return this.searchRange(rest);
    const pages = await Promise.all(
      [...new Set(userIds)].map((id) => this.searchRange({ ...rest, resourceId: id, users: true })),
    );
    const entries = pages
      .flatMap((p) => p.entries)
      .sort((a, b) => b.seq! - a.seq!)
      .slice(0, query.limit + 1);
    const more = entries.length > query.limit || pages.some((p) => p.nextSeq !== undefined);
    if (entries.length > query.limit) entries.pop();
    const last = entries.at(-1);
    return { entries, ...(more && last && { nextSeq: last.seq! }) };
  }

  private async searchRange(query: Omit<LogSearch, 'userIds'> & { users?: boolean }): Promise<LogPage> {
    let select = this.db
      .selectFrom('provisioning_log')
      .select(LISTED)
      .where('tenant_id', '=', query.tenantId)
      .where('directory_id', '=', query.directoryId);
    if (query.resourceId !== undefined) select = select.where('resource_id', '=', query.resourceId);
    if (query.status === 'error') select = select.where('status', '>=', 400);
    else if (query.status === 'success') select = select.where('status', '<', 400);
    else if (typeof query.status === 'number') select = select.where('status', '=', query.status);
    if (query.operation !== undefined) select = select.where('operation', '=', query.operation);
    if (query.users) select = select.where('resource_type', '=', 'User');
    if (query.since !== undefined) select = select.where('at', '>=', query.since);
    if (query.until !== undefined) select = select.where('at', '<', query.until);
    if (query.beforeSeq !== undefined) select = select.where('seq', '<', query.beforeSeq);
    const rows = await select
      .orderBy('seq', 'desc')
      .limit(query.limit + 1)
      .execute();
    const more = rows.length > query.limit;
    if (more) rows.pop();
    const last = rows.at(-1);
    return { entries: rows.map(toEntry), ...(more && last && { nextSeq: Number(last.seq) }) };
  }

  /** One entry with its query string and bodies, by its place in the directory's log. */
  async entry(tenantId: string, directoryId: string, seq: number): Promise<LogEntry | undefined> {
    const row = await this.db
      .selectFrom('provisioning_log')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('directory_id', '=', directoryId)
      .where('seq', '=', seq)
      .executeTakeFirst();
    return (
      row && {
        ...toEntry(row),
        requestBody: row.request_body,
        responseBody: row.response_body,
      }
    );
  }

  /**
   * Deletes every row logged before `before`, in chunks of `chunk` rows so a large purge never
   * holds the write lock for long (a SCIM request waits at most one chunk). Returns how many.
   */
  async purgeBefore(before: string, chunk = 5000): Promise<number> {
    let total = 0;
    for (;;) {
      const result = await this.db
        .deleteFrom('provisioning_log')
        .where((eb) =>
          eb(
            eb.refTuple('tenant_id', 'directory_id', 'seq'),
            'in',
            eb
              .selectFrom('provisioning_log')
              .select(['tenant_id', 'directory_id', 'seq'])
              .where('at', '<', before)
              .limit(chunk)
              .$asTuple('tenant_id', 'directory_id', 'seq'),
          ),
        )
        .executeTakeFirst();
      const deleted = Number(result.numDeletedRows);
      total += deleted;
      if (deleted < chunk) return total;
    }
  }
}
