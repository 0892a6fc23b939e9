import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { Kysely, PGliteDialect, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { APP_ROLE } from './app-role';
import { acquireDataDirLock } from './embedded-lock';
import { migrateToLatest } from './migrator';
import type { DB } from './schema';

export type Tx = Transaction<DB>;
export type DatabaseDriver = 'pglite' | 'postgres';

/**
 * The only way domain code reaches the database. Every call is one transaction that first drops to the
 * application role and sets its principal with transaction-local settings (`set_config(…, true)`), so
 * row-level security decides what the SQL sees and nothing leaks to the next user of a pooled connection.
 */
export class Database {
  constructor(
    /** Connects as the schema owner. Only migrations and tests use it directly. */
    readonly owner: Kysely<DB>,
    readonly driver: DatabaseDriver,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  /** Work on behalf of a signed-in user: policies see `app_user_id()`. */
  asUser<T>(userId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.inTransaction(userId, false, work);
  }

  /**
   * Trusted server work with no user behind it (job runner, outbox, login lookups before a user is known).
   * Each call site is a deliberate exception: grep for `asSystem` to review them.
   */
  asSystem<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.inTransaction('', true, work);
  }

  /** The application role with no principal: sees no personal rows. */
  asAnonymous<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.inTransaction('', false, work);
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.owner);
  }

  migrate(): Promise<string[]> {
    return migrateToLatest(this.owner as Kysely<unknown>);
  }

  close(): Promise<void> {
    return this.onClose();
  }

  private inTransaction<T>(userId: string, system: boolean, work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.owner.transaction().execute(async (tx) => {
      await sql`select set_config('role', ${APP_ROLE}, true), set_config('app.user_id', ${userId}, true),
                       set_config('app.system', ${system ? 'on' : 'off'}, true)`.execute(tx);
      return work(tx);
    });
  }
}

export interface EmbeddedDatabaseOptions {
  /** Directory for the PGlite files; undefined keeps the database in memory (tests). */
  dataDir?: string;
}

export async function openEmbeddedDatabase(options: EmbeddedDatabaseOptions = {}): Promise<Database> {
  let releaseLock = () => {};
  let dataPath: string | undefined;
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    releaseLock = acquireDataDirLock(join(options.dataDir, 'pglite.lock'));
    dataPath = join(options.dataDir, 'pgdata');
  }
  try {
    const pglite = await PGlite.create(dataPath, { extensions: { pg_trgm, unaccent } });
    const kysely = new Kysely<DB>({ dialect: new PGliteDialect({ pglite }) });
    return new Database(kysely, 'pglite', async () => {
      await kysely.destroy();
      releaseLock();
    });
  } catch (error) {
    releaseLock();
    throw error;
  }
}

export function openPostgresDatabase(
  connectionString: string,
  poolSize = 10,
  onIdleConnectionError: (error: Error) => void = () => {},
): Database {
  const pool = new pg.Pool({ connectionString, max: poolSize });
  // An idle connection the server closes (restart, failover, `pg_terminate_backend`) surfaces here. The pool
  // has already discarded it and opens a fresh one on the next checkout; unhandled, it would crash the process.
  pool.on('error', (error) => onIdleConnectionError(error));
  const kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return new Database(kysely, 'postgres', () => kysely.destroy());
}
