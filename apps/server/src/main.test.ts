import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from './demo/seed-demo-data';

const serverRoot = fileURLToPath(new URL('..', import.meta.url));
const cleanEnv = () => {
  // The process under test must start in the embedded default, whatever the test runner's environment says.
  const env = { ...process.env };
  for (const name of [
    'DATABASE_URL',
    'REDIS_URL',
    'S3_ENDPOINT',
    'JWT_SECRET',
    'PII_ENCRYPTION_KEYS',
    'BLIND_INDEX_KEY',
  ]) {
    delete env[name];
  }
  return env;
};

function waitForListening(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 90_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[^\s"]+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
}

describe('the server process (npm start)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rosin-main-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts on an empty DATA_DIR with demo data, serves, and shuts down cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: serverRoot,
      env: { ...cleanEnv(), DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info' },
    });
    let logs = '';
    child.stdout.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    const base = await waitForListening(child);

    const login = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'teacher@rosin.demo', password: DEMO_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const students = await fetch(`${base}/students`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(((await students.json()) as { students: unknown[] }).students).toHaveLength(2);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/docs`)).status).toBe(200);

    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);
    expect(existsSync(join(dataDir, 'keys.json'))).toBe(true);
    // Secrets and tokens never reach the log.
    expect(logs).toContain('Seeded demo data');
    expect(logs).not.toContain(accessToken);
    expect(logs).not.toMatch(/"password"\s*:\s*"[^[]/);
  });

  it('refuses to start with a bad variable and names it', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: serverRoot,
      env: { ...cleanEnv(), DATA_DIR: dataDir, PORT: 'eighty' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/PORT/);
  });
});
