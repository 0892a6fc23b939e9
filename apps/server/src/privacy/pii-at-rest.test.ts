import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backends } from '../../test/backends';
import { randomSecrets } from '../crypto/keys';
import { DEMO_ACCOUNTS, seedDemoDataIfEmpty } from '../demo/seed-demo-data';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const secretsOf = (text: string) =>
  DEMO_ACCOUNTS.flatMap((account) => [account.email, account.phone]).filter((needle) =>
    text.includes(needle),
  );

describe.each(backends)('PII at rest on $name', (backend) => {
  it('leaves no plaintext email or phone in the stored database', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rosin-pii-'));
    try {
      const opened = await backend.open({ dataDir });
      await seedDemoDataIfEmpty(opened.db, randomSecrets());
      let stored: string;
      if (opened.connectionString) {
        // A real pg_dump, as an attacker with a backup would have it.
        stored = execFileSync('pg_dump', ['--no-owner', '--data-only', opened.connectionString], {
          encoding: 'utf8',
          maxBuffer: 64 << 20,
        });
        await opened.close();
      } else {
        await opened.close(); // checkpoint: everything is on disk, WAL included
        stored = filesUnder(dataDir)
          .map((file) => readFileSync(file).toString('latin1'))
          .join('\n');
      }
      expect(stored).toContain('Clara Schumann'); // the dump holds the seeded rows…
      expect(secretsOf(stored)).toEqual([]); // …but none of their emails or phones
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
