import type { Store } from '../store/store.js';

export const DEFAULT_LOG_RETENTION_DAYS = 30;
const HOUR_MS = 60 * 60 * 1000;

/** The instant before which provisioning-log rows are purged, `days` before `at`. */
export function retentionCutoff(days: number, at = new Date()): string {
  return new Date(at.getTime() - days * 24 * HOUR_MS).toISOString();
}

/**
 * Purges provisioning-log rows older than the retention, every `intervalMs` (hourly). Each rollcall node runs one; the purge is idempotent, so several nodes on one
 * Postgres only repeat a cheap, empty delete.
 */
export class LogRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    readonly days = DEFAULT_LOG_RETENTION_DAYS,
    private readonly intervalMs = HOUR_MS,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** The first purge runs a minute after start (not during start-up), then every interval. */
  start(): void {
    const run = () => {
      this.running = this.purge().catch(this.onError);
    };
    this.timer = setTimeout(
      () => {
        run();
        this.timer = setInterval(run, this.intervalMs);
        this.timer.unref();
      },
      Math.min(this.intervalMs, 60_000),
    );
    this.timer.unref();
  }

  /** Deletes what is older than the retention now; returns how many rows. */
  purge(): Promise<number> {
    return this.store.repositories.logs.purgeBefore(retentionCutoff(this.days));
  }

  /** Stops the interval and waits for a purge in progress, so the store can close after it. */
  async stop(): Promise<void> {
    // clearTimeout clears an interval too (they share one id space in Node).
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
