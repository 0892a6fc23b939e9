import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AnalysisInputError } from '../errors';
import { analyzeMediaFile } from '../media/analyze-media-file';

const USAGE = 'usage: npm run --silent analyze -- <media file> [--sensors <sensor json>]';

// npm runs workspace scripts inside the package directory; resolve paths against the directory
// the user typed the command in.
const cwd = process.env.INIT_CWD ?? process.cwd();

/** Print exactly one JSON object on success; on failure one line on stderr and exit code 1. */
async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: { sensors: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new AnalysisInputError(USAGE);
  const result = await analyzeMediaFile(resolve(cwd, positionals[0]!), {
    sensorsPath: values.sensors ? resolve(cwd, values.sensors) : undefined,
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  // One line, whatever the underlying tool printed.
  process.stderr.write(`analyze: ${message.replace(/\s+/g, ' ').trim()}\n`);
  process.exitCode = 1;
});
