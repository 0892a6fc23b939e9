import { spawn } from 'node:child_process';
import { AnalysisInputError } from '../errors';

/**
 * Run ffmpeg/ffprobe and collect stdout as one Buffer. A missing binary becomes an
 * AnalysisInputError naming it, so the CLI can print a one-line reason.
 */
export function runBinary(
  binary: string,
  args: readonly string[],
): Promise<{ stdout: Buffer; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      // Keep only the tail: ffmpeg can be chatty and only the last lines explain a failure.
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new AnalysisInputError(`${binary} not found on PATH: install ffmpeg (it provides ${binary})`)
          : error,
      );
    });
    child.on('close', (code) => resolve({ stdout: Buffer.concat(chunks), stderr, code: code ?? 1 }));
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
