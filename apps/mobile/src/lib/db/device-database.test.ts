/**
 * @jest-environment node
 */
import { migrateDeviceDatabase, MIGRATIONS, type SqlDatabase } from './device-database';

function fakeDatabase(initialVersion: number) {
  let version = initialVersion;
  const executed: string[] = [];
  const db: SqlDatabase = {
    execAsync: async (sql) => {
      const pragma = /PRAGMA user_version = (\d+)/.exec(sql);
      if (pragma) version = Number(pragma[1]);
      else executed.push(sql);
    },
    runAsync: async () => undefined,
    getFirstAsync: async <T>() => ({ user_version: version }) as T,
    getAllAsync: async () => [],
    withTransactionAsync: async (task) => task(),
  };
  return { db, executed, version: () => version };
}

describe('device database migrations', () => {
  it('runs every migration on a new database, in order, and records the version', async () => {
    const fake = fakeDatabase(0);
    expect(await migrateDeviceDatabase(fake.db)).toBe(MIGRATIONS.at(-1)!.version);
    expect(fake.executed).toHaveLength(MIGRATIONS.length);
    expect(fake.executed[0]).toContain('CREATE TABLE IF NOT EXISTS outbox');
  });

  it('runs only the newer migrations on an existing database', async () => {
    const fake = fakeDatabase(1);
    await migrateDeviceDatabase(fake.db, [
      ...MIGRATIONS,
      { version: 2, sql: 'ALTER TABLE outbox ADD x TEXT' },
    ]);
    expect(fake.executed).toEqual(['ALTER TABLE outbox ADD x TEXT']);
    expect(fake.version()).toBe(2);
  });
});
