import { z } from 'zod';

/**
 * Every outbox event type and the schema of its payload. Payloads carry ids, not copies of rows: a subscriber's
 * job reads the current state when it runs. Add a type here before appending it; change a payload only in
 * backward-compatible ways (events written by the previous release may still be pending).
 */
export const outboxEventSchemas = {
  /** A practice session's recording finished uploading (aggregate: the session). Starts the media pipeline. */
  'video.uploaded': z.object({
    sessionId: z.uuid(),
    studentId: z.uuid(),
    videoId: z.uuid(),
    objectKey: z.string().min(1),
  }),
  /**
   * A practice session was created, deleted, or changed its times or focus (aggregate: the session). `days` are the
   * UTC days whose rollups it touches: its start day before and after the change. The analytics rollups follow.
   */
  'practice_session.changed': z.object({
    sessionId: z.uuid(),
    studentId: z.uuid(),
    days: z.array(z.iso.date()).min(1).max(2),
  }),
  /** A session's metrics were written (aggregate: the session). Daily rollups and notifications follow. */
  metrics_ready: z.object({
    sessionId: z.uuid(),
    studentId: z.uuid(),
    analysisVersion: z.string().min(1),
  }),
} satisfies Record<string, z.ZodType<Record<string, unknown>>>;

export type OutboxEventType = keyof typeof outboxEventSchemas;
export type OutboxEventPayload<T extends OutboxEventType> = z.output<(typeof outboxEventSchemas)[T]>;

export function isOutboxEventType(type: string): type is OutboxEventType {
  return Object.hasOwn(outboxEventSchemas, type);
}

/** An event to append. */
export interface NewOutboxEvent<T extends OutboxEventType = OutboxEventType> {
  type: T;
  /** The row the event is about (e.g. the practice session); uuid. */
  aggregateId: string;
  payload: OutboxEventPayload<T>;
}

/** An event as subscribers receive it. */
export interface OutboxEvent<T extends OutboxEventType = OutboxEventType> extends NewOutboxEvent<T> {
  /** Increasing with insertion order; part of dedupe keys. */
  id: string;
  createdAt: Date;
  /** Earlier deliveries that failed (0 on the first). */
  attempts: number;
}
