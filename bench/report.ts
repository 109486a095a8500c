import type { PhaseResult } from './phase.js';
import type { Check } from './scenario.js';
import { ceilingRatio, type TargetOutcome } from './targets.js';

/** A plain-text table, columns padded; numbers right-aligned. */
export function table(header: string[], rows: string[][], alignNumbers = true): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const numeric = (text: string) => /^[-\d.,%×]+( ms| MB)?$/.test(text);
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (alignNumbers && numeric(cell) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

export function phaseTable(results: readonly PhaseResult[]): string {
  const get = (server: string, phase: string) =>
    results.find((r) => r.server === server && r.phase === phase);
  const rows = results.map((r) => {
    const ratio = r.server === 'rollcall' ? ceilingRatio(get, r.phase) : undefined;
    return [
      r.phase,
      r.server,
      String(r.concurrency),
      String(r.ok),
      String(r.errors),
      fixed(r.unitsPerSecond, 0),
      r.unit,
      fixed(r.p50Ms, 2),
      fixed(r.p95Ms, 2),
      fixed(r.p99Ms, 2),
      fixed(r.serverCpuMsPerOp, 3),
      fixed(r.rssMaxMb, 0),
      ratio === undefined ? '' : `${(ratio * 100).toFixed(0)}%`,
    ];
  });
  return table(
    [
      'phase',
      'server',
      'conc',
      'ok',
      'err',
      'rate',
      'unit/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'CPU ms/op',
      'RSS MB',
      'vs ceiling',
    ],
    rows,
  );
}

export function targetTable(outcomes: readonly TargetOutcome[]): string {
  return table(
    ['target (issue 5)', 'measured', ''],
    outcomes.map((o) => [o.target, o.measured, o.verdict]),
    false,
  );
}

export function checkTable(checks: readonly Check[]): string {
  return table(
    ['phase', 'server', 'check', 'result', 'detail'],
    checks.map((c) => [c.phase, c.server, c.name, c.ok ? 'ok' : 'FAILED', c.detail]),
  );
}
