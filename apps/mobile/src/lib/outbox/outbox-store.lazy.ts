import type { SqlDatabase } from '../db/device-database';
import type { OutboxStore } from './outbox-ports';
import { createSqliteOutboxStore } from './outbox-store.sqlite';

/** The SQLite store, opening (and migrating) the database on first use. */
export function createLazySqliteOutboxStore(open: () => Promise<SqlDatabase>): OutboxStore {
  let store: Promise<OutboxStore> | null = null;
  const get = () => (store ??= open().then(createSqliteOutboxStore));
  return {
    list: async () => (await get()).list(),
    get: async (id) => (await get()).get(id),
    put: async (item) => (await get()).put(item),
    remove: async (id) => (await get()).remove(id),
  };
}
