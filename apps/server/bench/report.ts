import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** Shared by the media benchmarks: the machine they ran on and their section of docs/benchmarks.md. */

export const BENCHMARKS_MD = fileURLToPath(new URL('../../../docs/benchmarks.md', import.meta.url));

const run = promisify(execFile);

/** Output of a command, or undefined if it is not there (the machine summary is best effort). */
async function commandOutput(command: string, args: string[]): Promise<string | undefined> {
  try {
    return (await run(command, args)).stdout;
  } catch {
    return undefined;
  }
}

/** `lscpu` / `nproc` / `free -m` summarised, plus Node, ffmpeg and the load average at `loadAverage`. */
export async function machineSummary(loadAverage: number[]): Promise<string[]> {
  const lscpu = (await commandOutput('lscpu', [])) ?? '';
  const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(lscpu)?.[1]?.trim();
  const cpuModel = field('Model name') ?? os.cpus()[0]?.model ?? 'unknown';
  const nproc = (await commandOutput('nproc', []))?.trim() ?? String(os.availableParallelism());
  const free = (await commandOutput('free', ['-m'])) ?? '';
  const memory = /^Mem:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(free);
  const ffmpeg = (await commandOutput('ffmpeg', ['-version']))?.split('\n')[0]?.replace(/ Copyright.*/, '');
  const threads = field('Thread\\(s\\) per core');
  return [
    `- CPU (lscpu): ${cpuModel}; ${nproc} logical CPUs (nproc)${threads ? `, ${threads} thread(s) per core` : ''}`,
    memory
      ? `- Memory (free -m): ${memory[1]} MB total, ${memory[6]} MB available when the run started`
      : `- Memory: ${Math.round(os.totalmem() / 2 ** 20)} MB total`,
    `- OS: ${os.type()} ${os.release()} (${os.arch()}); Node ${process.version}; ${ffmpeg ?? 'ffmpeg unknown'}`,
    `- Load average when the run started (1/5/15 min): ${loadAverage.map((value) => value.toFixed(2)).join(' / ')}`,
  ];
}

/** A Markdown table laid out the way Prettier lays it out, so `prettier --check` passes. */
export function markdownTable(header: string[], align: ('left' | 'right')[], body: string[][]): string {
  const widths = header.map((cell, i) => Math.max(3, cell.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => (align[i] === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (align[i] === 'right' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...body.map(line)].join('\n');
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Replaces the section that starts with `heading` (up to the next `## ` heading), keeping every other one. */
export async function writeSection(heading: string, text: string): Promise<void> {
  const existing = await readFile(BENCHMARKS_MD, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing === undefined) {
    await writeFile(BENCHMARKS_MD, `# Benchmarks\n\n${text}`);
    return;
  }
  const lines = existing.split('\n');
  const start = lines.findIndex((line) => line.trimEnd() === heading);
  if (start === -1) {
    await writeFile(BENCHMARKS_MD, `${existing.trimEnd()}\n\n${text}`);
    return;
  }
  let end = lines.findIndex((line, i) => i > start && /^##\s/.test(line));
  if (end === -1) end = lines.length;
  const before = lines.slice(0, start).join('\n').trimEnd();
  const after = lines.slice(end).join('\n').trim();
  await writeFile(BENCHMARKS_MD, [before, text.trimEnd(), after].filter(Boolean).join('\n\n') + '\n');
}

export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}
