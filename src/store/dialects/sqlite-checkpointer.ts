import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * How often the background connection checkpoints. A PASSIVE checkpoint with nothing to copy costs
 * a few microseconds; under load each copies what the last quarter second committed.
 */
export const CHECKPOINT_INTERVAL_MS = 250;

/**
 * WAL pages after which a commit checkpoints by itself (SQLite's default is 1,000, about 4 MB):
 * the bound on the WAL when the background checkpoints cannot keep up or are not running. The
 * background ones keep it far below, so no request pays for one in practice.
 */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 16_384;

/**
 * The worker: its own connection to the file, copying WAL pages into the database with PASSIVE
 * checkpoints (which never wait for, nor block, readers and writers). CommonJS evaluated from a
 * string, so it runs the same from src/ under the tests and from dist/; better-sqlite3 is loaded
 * by the path the main thread resolved.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('synchronous = NORMAL');
db.pragma('cache_size = 64');
let checkpoints = 0;
const timer = setInterval(() => {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    if (result && result.checkpointed > 0) checkpoints++;
  } catch (error) {
    // SQLITE_BUSY and the like: the commit-time fallback bounds the WAL meanwhile; try again next tick.
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.postMessage({ checkpoints });
});
`;

export interface Checkpointer {
  /** Stops the timer and closes the connection; resolves with how many checkpoints copied pages. */
  stop(): Promise<number>;
}

/**
 * Checkpoints a WAL-mode SQLite file from a worker thread, so that neither a request's commit
 * (SQLite's automatic checkpoint runs inside the commit that crosses the threshold) nor the event
 * loop waits for a checkpoint's page copies and fsyncs. The main connection keeps
 * FALLBACK_AUTOCHECKPOINT_PAGES as its own threshold.
 */
export function startCheckpointer(file: string, intervalMs = CHECKPOINT_INTERVAL_MS): Checkpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    // It allocates almost nothing; small heaps keep the thread's share of the server's RSS small.
    resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1, stackSizeMb: 1 },
    workerData: { file, intervalMs, module: createRequire(import.meta.url).resolve('better-sqlite3') },
  });
  // A worker that fails leaves the fallback in charge; it must not take the server down.
  worker.on('error', () => {});
  worker.unref();
  return {
    stop: () =>
      new Promise((resolve) => {
        worker.once('message', (message: { checkpoints: number }) => {
          void worker.terminate().then(() => resolve(message.checkpoints));
        });
        worker.once('exit', () => resolve(0));
        worker.postMessage('stop');
      }),
  };
}
