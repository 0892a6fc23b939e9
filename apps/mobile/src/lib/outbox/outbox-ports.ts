import type {
  CreateSessionRequest,
  CreateSessionResponse,
  PracticeSession,
  SensorFile,
} from '@rosin/contracts/sessions';
import type { ConfirmedPart, UploadPartRequest, UploadPlan } from '@rosin/contracts/uploads';
import type { OutboxItem } from './outbox-item';

/** What the outbox needs from the server (HTTP in the app: outbox-transport.http.ts; a fake in tests). */
export interface OutboxTransport {
  createSession(body: CreateSessionRequest): Promise<CreateSessionResponse>;
  uploadSensors(sessionId: string, sensors: SensorFile): Promise<void>;
  getUpload(uploadId: string): Promise<UploadPlan>;
  /** PUTs one part's bytes to its presigned URL; answers the ETag header if the store exposed it. */
  putPart(part: UploadPartRequest, bytes: Uint8Array): Promise<string | null>;
  confirmPart(uploadId: string, partNumber: number, etag: string): Promise<void>;
  completeUpload(completeUrl: string, parts: ConfirmedPart[]): Promise<void>;
}

/** Durable storage of outbox items (SQLite in the app). Every write is awaited before the next step. */
export interface OutboxStore {
  list(): Promise<OutboxItem[]>;
  get(id: string): Promise<OutboxItem | null>;
  put(item: OutboxItem): Promise<void>;
  remove(id: string): Promise<void>;
}

/** The saved video's bytes (a private copy the outbox owns until the upload completes). */
export interface OutboxMedia {
  read(sessionId: string, start: number, end: number): Promise<Uint8Array>;
  remove(sessionId: string): Promise<void>;
}

export interface OutboxClock {
  now(): number;
}

export type OutboxEvent =
  | { type: 'changed'; item: OutboxItem }
  | { type: 'removed'; id: string }
  /** The server has everything; `session` is its answer (status `processing`, or later if it was a replay). */
  | { type: 'delivered'; id: string; session: PracticeSession | null };
