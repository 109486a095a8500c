import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root (dist-bench/ sits beside bench/ and bin/). */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ROLLCALL_BIN = join(ROOT, 'bin', 'rollcall.js');

export interface RunningServer {
  readonly name: 'rollcall' | 'ceiling';
  readonly pid: number;
  /** The SCIM base URL of the directory under test. */
  readonly scimUrl: string;
  readonly token: string;
  stop(): Promise<void>;
  /** The last lines the process wrote to stderr, for error reports. */
  stderr(): string;
}

export interface RollcallOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string;
  readonly tenant: string;
  /** Directory for V8 CPU profiles of the server (node --cpu-prof); none when undefined. */
  readonly cpuProfDir?: string;
  /** LOG_LEVEL for the server; rollcall's own default (info) when undefined. */
  readonly logLevel?: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function tail(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-8000);
  });
  return () => text;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

async function waitForHealth(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`rollcall exited with ${child.exitCode}:\n${stderr()}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`rollcall did not answer ${url} within 60 s:\n${stderr()}`);
}

/** rollcall's CLI on the benchmark's store; --database-url is passed through to every command. */
async function cli(options: RollcallOptions, args: string[]): Promise<string> {
  const store = [
    '--data',
    options.dataDir,
    ...(options.databaseUrl ? ['--database-url', options.databaseUrl] : []),
  ];
  try {
    const { stdout } = await run(process.execPath, [ROLLCALL_BIN, ...args, ...store], { cwd: ROOT });
    return stdout;
  } catch (error) {
    const failure = error as { stderr?: string; message: string };
    throw new Error(`rollcall ${args.join(' ')} failed: ${failure.stderr?.trim() || failure.message}`);
  }
}

/** The secret key of the benchmark's rollcall (not a secret: benchmark databases hold nothing of value). */
const BENCH_SECRET_KEY = Buffer.from('rollcall benchmark key: not a secret!!!!').toString('base64');

/**
 * Starts a real rollcall process the way an operator does: `rollcall tenant create`, `rollcall
 * directory create --json` for the SCIM URL and token, then `rollcall start` on a loopback port.
 */
export async function startRollcall(options: RollcallOptions): Promise<RunningServer> {
  mkdirSync(options.dataDir, { recursive: true });
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  await cli(options, ['tenant', 'create', options.tenant, '--name', 'rollcall benchmark']);
  const directory = JSON.parse(
    await cli(options, [
      'directory',
      'create',
      '--tenant',
      options.tenant,
      '--name',
      'bench',
      '--json',
      '--public-url',
      publicUrl,
    ]),
  ) as { scimUrl: string; token: string };

  const nodeFlags = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [];
  const args = [
    ...nodeFlags,
    ROLLCALL_BIN,
    'start',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--data',
    options.dataDir,
    ...(options.databaseUrl ? ['--database-url', options.databaseUrl] : []),
  ];
  // The request log goes to /dev/null: a file would grow by gigabytes, and a pipe would make the
  // benchmark process (which shares the CPUs) read it.
  const devNull = openSync('/dev/null', 'w');
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', devNull, 'pipe'],
    env: {
      ...process.env,
      ...(options.logLevel && { LOG_LEVEL: options.logLevel }),
      // On PostgreSQL rollcall requires a secret key shared by every run on that database; the
      // benchmark's databases are throwaway, so a fixed one serves unless the caller gives one.
      ROLLCALL_SECRET_KEY: process.env.ROLLCALL_SECRET_KEY ?? BENCH_SECRET_KEY,
    },
  });
  const stderr = tail(child);
  await waitForHealth(`${publicUrl}/healthz`, child, stderr);
  return {
    name: 'rollcall',
    pid: child.pid!,
    scimUrl: directory.scimUrl,
    token: directory.token,
    stop: stopper(child),
    stderr,
  };
}

/** Starts the ceiling server (bench/ceiling-server.ts) as its own process. */
export async function startCeiling(): Promise<RunningServer> {
  const script = fileURLToPath(new URL('./ceiling-server.js', import.meta.url));
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = tail(child);
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the ceiling server exited with ${code}:\n${stderr()}`)));
    child.stdout!.once('data', (chunk: Buffer) =>
      resolve((JSON.parse(chunk.toString('utf8')) as { port: number }).port),
    );
  });
  return {
    name: 'ceiling',
    pid: child.pid!,
    scimUrl: `http://127.0.0.1:${port}/scim/v2/ceiling`,
    token: 'unchecked',
    stop: stopper(child),
    stderr,
  };
}
