import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { backends } from '../../test/backends';

const postgres = backends.find((backend) => backend.name === 'postgres');

describe.runIf(postgres)('the PostgreSQL pool', () => {
  it('survives the server closing its idle connections', async () => {
    const opened = await postgres!.open();
    try {
      // Check out several connections so the pool holds idle ones, then have the server kill them.
      await Promise.all(
        [1, 2, 3].map(() => opened.db.asAnonymous((tx) => sql`select pg_sleep(0.05)`.execute(tx))),
      );
      const killed = await sql<{ n: number }>`
        select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid()`.execute(opened.db.owner);
      expect(killed.rows[0]?.n).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await expect(opened.db.ping()).resolves.toBeUndefined();
    } finally {
      await opened.close();
    }
  });
});
