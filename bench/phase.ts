import { performance } from 'node:perf_hooks';
import { readProcessCpuMs, readProcessMemory } from './proc.js';
import { LatencyRecorder } from './stats.js';

/** One measured loop: `task(i)` for i = 0, 1, … until `ops` tasks ran or `seconds` passed. */
export interface PhaseSpec {
  readonly name: string;
  /** What the throughput counts: requests, users (a filter + POST pair), members, pages. */
  readonly unit: string;
  readonly ops: number;
  readonly seconds: number;
  readonly concurrency: number;
  /** Tasks run first and not measured (JIT, caches, connections). Their indices come first. */
  readonly warmup?: number;
  /** Units one task counts for (members in a PATCH of 100 members); 1 by default. */
  unitsOf?(i: number): number;
  /** Performs task i; throws when the answer is not the expected one. */
  task(i: number): Promise<void>;
  /** Stops the loop early (a cursor walk that reached its end). */
  done?(): boolean;
}

export interface PhaseResult {
  readonly phase: string;
  readonly server: string;
  readonly unit: string;
  readonly concurrency: number;
  readonly ok: number;
  readonly errors: number;
  readonly units: number;
  readonly seconds: number;
  readonly opsPerSecond: number;
  readonly unitsPerSecond: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Server CPU time (user + system) per successful task, ms: robust to other load on the machine. */
  readonly serverCpuMsPerOp: number;
  /** Server RSS at the end of the phase and the highest sampled during it, MB. */
  readonly rssMb: number;
  readonly rssMaxMb: number;
  readonly stoppedBy: 'count' | 'time' | 'done';
  readonly errorSamples: string[];
}

const round = (n: number, digits = 2) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : n);

/**
 * The measurements of one phase on one server so far. A phase may run in several slices (see
 * runPhase's `run`), so two phases compared with each other can take turns on a noisy machine.
 */
export class PhaseRun {
  /** The next task index: tasks continue across slices. */
  next = 0;
  warmedUp = false;
  readonly latencies = new LatencyRecorder();
  ok = 0;
  errors = 0;
  units = 0;
  seconds = 0;
  cpuMs = 0;
  rssMaxMb = 0;
  rssMb = Number.NaN;
  readonly errorSamples: string[] = [];
}

/**
 * Runs a phase against one server at the spec's concurrency for `seconds` (the spec's by default),
 * sampling the server's RSS and CPU time, and returns everything `run` measured so far.
 */
export async function runPhase(
  spec: PhaseSpec,
  server: string,
  pid: number,
  run = new PhaseRun(),
  seconds = spec.seconds,
): Promise<PhaseResult> {
  const loop = async (
    limit: number,
    deadline: number,
    onDone?: (i: number, ms: number) => void,
    onError?: (e: unknown) => void,
  ) => {
    while (run.next < limit && performance.now() < deadline && !spec.done?.()) {
      const i = run.next++;
      const started = performance.now();
      try {
        await spec.task(i);
        onDone?.(i, performance.now() - started);
      } catch (error) {
        onError?.(error);
      }
    }
  };
  const workers = (
    limit: number,
    deadline: number,
    onDone?: (i: number, ms: number) => void,
    onError?: (e: unknown) => void,
  ) => Promise.all(Array.from({ length: spec.concurrency }, () => loop(limit, deadline, onDone, onError)));

  if (!run.warmedUp) {
    const warmup = Math.min(spec.warmup ?? 0, spec.ops);
    if (warmup > 0) await workers(warmup, performance.now() + spec.seconds * 1000);
    run.warmedUp = true;
  }

  run.rssMaxMb = Math.max(run.rssMaxMb, readProcessMemory(pid).rssMb);
  const sampler = setInterval(() => {
    run.rssMaxMb = Math.max(run.rssMaxMb, readProcessMemory(pid).rssMb);
  }, 250);
  const cpuBefore = readProcessCpuMs(pid);
  const started = performance.now();
  await workers(
    spec.ops,
    started + seconds * 1000,
    (i, ms) => {
      run.ok++;
      run.units += spec.unitsOf ? spec.unitsOf(i) : 1;
      run.latencies.record(ms);
    },
    (error) => {
      run.errors++;
      if (run.errorSamples.length < 5)
        run.errorSamples.push(error instanceof Error ? error.message : String(error));
    },
  );
  run.seconds += (performance.now() - started) / 1000;
  clearInterval(sampler);
  run.cpuMs += readProcessCpuMs(pid) - cpuBefore;
  run.rssMb = readProcessMemory(pid).rssMb;
  run.rssMaxMb = Math.max(run.rssMaxMb, run.rssMb);
  const { p50, p95, p99, max } = run.latencies.summary();
  return {
    phase: spec.name,
    server,
    unit: spec.unit,
    concurrency: spec.concurrency,
    ok: run.ok,
    errors: run.errors,
    units: run.units,
    seconds: round(run.seconds, 3),
    opsPerSecond: round(run.ok / run.seconds, 1),
    unitsPerSecond: round(run.units / run.seconds, 1),
    p50Ms: round(p50, 3),
    p95Ms: round(p95, 3),
    p99Ms: round(p99, 3),
    maxMs: round(max, 3),
    serverCpuMsPerOp: round(run.cpuMs / run.ok, 3),
    rssMb: round(run.rssMb, 1),
    rssMaxMb: round(run.rssMaxMb, 1),
    stoppedBy: spec.done?.() ? 'done' : run.next >= spec.ops ? 'count' : 'time',
    errorSamples: [...run.errorSamples],
  };
}
