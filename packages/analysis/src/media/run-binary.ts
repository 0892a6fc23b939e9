import { spawn } from 'node:child_process';
import { AnalysisInputError } from '../errors';

export interface RunOptions {
  /** Aborting kills the process; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Receive stdout as it arrives instead of collecting it (the result's stdout is then empty), so a
   * long decode never sits in memory whole. An exception thrown here kills the process and rejects.
   */
  onStdout?: (chunk: Buffer) => void;
}

/**
 * Run ffmpeg/ffprobe and collect stdout as one Buffer. A missing binary becomes an
 * AnalysisInputError naming it, so the CLI can print a one-line reason.
 */
export function runBinary(
  binary: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<{ stdout: Buffer; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    const { signal, onStdout } = options;
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    const chunks: Buffer[] = [];
    let stderr = '';
    let failed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (failed) return;
      if (!onStdout) {
        chunks.push(chunk);
        return;
      }
      try {
        onStdout(chunk);
      } catch (error) {
        failed = true;
        child.kill('SIGKILL');
        reject(error);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      // Keep only the tail: ffmpeg can be chatty and only the last lines explain a failure.
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      failed = true;
      if (signal?.aborted) reject(signal.reason);
      else if (error.code === 'ENOENT')
        reject(new AnalysisInputError(`${binary} not found on PATH: install ffmpeg (it provides ${binary})`));
      else reject(error);
    });
    child.on('close', (code) => {
      if (failed) return;
      if (signal?.aborted) reject(signal.reason);
      else resolve({ stdout: Buffer.concat(chunks), stderr, code: code ?? 1 });
    });
  });
}

/** The last non-empty line of ffmpeg's stderr, for error messages. */
export function lastLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines[lines.length - 1] ?? 'unknown error';
}
