import type { SqlDatabase } from '../db/device-database';
import { parseOutboxRecord, type OutboxItem } from './outbox-item';
import type { OutboxStore } from './outbox-ports';

/** Outbox items as JSON rows of the device database; a write is durable when its promise resolves. */
export function createSqliteOutboxStore(db: SqlDatabase): OutboxStore {
  const decode = (rows: { record: string }[]) =>
    rows.map((row) => parseOutboxRecord(JSON.parse(row.record))).filter((item): item is OutboxItem => !!item);
  return {
    list: async () =>
      decode(await db.getAllAsync<{ record: string }>('SELECT record FROM outbox ORDER BY created_at')),
    get: async (id) => decode(await db.getAllAsync('SELECT record FROM outbox WHERE id = ?', id))[0] ?? null,
    put: async (item) => {
      await db.runAsync(
        `INSERT INTO outbox (id, owner_id, created_at, record) VALUES (?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET record = excluded.record`,
        item.id,
        item.ownerId,
        item.createdAt,
        JSON.stringify(item),
      );
    },
    remove: async (id) => {
      await db.runAsync('DELETE FROM outbox WHERE id = ?', id);
    },
  };
}
