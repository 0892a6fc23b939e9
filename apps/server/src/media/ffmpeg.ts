import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface ToolRun {
  stdout: string;
  /** The last 4 kB: only the end explains a failure. */
  stderrTail: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Runs ffmpeg or ffprobe. `signal` kills the child (the job was handed to another worker or the process is
 * stopping). `extraOutputs[i]` receives what the tool writes to file descriptor 3 + i (`pipe:3`, `pipe:4`…), so
 * one decode can feed several consumers. A missing binary rejects with an error that names it: an operations
 * problem, never the user's file.
 */
export function runMediaTool(
  binary: 'ffmpeg' | 'ffprobe',
  args: string[],
  options: { signal?: AbortSignal; extraOutputs?: ((chunk: Buffer) => void)[] } = {},
): Promise<ToolRun> {
  const extraOutputs = options.extraOutputs ?? [];
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      stdio: ['ignore', 'pipe', 'pipe', ...extraOutputs.map(() => 'pipe' as const)],
      signal: options.signal,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderrTail = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      if (stdout.length < 1_000_000) stdout += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4000);
    });
    extraOutputs.forEach((consume, index) => {
      (child.stdio[3 + index] as Readable | null)?.on('data', consume);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') reject(new Error(`${binary} is not installed (not found on PATH)`));
      else if (error.name === 'AbortError') resolve({ stdout, stderrTail, code: null, signal: 'SIGKILL' });
      else reject(error);
    });
    child.on('close', (code, killedBy) => resolve({ stdout, stderrTail, code, signal: killedBy }));
  });
}
