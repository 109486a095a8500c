/**
 * `npm run bench`: drives a real rollcall process and a bare-Node ceiling with Entra's requests,
 * phase by phase, and compares them (issue 5). See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HttpClient } from './http-client.js';
import { type PhaseResult, PhaseRun, runPhase } from './phase.js';
import { checkTable, phaseTable, targetTable } from './report.js';
import { type Check, type Phase, phases, type ServerState, type Workload } from './scenario.js';
import { ROOT, type RunningServer, startCeiling, startRollcall } from './servers.js';
import { evaluateTargets } from './targets.js';

const USAGE = `npm run bench -- [--quick | --memory] [options]

  --quick               small sizes, about a minute (N = 2,000 users, M = 2,000 members)
  (default)             the full run: N = 100,000 users, M = 100,000 members
  --memory              the memory run: N = 1,000,000 users, M = 100,000 (takes long; no list phases
                        unless --phases names them)
  --database-url URL    run rollcall on PostgreSQL instead of the embedded SQLite store
  --concurrency C       requests in flight (default 8)
  --users N --members M --seconds S --ops K   override sizes and the bounds of each phase
  --phases a,b          only these phase groups: lookup, update, group, list (seed always runs)
  --skip-ceiling        drive rollcall only (no ratios)
  --cpu-prof            write a V8 CPU profile of the rollcall server to bench/results/
  --log-level LEVEL     rollcall's LOG_LEVEL (default: rollcall's own, info)
  --keep                keep the temporary data folder
  --verbose             print the end of each server's stderr when it stops
`;

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: {
    quick: { type: 'boolean' },
    memory: { type: 'boolean' },
    'database-url': { type: 'string' },
    concurrency: { type: 'string' },
    users: { type: 'string' },
    members: { type: 'string' },
    seconds: { type: 'string' },
    ops: { type: 'string' },
    phases: { type: 'string' },
    'skip-ceiling': { type: 'boolean' },
    'cpu-prof': { type: 'boolean' },
    'log-level': { type: 'string' },
    keep: { type: 'boolean' },
    verbose: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (flags.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

function count(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
}

const mode = flags.memory ? 'memory' : flags.quick ? 'quick' : 'full';
// Phases are bounded by time in practice (the counts are a backstop), so both servers are measured
// over the same stretch of a noisy machine.
const defaults = {
  quick: { users: 2_000, members: 2_000, ops: 200_000, seconds: 1.5, warmup: 100, longSeconds: 120 },
  full: { users: 100_000, members: 100_000, ops: 1_000_000, seconds: 10, warmup: 500, longSeconds: 900 },
  memory: {
    users: 1_000_000,
    members: 100_000,
    ops: 1_000_000,
    seconds: 10,
    warmup: 500,
    longSeconds: 7_200,
  },
}[mode];
const run = `r${Date.now().toString(36)}`;
/** Turns a big-group phase and its small-group twin take. */
const SLICES = 4;
const workload: Workload = {
  run,
  users: Math.floor(count('users', flags.users, defaults.users)),
  members: Math.floor(count('members', flags.members, defaults.members)),
  concurrency: Math.floor(count('concurrency', flags.concurrency, 8)),
  phaseOps: Math.floor(count('ops', flags.ops, defaults.ops)),
  phaseSeconds: count('seconds', flags.seconds, defaults.seconds),
  longSeconds: defaults.longSeconds,
  warmup: defaults.warmup,
};
// The memory run leaves the list phases out unless asked: walking 1,000,000 users page by page takes hours.
const defaultGroups =
  mode === 'memory' ? ['lookup', 'update', 'group'] : ['lookup', 'update', 'group', 'list'];
const groups = new Set(['seed', ...(flags.phases?.split(',').map((p) => p.trim()) ?? defaultGroups)]);
const databaseUrl = flags['database-url'];
const dialect = databaseUrl ? 'postgres' : 'sqlite';
const resultsDir = join(ROOT, 'bench', 'results');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');

function sqliteVersion(): string {
  try {
    const require = createRequire(join(ROOT, 'package.json'));
    const Database = require('better-sqlite3') as new (
      file: string,
    ) => {
      prepare(sql: string): { get(): { v: string } };
      close(): void;
    };
    const db = new Database(':memory:');
    const { v } = db.prepare('select sqlite_version() as v').get();
    db.close();
    return v;
  } catch {
    return 'unknown';
  }
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

function log(text: string): void {
  process.stderr.write(`${text}\n`);
}

const environment = {
  date: new Date().toISOString(),
  machine: {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
  },
  node: process.version,
  store: dialect === 'sqlite' ? `SQLite ${sqliteVersion()} (better-sqlite3, WAL)` : 'PostgreSQL',
  commit: commit(),
};

async function main(): Promise<number> {
  log(
    `rollcall bench (${mode}): ${workload.users.toLocaleString('en-US')} users, ${workload.members.toLocaleString('en-US')} members, concurrency ${workload.concurrency}, ${environment.store}, node ${environment.node}, ${environment.machine.cores} × ${environment.machine.cpu}`,
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'rollcall-bench-'));
  const cpuProfDir = flags['cpu-prof'] ? join(resultsDir, `profile-${stamp}`) : undefined;
  const servers: RunningServer[] = [];
  const results: PhaseResult[] = [];
  const checks: Check[] = [];
  try {
    if (!flags['skip-ceiling']) servers.push(await startCeiling());
    servers.push(
      await startRollcall({
        dataDir,
        tenant: `bench-${run}`,
        ...(databaseUrl && { databaseUrl }),
        ...(cpuProfDir && { cpuProfDir }),
        ...(flags['log-level'] && { logLevel: flags['log-level'] }),
      }),
    );
    const states = new Map<RunningServer, ServerState>(
      servers.map((server) => [
        server,
        {
          name: server.name,
          client: new HttpClient(server.scimUrl, server.token, workload.concurrency),
          computesUserGroups: server.name === 'rollcall',
          userIds: [],
          created: [],
          updates: new Map(),
          groups: {},
          indexPages: [],
          cursorPages: [],
          cursors: [],
          cursorWalkDone: false,
        },
      ]),
    );
    // A phase on the big group and its twin on the small one run in turns (SLICES slices each), so
    // their comparison does not depend on which minute of a noisy machine each one got.
    const selected = phases(workload).filter((p) => groups.has(p.group));
    const steps: Phase[][] = [];
    for (let k = 0; k < selected.length; k++) {
      const phase = selected[k]!;
      const twin = selected[k + 1];
      if (phase.name.endsWith('.big') && twin?.name === phase.name.replace(/\.big$/, '.small')) {
        steps.push([phase, twin]);
        k++;
      } else steps.push([phase]);
    }
    for (const step of steps) {
      // Servers take turns step by step, so a noisy minute hits both alike.
      for (const server of servers) {
        const state = states.get(server)!;
        const report =
          (phase: Phase) =>
          (name: string, ok: boolean, detail = '') =>
            checks.push({ phase: phase.name, server: server.name, name, ok, detail });
        try {
          for (const phase of step) await phase.setup?.(state);
          const specs = step.map((phase) => phase.spec(state));
          const runs = step.map(() => new PhaseRun());
          const slices = step.length > 1 ? SLICES : 1;
          const stepResults: PhaseResult[] = [];
          for (let slice = 0; slice < slices; slice++)
            for (const [k, spec] of specs.entries())
              stepResults[k] = await runPhase(spec, server.name, server.pid, runs[k], spec.seconds / slices);
          for (const [k, phase] of step.entries()) {
            const result = stepResults[k]!;
            results.push(result);
            log(
              `  ${phase.name.padEnd(18)} ${server.name.padEnd(8)} ${String(result.ok).padStart(7)} ok ${String(result.errors).padStart(5)} err ${result.unitsPerSecond.toFixed(0).padStart(7)} ${result.unit}/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  RSS ${result.rssMaxMb} MB  ${result.seconds}s`,
            );
            for (const sample of result.errorSamples) log(`      error: ${sample}`);
            await phase.verify?.(state, report(phase));
          }
        } catch (error) {
          report(step[0]!)('phase ran', false, error instanceof Error ? error.message : String(error));
          log(
            `  ${step.map((p) => p.name).join(' + ')} on ${server.name} failed: ${error instanceof Error ? error.message : error}`,
          );
          if (server.name === 'rollcall') log(server.stderr().split('\n').slice(-20).join('\n'));
        }
      }
    }
    for (const state of states.values()) state.client.close();
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    if (flags.verbose) for (const s of servers) log(`--- ${s.name} stderr ---\n${s.stderr()}`);
    if (flags.keep) log(`data kept in ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }

  const outcomes = evaluateTargets(results, { dialect, users: workload.users, members: workload.members });
  const failedChecks = checks.filter((c) => !c.ok);
  const out = [
    '',
    `rollcall bench (${mode}) ${environment.date}: ${environment.machine.cores} × ${environment.machine.cpu}, node ${environment.node}, ${environment.store}, commit ${environment.commit}`,
    `N = ${workload.users.toLocaleString('en-US')} users, M = ${workload.members.toLocaleString('en-US')} members, concurrency ${workload.concurrency}; each phase ≤ ${workload.phaseOps.toLocaleString('en-US')} ops or ${workload.phaseSeconds} s after ${workload.warmup} warm-up ops`,
    '',
    phaseTable(results),
    '',
    targetTable(outcomes),
    '',
    failedChecks.length === 0
      ? `correctness: all ${checks.length} checks passed`
      : `correctness: ${failedChecks.length} of ${checks.length} checks FAILED\n${checkTable(failedChecks)}`,
    '',
  ].join('\n');
  process.stdout.write(out);

  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${stamp}-${mode}-${dialect}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ mode, environment, workload, phases: results, targets: outcomes, checks }, null, 2)}\n`,
  );
  process.stdout.write(`results: ${file}${cpuProfDir ? `\nCPU profile: ${cpuProfDir}` : ''}\n`);
  const errors = results.reduce((n, r) => n + r.errors, 0);
  return failedChecks.length === 0 && errors === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(2);
  },
);
