import type { Kysely, Selectable } from 'kysely';
import type { Database, ProvisioningLogTable } from '../database.js';
import type { LogEntry } from '../ports.js';

const toEntry = (row: Selectable<ProvisioningLogTable>): LogEntry => ({
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
});

export interface LogQuery {
  readonly tenantId: string;
  readonly directoryId: string;
  readonly errorsOnly?: boolean;
  readonly limit: number;
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
        })),
      )
      .execute();
  }

  /** Newest first. */
  async list(query: LogQuery): Promise<LogEntry[]> {
    let select = this.db
      .selectFrom('provisioning_log')
      .selectAll()
      .where('tenant_id', '=', query.tenantId)
      .where('directory_id', '=', query.directoryId);
    if (query.errorsOnly) select = select.where('status', '>=', 400);
    const rows = await select.orderBy('seq', 'desc').limit(query.limit).execute();
    return rows.map(toEntry);
  }
}
