#!/usr/bin/env node
// `npm run mobile`: the Expo dev server for Expo Go, with the app pointed at the API on this machine's LAN
// address (a phone cannot reach 127.0.0.1). EXPO_PUBLIC_API_URL wins when set; the API must listen on the LAN
// too: `HOST=0.0.0.0 npm start`.
import { spawn } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function lanAddress() {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return '127.0.0.1';
}

const apiUrl = process.env.EXPO_PUBLIC_API_URL || `http://${lanAddress()}:${process.env.PORT || 3000}`;
console.log(`Rosin app → API at ${apiUrl} (start the API with HOST=0.0.0.0 npm start)`);
const child = spawn('npx', ['expo', 'start', ...process.argv.slice(2)], {
  cwd: appDir,
  stdio: 'inherit',
  env: { ...process.env, EXPO_PUBLIC_API_URL: apiUrl },
});
child.on('exit', (code) => process.exit(code ?? 0));
