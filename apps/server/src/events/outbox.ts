import { sql } from 'kysely';
import type { Tx } from '../db/database';
import { outboxEventSchemas, type NewOutboxEvent, type OutboxEventType } from './event-types';

/**
 * Writes an event into the transactional outbox as part of `tx`, the transaction that makes the change the
 * event announces: the event exists if and only if that change commits. `OutboxDispatcher` delivers it later.
 * Returns the event id.
 *
 * Row-level security lets a signed-in user (or system work) insert events but only system work read them, so
 * the id is drawn from the sequence first instead of read back with RETURNING.
 */
export async function appendEvent<T extends OutboxEventType>(
  tx: Tx,
  event: NewOutboxEvent<T>,
): Promise<string> {
  const payload = outboxEventSchemas[event.type].parse(event.payload);
  const { rows } = await sql<{
    id: string;
  }>`select nextval(pg_get_serial_sequence('outbox_events', 'id'))::text as id`.execute(tx);
  const id = rows[0]!.id;
  await tx
    .insertInto('outbox_events')
    .values({ id, event_type: event.type, aggregate_id: event.aggregateId, payload: JSON.stringify(payload) })
    .execute();
  return id;
}
