import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedDatabase } from './database';
import { acquireDataDirLock, DataDirLockedError } from './embedded-lock';

const serverRoot = fileURLToPath(new URL('../..', import.meta.url));

describe('the embedded database lock', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'rosin-lock-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('makes a second process on the same DATA_DIR fail with a clear message', async () => {
    const dataDir = tempDir();
    const db = await openEmbeddedDatabase({ dataDir });
    try {
      const second = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '-e',
          `import('./src/db/database.ts').then((m) => m.openEmbeddedDatabase({ dataDir: ${JSON.stringify(dataDir)} })).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(3); })`,
        ],
        { cwd: serverRoot, encoding: 'utf8', timeout: 60_000 },
      );
      expect(second.status).toBe(3);
      expect(second.stderr).toMatch(new RegExp(`in use by process ${process.pid}`));
    } finally {
      await db.close();
    }
    // Released on close: the directory opens again.
    const again = await openEmbeddedDatabase({ dataDir });
    await again.close();
  });

  it('takes over a lock left by a process that no longer exists', () => {
    const lockPath = join(tempDir(), 'pglite.lock');
    writeFileSync(lockPath, '999999999');
    const release = acquireDataDirLock(lockPath);
    expect(() => acquireDataDirLock(lockPath)).toThrow(DataDirLockedError); // now held by this live process
    release();
    acquireDataDirLock(lockPath)();
  });

  it('refuses a lock held by another live process', () => {
    const lockPath = join(tempDir(), 'pglite.lock');
    writeFileSync(lockPath, String(process.ppid));
    expect(() => acquireDataDirLock(lockPath)).toThrow(DataDirLockedError);
  });
});
