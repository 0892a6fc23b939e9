#!/usr/bin/env node
// Builds the web export (apps/mobile/dist) only when it is missing or older than what goes into it, so
// `npm start` stays fast when nothing changed. Inputs: the app's sources and config, the contracts, the lockfile.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(appDir, '../..');
const distDir = join(appDir, 'dist');
const stamp = join(distDir, '.build-stamp');

const inputs = [
  join(appDir, 'src'),
  join(appDir, 'app.json'),
  join(appDir, 'assets'),
  join(appDir, 'metro.config.js'),
  join(appDir, 'babel.config.js'),
  join(appDir, 'package.json'),
  join(repoRoot, 'packages/contracts/src'),
  join(repoRoot, 'package-lock.json'),
];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

const builtAt = existsSync(stamp) && existsSync(join(distDir, 'index.html')) ? statSync(stamp).mtimeMs : 0;
const changedAt = Math.max(...inputs.map(newestMtime));
if (builtAt > changedAt && !process.argv.includes('--force')) {
  console.log('web app: build is up to date (apps/mobile/dist)');
  process.exit(0);
}

console.log('web app: building the web export into apps/mobile/dist (takes a minute or two)…');
const started = Date.now();
const result = spawnSync('npx', ['expo', 'export', '--platform', 'web', '--output-dir', 'dist'], {
  cwd: appDir,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, CI: '1', EXPO_NO_TELEMETRY: '1' },
});
if (result.status !== 0) {
  console.error('web app: the web export failed');
  process.exit(result.status ?? 1);
}
writeFileSync(stamp, new Date().toISOString());
console.log(`web app: built in ${Math.round((Date.now() - started) / 1000)} s`);
