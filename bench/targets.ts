import type { PhaseResult } from './phase.js';

/** One row of issue 5's target table, evaluated on this run's results. */
export interface TargetOutcome {
  readonly target: string;
  readonly measured: string;
  readonly verdict: 'PASS' | 'MISS' | 'n/a';
}

export interface RunFacts {
  readonly dialect: 'sqlite' | 'postgres';
  readonly users: number;
  readonly members: number;
}

type Lookup = (server: string, phase: string) => PhaseResult | undefined;

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const times = (x: number) => `${x.toFixed(2)}×`;

/** rollcall's throughput as a share of the ceiling's, in the phase's unit. */
export function ceilingRatio(get: Lookup, phase: string): number | undefined {
  const rollcall = get('rollcall', phase);
  const ceiling = get('ceiling', phase);
  if (!rollcall || !ceiling || ceiling.unitsPerSecond === 0) return undefined;
  return rollcall.unitsPerSecond / ceiling.unitsPerSecond;
}

function verdict(pass: boolean | undefined): TargetOutcome['verdict'] {
  return pass === undefined ? 'n/a' : pass ? 'PASS' : 'MISS';
}

/** Issue 5's targets: every one a ratio to the ceiling, or between two sizes, of this run. */
export function evaluateTargets(results: readonly PhaseResult[], facts: RunFacts): TargetOutcome[] {
  const get: Lookup = (server, phase) => results.find((r) => r.server === server && r.phase === phase);
  const out: TargetOutcome[] = [];

  const ratioTarget = (label: string, phase: string, min: number) => {
    const ratio = ceilingRatio(get, phase);
    out.push({
      target: `${label} ≥ ${pct(min)} of ceiling`,
      measured: ratio === undefined ? '—' : pct(ratio),
      verdict: verdict(ratio === undefined ? undefined : ratio >= min),
    });
  };
  const sizeTarget = (label: string, phase: string, max: number) => {
    const big = get('rollcall', `${phase}.big`);
    const small = get('rollcall', `${phase}.small`);
    const ratio = big && small ? big.p50Ms / small.p50Ms : undefined;
    out.push({
      target: `${label}: p50 ${facts.members.toLocaleString('en-US')}-member group ≤ ${times(max)} the 100-member group`,
      measured: ratio === undefined ? '—' : `${times(ratio)} (${big!.p50Ms} / ${small!.p50Ms} ms)`,
      verdict: verdict(ratio === undefined ? undefined : ratio <= max),
    });
  };
  const lastVsFirst = (how: 'index' | 'cursor') => {
    const first = get('rollcall', `list.${how}.first`);
    const last = get('rollcall', `list.${how}.last`);
    const ratio = first && last ? last.p50Ms / first.p50Ms : undefined;
    out.push({
      target: `list (${how === 'index' ? 'startIndex' : 'cursor'}): last page p50 ≤ 1.5× first`,
      measured: ratio === undefined ? '—' : `${times(ratio)} (${last!.p50Ms} / ${first!.p50Ms} ms)`,
      verdict: verdict(ratio === undefined ? undefined : ratio <= 1.5),
    });
  };

  ratioTarget('lookup userName eq (req/s)', 'lookup', 0.5);
  const lookup = get('rollcall', 'lookup');
  out.push({
    target: 'lookup userName eq: p99 < 5 ms',
    measured: lookup ? `${lookup.p99Ms} ms` : '—',
    verdict: verdict(lookup ? lookup.p99Ms < 5 : undefined),
  });
  ratioTarget('seed, filter + POST pair (users/s)', 'seed', 0.4);
  ratioTarget('update PATCH (req/s)', 'update', 0.4);
  ratioTarget('single member add/remove, big group (req/s)', 'group.member.big', 0.4);
  sizeTarget('single member add/remove', 'group.member', 1.5);
  ratioTarget('100-member batch adds (members/s)', 'group.build.big', 0.2);
  sizeTarget('GET group excludedAttributes=members', 'group.get', 1.2);
  sizeTarget('GET group by displayName', 'group.byName', 1.2);
  for (const phase of ['walk', 'first', 'last'])
    ratioTarget(`list startIndex, ${phase} (pages/s)`, `list.index.${phase}`, 0.3);
  for (const phase of ['walk', 'first', 'last'])
    ratioTarget(`list cursor, ${phase} (pages/s)`, `list.cursor.${phase}`, 0.3);
  lastVsFirst('index');
  lastVsFirst('cursor');

  const rollcall = results.filter((r) => r.server === 'rollcall');
  const peak = rollcall.length ? Math.max(...rollcall.map((r) => r.rssMaxMb)) : undefined;
  const settled = rollcall.at(-1)?.rssMb;
  const memoryRun = facts.users >= 1_000_000;
  out.push({
    target: `memory: RSS ≤ 300 MB with 1,000,000 users stored${memoryRun ? '' : ' (needs --memory)'}`,
    measured:
      peak === undefined
        ? '—'
        : `peak ${peak} MB, end ${settled} MB with ${facts.users.toLocaleString('en-US')} users`,
    verdict: verdict(memoryRun && peak !== undefined ? peak <= 300 : undefined),
  });

  const postgres = facts.dialect === 'postgres';
  const expected = results.filter((r) => r.server === 'ceiling').map((r) => r.phase);
  const allRan = expected.every((phase) => {
    const r = get('rollcall', phase);
    return r !== undefined && r.ok > 0 && r.errors === 0;
  });
  out.push({
    target: 'PostgreSQL: all phases run',
    measured: postgres ? (allRan ? 'all ran without errors' : 'some phases failed') : 'SQLite run',
    verdict: verdict(postgres ? allRan : undefined),
  });
  const pgLookup = ceilingRatio(get, 'lookup');
  out.push({
    target: 'PostgreSQL: lookup ≥ 25% of ceiling',
    measured: postgres && pgLookup !== undefined ? pct(pgLookup) : 'SQLite run',
    verdict: verdict(postgres && pgLookup !== undefined ? pgLookup >= 0.25 : undefined),
  });
  return out;
}
