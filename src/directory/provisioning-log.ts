import type { LogEntry } from '../store/ports.js';
import type { Store } from '../store/store.js';

/**
 * Collects provisioning-log rows and writes them in batches, so logging a SCIM request costs a
 * share of one insert rather than a transaction of its own. A flush runs every `intervalMs` and on
 * close; a crash loses at most the rows of the last interval (the log, never provisioned data).
 */
export class ProvisioningLog {
  private pending: LogEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly intervalMs = 50,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  record(entry: LogEntry): void {
    this.pending.push(entry);
    if (this.pending.length >= 500) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.intervalMs);
  }

  /** Writes everything recorded so far; resolves when it is stored. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.store.repositories.logs.append(batch);
      } catch (error) {
        this.onError(error);
      }
    });
    return this.flushing;
  }
}
