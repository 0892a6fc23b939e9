import type { OutboxItem } from './outbox-item';
import type { OutboxStore } from './outbox-ports';

/** An OutboxStore in a Map (tests; the model test keeps one across simulated restarts, like a disk). */
export function createMemoryOutboxStore(): OutboxStore & { snapshot(): OutboxItem[] } {
  const rows = new Map<string, string>();
  return {
    list: async () => [...rows.values()].map((row) => JSON.parse(row) as OutboxItem),
    get: async (id) => {
      const row = rows.get(id);
      return row ? (JSON.parse(row) as OutboxItem) : null;
    },
    put: async (item) => {
      rows.set(item.id, JSON.stringify(item));
    },
    remove: async (id) => {
      rows.delete(id);
    },
    snapshot: () => [...rows.values()].map((row) => JSON.parse(row) as OutboxItem),
  };
}
