import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite serves one process and has no file lock of its own: two processes on one data directory silently
 * lose writes. This exclusive lock file (O_EXCL, holding our pid) makes the second process fail loudly.
 * A lock left by a process that no longer exists (kill -9) is taken over; a live holder, even this very
 * process, is refused.
 */
export function acquireDataDirLock(lockPath: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
      if (Number.isInteger(holder) && isProcessAlive(holder)) {
        throw new DataDirLockedError(
          `The embedded database in ${lockPath.replace(/\/[^/]+$/, '')} is in use by process ${holder}. ` +
            'PGlite serves one process at a time: stop that process, or set DATA_DIR to another directory ' +
            '(or DATABASE_URL for PostgreSQL, which serves many).',
        );
      }
      rmSync(lockPath, { force: true }); // stale: its process is gone
    }
  }
  throw new DataDirLockedError(`Could not take the lock ${lockPath}`);
}
