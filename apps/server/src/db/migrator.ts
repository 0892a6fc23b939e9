import type { Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import * as coreSchema from './migrations/0001_core_schema';
import * as rowLevelSecurity from './migrations/0002_row_level_security';
import * as uploadChecksums from './migrations/0003_upload_checksums';
import * as analytics from './migrations/0004_analytics';

/** Migrations are imported statically so they ship with the code and run in order of their names. */
const migrations: Record<string, Migration> = {
  '0001_core_schema': coreSchema,
  '0002_row_level_security': rowLevelSecurity,
  '0003_upload_checksums': uploadChecksums,
  '0004_analytics': analytics,
};

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };

export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? [])
    .filter((result) => result.status === 'Success')
    .map((result) => result.migrationName);
}
