import type { Store } from '../store/store.js';
import { ConsoleSessions } from './console-sessions.js';
import { LifecycleService } from './lifecycle-service.js';
import { DEFAULT_LOG_RETENTION_DAYS, LogRetention } from './log-retention.js';
import { SignInThrottle } from './sign-in-throttle.js';
import { warnOfExpiringTokens } from './token-expiry.js';

/** What a job reports through: the server's pino logger fits it. */
export interface MaintenanceLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/**
 * Work a rollcall node does on a schedule. Every node runs every job, so a job must be safe to run
 * on several nodes at once: an idempotent delete, or a conditional update that only one node wins.
 */
export interface MaintenanceJob {
  readonly name: string;
  run(at: Date, log: MaintenanceLog): Promise<void>;
}

export const MAINTENANCE_INTERVAL_MS = 60 * 60 * 1000;
/** The first run waits this long after start, so it never competes with start-up. */
const FIRST_RUN_MS = 60_000;

/** Hard-deletes users soft-deleted longer ago than their directory's `softDeleteDays`. */
export function purgeDeletedUsersJob(store: Store): MaintenanceJob {
  const lifecycle = new LifecycleService(store);
  return {
    name: 'purge-deleted-users',
    async run(at, log) {
      const purged = await lifecycle.purgeDeletedUsers(at.toISOString());
      if (purged > 0)
        log.info(
          { job: this.name, purged },
          `purged ${purged} soft-deleted users past their directory's softDeleteDays`,
        );
    },
  };
}

/**
 * Raises the "expires soon" warning of tokens that lapse within 7 days even when no request uses
 * them (a request raises it too); the conditional update raises each once, on one node.
 */
export function tokenExpiryJob(store: Store): MaintenanceJob {
  return {
    name: 'warn-expiring-tokens',
    async run(at, log) {
      for (const warning of await warnOfExpiringTokens(store, at.toISOString()))
        log.warn({ job: this.name }, warning);
    },
  };
}

/** Deletes console sessions and one-time links that ended or expired over a day ago, and throttle windows that are over. */
export function consoleSessionsJob(store: Store): MaintenanceJob {
  const sessions = new ConsoleSessions(store);
  const throttle = new SignInThrottle(store);
  return {
    name: 'purge-console-sessions',
    async run(at, log) {
      const purged = (await sessions.purge(at.toISOString())) + (await throttle.purge(at.toISOString()));
      if (purged > 0)
        log.info(
          { job: this.name, purged },
          `purged ${purged} ended console sessions, links and sign-in throttle windows`,
        );
    },
  };
}

/** The jobs of a rollcall server, in the order they run. */
export function serverJobs(store: Store, options: { logRetentionDays?: number } = {}): MaintenanceJob[] {
  return [
    new LogRetention(store, options.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS),
    purgeDeletedUsersJob(store),
    tokenExpiryJob(store),
    consoleSessionsJob(store),
  ];
}

/**
 * Runs the maintenance jobs on one timer: a minute after start, then every interval (hourly) after
 * the previous run ended, so runs never overlap. A failing job is logged and the others still run.
 */
export class Maintenance {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = true;

  constructor(
    readonly jobs: readonly MaintenanceJob[],
    private readonly log: MaintenanceLog,
    private readonly intervalMs = MAINTENANCE_INTERVAL_MS,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(Math.min(this.intervalMs, FIRST_RUN_MS));
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.runOnce().finally(() => {
        if (!this.stopped) this.schedule(this.intervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  /** Runs every job once, in order, as of `at`. */
  async runOnce(at = new Date()): Promise<void> {
    for (const job of this.jobs) {
      try {
        await job.run(at, this.log);
      } catch (error) {
        this.log.error({ err: error, job: job.name }, `maintenance job ${job.name} failed`);
      }
    }
  }

  /** Stops the timer and waits for a run in progress, so the store can close after it. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
