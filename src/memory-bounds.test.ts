import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';

/**
 * What `rollcall start` does to V8 (src/memory-bounds.ts), in a process of its own: a small live
 * heap and a stream of short-lived garbage, the shape of a server under load. Needs `npm run build`.
 */
const workload = (bound: boolean) => `
  const { boundHeapGrowth } = await import(${JSON.stringify(new URL('../dist/memory-bounds.js', import.meta.url).href)});
  if (${bound}) boundHeapGrowth([]);
  const live = [];
  for (let i = 0; i < 400000; i++) live.push({ i, s: 'live' + i });
  let garbage = [];
  let peak = 0;
  for (let i = 0; i < 3e6; i++) {
    garbage.push(new Array(16).fill(i));
    if (garbage.length > 100000) garbage = [];
    if ((i & 0x3fff) === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  console.log(Math.round(peak / 1048576), live.length);
`;

const peakMb = (bound: boolean) =>
  Number(
    execFileSync(process.execPath, ['--input-type=module', '-e', workload(bound)], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    }).split(' ')[0],
  );

describe('boundHeapGrowth', () => {
  test('keeps the old generation near its live size under a stream of garbage', () => {
    const unbounded = peakMb(false);
    const bounded = peakMb(true);
    expect(bounded).toBeLessThan(unbounded * 0.85);
  }, 120_000);
});
