import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets its old generation grow past what the last full collection left alive: 50% here,
 * where V8 by itself picks up to 300% for a heap that collects fast. A server's live heap is small
 * (tens of MB) and what it allocates per request dies young, so under sustained load V8's own
 * choice let RSS climb by a hundred MB or more between collections (354 MB peak at 1,000,000 users);
 * a few more full collections (each a few tens of ms, incremental) keep it near the live size.
 * V8 reads this flag at every collection, so it can be set after start-up, unlike heap sizes.
 */
export const HEAP_GROWING_PERCENT = 50;

/** Bounds the server's heap growth, unless NODE_OPTIONS or node's own flags already say how. */
export function boundHeapGrowth(execArgv: readonly string[] = process.execArgv): void {
  const given = [...execArgv, process.env.NODE_OPTIONS ?? ''].some((flag) =>
    /--heap[-_]growing[-_]percent/.test(flag),
  );
  if (!given) setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
