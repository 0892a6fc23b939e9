import { execFileSync, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * The server's own processes (`npm start` = src/main.ts, `npm run worker` = src/worker.ts) for process-level
 * tests and benchmarks: spawned as `node --import tsx <script>` (what the npm scripts run, minus the npm and tsx
 * wrapper processes, so the pid we hold is the server's) in a process group of their own, so a test can
 * `kill -9` the server together with every ffmpeg it started, and read their /proc entries. Linux only.
 */

export const SERVER_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Variables that switch a backing service to production or pin the process to an address: removed from the
 * inherited environment, so a process starts on the embedded default unless the caller sets them.
 */
const INHERITED_SERVICE_VARIABLES = [
  'DATABASE_URL',
  'REDIS_URL',
  'S3_ENDPOINT',
  'S3_BUCKET',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'S3_PUBLIC_ENDPOINT',
  'JWT_SECRET',
  'PII_ENCRYPTION_KEYS',
  'BLIND_INDEX_KEY',
  'PUBLIC_URL',
  'HOST',
  'PORT',
  'DATA_DIR',
  'RUN_WORKERS',
  'JOB_LEASE_MS',
  'QUEUE_PREFIX',
  'LOG_LEVEL',
];

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  /** The node process; also its process group id (it leads a group of its own). */
  readonly pid: number;
  /** Everything it wrote to stdout and stderr so far (pino JSON lines with LOG_LEVEL=info). */
  output(): string;
  readonly exited: Promise<ProcessExit>;
  /** Resolves with the first match of `pattern` in the output; rejects if the process exits or time runs out. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** SIGTERM (graceful shutdown), then waits for the exit. */
  stop(): Promise<ProcessExit>;
  /** SIGKILL to the whole process group (the server and every ffmpeg it runs), then waits until none is left. */
  killGroup(): Promise<void>;
}

const started = new Set<ServerProcess>();

/** Starts `script` of apps/server with `env` added to the cleaned inherited environment. */
export function startServerScript(
  script: 'src/main.ts' | 'src/worker.ts',
  env: Record<string, string>,
): ServerProcess {
  const inherited: NodeJS.ProcessEnv = { ...process.env };
  for (const name of INHERITED_SERVICE_VARIABLES) delete inherited[name];
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: SERVER_ROOT,
    env: { ...inherited, ...env },
    // A group of its own: one kill reaches ffmpeg too, and a Ctrl-C of the test run does not.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${script}`);
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    // Bounded: a long benchmark run must not grow the test process without end.
    output = (output + chunk.toString('utf8')).slice(-2_000_000);
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<ProcessExit>((resolve) =>
    child.once('exit', (code, signal) => {
      for (const listener of listeners) listener();
      resolve({ code, signal });
    }),
  );
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    started.delete(server);
  });

  const server: ServerProcess = {
    pid,
    output: () => output,
    exited,
    waitForOutput(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) return finish(() => resolve(match));
          if (hasExited || child.exitCode !== null || child.signalCode !== null) {
            return finish(() => reject(new Error(`${script} exited before ${pattern}:\n${tail(output)}`)));
          }
        };
        const timer = setTimeout(
          () =>
            finish(() => reject(new Error(`${script}: no ${pattern} in ${timeoutMs} ms:\n${tail(output)}`))),
          timeoutMs,
        );
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    async stop() {
      if (!hasExited) child.kill('SIGTERM');
      return exited;
    },
    async killGroup() {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
      await exited;
      await waitUntil(async () => (await processesInGroup(pid)).length === 0, 10_000, `process group ${pid}`);
    },
  };
  started.add(server);
  return server;
}

/** Kills every process group this module started that is still running (cleanup after a failure). */
export async function killAllStartedServers(): Promise<void> {
  await Promise.all([...started].map((server) => server.killGroup()));
}

/** SIGKILL to every process group this module started, without waiting (exit and signal handlers). */
export function killAllStartedServersNow(): void {
  for (const server of started) {
    try {
      process.kill(-server.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

// A last resort if the test or benchmark process exits without cleaning up: no orphaned server keeps running.
process.once('exit', killAllStartedServersNow);

/** The server prints `Rosin is listening on http://…`; resolves with that base URL. */
export async function waitForListening(server: ServerProcess, timeoutMs = 120_000): Promise<string> {
  const match = await server.waitForOutput(/listening on (http:\/\/[^\s"]+)/, timeoutMs);
  return match[1]!;
}

/**
 * A TCP port free right now on 127.0.0.1. The server must be told its port up front (PORT=0 would leave the
 * local storage driver signing URLs for port 0), so the port is found first and handed over.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

export interface ProcessInfo {
  pid: number;
  /** Its command line, one argument per entry. */
  args: string[];
}

/**
 * The live processes of a process group (zombies excluded: a killed ffmpeg whose new parent has not reaped it
 * yet runs no more). Read from /proc, so it sees only this machine's processes of that group, never those of
 * another test run on the same machine.
 */
export async function processesInGroup(pgid: number): Promise<ProcessInfo[]> {
  const found: ProcessInfo[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // `pid (comm) state ppid pgrp …`: comm may contain spaces and parentheses, so split after the last ')'.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) !== pgid || state === 'Z') continue;
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8');
      found.push({ pid: Number(entry), args: cmdline.split('\0').filter(Boolean) });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/**
 * The live direct children of a process (e.g. the ffmpeg and ffprobe runs of a server), from
 * /proc/<pid>/task/<tid>/children: cheap enough to poll every few tens of milliseconds during a benchmark.
 */
export async function childProcesses(pid: number): Promise<ProcessInfo[]> {
  const children: ProcessInfo[] = [];
  let tasks: string[];
  try {
    tasks = await readdir(`/proc/${pid}/task`);
  } catch {
    return children; // gone
  }
  for (const task of tasks) {
    const listed = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
    for (const child of listed.split(' ').filter(Boolean)) {
      try {
        const cmdline = await readFile(`/proc/${child}/cmdline`, 'utf8');
        if (cmdline) children.push({ pid: Number(child), args: cmdline.split('\0').filter(Boolean) });
      } catch {
        // ended while we looked
      }
    }
  }
  return children;
}

let clockTicksPerSecond: number | undefined;

/** CPU time (user + system) a process has used so far in seconds, or undefined once it is gone. */
export async function cpuSeconds(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // After `pid (comm) `: state is field 3, utime and stime are fields 14 and 15 of the whole line.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    clockTicksPerSecond ??= clockTicks();
    return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
  } catch {
    return undefined;
  }
}

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100; // USER_HZ on every mainstream Linux build
  }
}

/** Resident set size of a process in bytes (VmRSS), or undefined once it is gone. */
export function residentBytes(pid: number): Promise<number | undefined> {
  return statusBytes(pid, 'VmRSS');
}

/** The highest resident set size the process has had so far (VmHWM): catches peaks between samples. */
export function peakResidentBytes(pid: number): Promise<number | undefined> {
  return statusBytes(pid, 'VmHWM');
}

async function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(status)?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

/** Polls `condition` every 100 ms until it holds; throws after `timeoutMs` naming `what`. */
export async function waitUntil(
  condition: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function tail(text: string): string {
  return text.slice(-8_000);
}
