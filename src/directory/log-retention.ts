import type { Store } from '../store/store.js';
import type { MaintenanceJob, MaintenanceLog } from './maintenance.js';

export const DEFAULT_LOG_RETENTION_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The instant before which provisioning-log rows are purged, `days` before `at`. */
export function retentionCutoff(days: number, at = new Date()): string {
  return new Date(at.getTime() - days * DAY_MS).toISOString();
}

/**
 * Purges provisioning-log rows older than the retention: a maintenance job every rollcall node runs
 * hourly. The purge is idempotent, so several nodes on one Postgres only repeat a cheap, empty delete.
 */
export class LogRetention implements MaintenanceJob {
  readonly name = 'purge-provisioning-logs';

  constructor(
    private readonly store: Store,
    readonly days = DEFAULT_LOG_RETENTION_DAYS,
  ) {}

  /** Deletes what is older than the retention at `at`; returns how many rows. */
  purge(at = new Date()): Promise<number> {
    return this.store.repositories.logs.purgeBefore(retentionCutoff(this.days, at));
  }

  async run(at: Date, log: MaintenanceLog): Promise<void> {
    const deleted = await this.purge(at);
    if (deleted > 0)
      log.info(
        { job: this.name, deleted },
        `purged ${deleted} provisioning-log entries older than ${this.days} days`,
      );
  }
}
