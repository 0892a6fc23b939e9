import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, type OpenBackend } from '../../test/backends';
import { randomSecrets } from '../crypto/keys';
import { seedDemoDataIfEmpty } from '../demo/seed-demo-data';
import { APP_ROLE } from './app-role';
import { tablePolicies } from './migrations/0002_row_level_security';
import { ANALYTICS_TABLES } from './migrations/0004_analytics';

// Bookkeeping of the migrator: holds no personal data and the app role has no privileges on it.
const TABLES_WITHOUT_RLS = ['kysely_migration', 'kysely_migration_lock'];
/** Every table a migration declares policies for. */
const PROTECTED_TABLES = [...Object.keys(tablePolicies), ...ANALYTICS_TABLES];

describe.each(backends)('row-level security on $name', (backend) => {
  let opened: OpenBackend;
  beforeAll(async () => {
    opened = await backend.open();
    await seedDemoDataIfEmpty(opened.db, randomSecrets());
  });
  afterAll(() => opened.close());

  it('enables and forces RLS on every application table', async () => {
    const { rows } = await sql<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>`
      select c.relname, c.relrowsecurity, c.relforcerowsecurity
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p')`.execute(opened.db.owner);
    const unprotected = rows
      .filter((row) => !TABLES_WITHOUT_RLS.includes(row.relname))
      .filter((row) => !row.relrowsecurity || !row.relforcerowsecurity)
      .map((row) => row.relname);
    expect(rows.length).toBeGreaterThan(25);
    expect(unprotected).toEqual([]);
    // Every table the migration declares policies for exists, and vice versa.
    const appTables = rows.map((row) => row.relname).filter((name) => !TABLES_WITHOUT_RLS.includes(name));
    expect(appTables.sort()).toEqual([...PROTECTED_TABLES].sort());
  });

  it('runs requests as a role that cannot bypass RLS and owns nothing', async () => {
    const { rows } = await sql<{ rolsuper: boolean; rolbypassrls: boolean; owned: number }>`
      select r.rolsuper, r.rolbypassrls,
             (select count(*)::int from pg_class c where c.relowner = r.oid) as owned
      from pg_roles r where r.rolname = ${APP_ROLE}`.execute(opened.db.owner);
    expect(rows).toEqual([{ rolsuper: false, rolbypassrls: false, owned: 0 }]);
    const current = await opened.db.asAnonymous((tx) =>
      sql<{ u: string }>`select current_user as u`.execute(tx),
    );
    expect(current.rows[0]?.u).toBe(APP_ROLE);
  });

  it('returns no personal rows when no user is set', async () => {
    const counts: Record<string, number> = {};
    for (const table of PROTECTED_TABLES) {
      const { rows } = await opened.db.asAnonymous((tx) =>
        sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(tx),
      );
      counts[table] = rows[0]?.n ?? -1;
    }
    expect(Object.entries(counts).filter(([, n]) => n !== 0)).toEqual([]);
    // …while the same tables do hold rows.
    const seeded = await opened.db.asSystem((tx) =>
      sql<{ n: number }>`select (select count(*) from users) + (select count(*) from practice_sessions)
                              + (select count(*) from metrics) + (select count(*) from forum_posts) as n`.execute(
        tx,
      ),
    );
    expect(Number(seeded.rows[0]?.n)).toBeGreaterThan(50);
  });

  it('keeps the principal transaction-local', async () => {
    const users = await opened.db.asSystem((tx) => tx.selectFrom('users').select('id').execute());
    const someone = users[0]!.id;
    await opened.db.asUser(someone, async (tx) => {
      const inside = await sql<{ u: string }>`select current_setting('app.user_id', true) as u`.execute(tx);
      expect(inside.rows[0]?.u).toBe(someone);
    });
    // The next transaction on a (possibly the same) pooled connection starts with nobody.
    for (let i = 0; i < 5; i++) {
      const after = await opened.db.asAnonymous((tx) =>
        sql<{ u: string | null; r: string }>`select nullif(current_setting('app.user_id', true), '') as u,
                                                   current_user as r`.execute(tx),
      );
      expect(after.rows[0]).toEqual({ u: null, r: APP_ROLE });
    }
  });

  it('lets students see only their own sessions and teachers only their linked students', async () => {
    const people = await opened.db.asSystem((tx) =>
      tx.selectFrom('user_roles').select(['user_id', 'role']).execute(),
    );
    const teacher = people.find((p) => p.role === 'teacher')!.user_id;
    const students = people.filter((p) => p.role === 'student').map((p) => p.user_id);
    expect(students).toHaveLength(2);
    const [ada, ben] = students as [string, string];

    const seenBy = (userId: string) =>
      opened.db.asUser(userId, (tx) =>
        tx.selectFrom('practice_sessions').select('student_id').distinct().execute(),
      );
    expect((await seenBy(ada)).map((r) => r.student_id)).toEqual([ada]);
    expect((await seenBy(ben)).map((r) => r.student_id)).toEqual([ben]);
    expect((await seenBy(teacher)).map((r) => r.student_id).sort()).toEqual([ada, ben].sort());

    // A student cannot write a session for someone else, even with a crafted insert.
    await expect(
      opened.db.asUser(ada, (tx) =>
        tx
          .insertInto('practice_sessions')
          .values({ student_id: ben, focus: 'scales', start_ts: new Date(), end_ts: new Date() })
          .execute(),
      ),
    ).rejects.toMatchObject({ code: '42501' });
    // Nor read another user's private row.
    const other = await opened.db.asUser(ada, (tx) =>
      tx.selectFrom('users').select('id').where('id', '=', ben).execute(),
    );
    expect(other).toEqual([]);
  });
});
