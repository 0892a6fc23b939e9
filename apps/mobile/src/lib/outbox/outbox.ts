import type { PracticeSession, SensorFile } from '@rosin/contracts/sessions';
import { uploadPartRange, type UploadPlan } from '@rosin/contracts/uploads';
import { ApiError, describeError, NetworkError, SignedOutError } from '../api/api-error';
import { etagFromMd5, hashVideoParts } from '../media/part-hashing';
import { backoffDelayMs, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';
import { OUTBOX_RECORD_VERSION, type OutboxItem, type OutboxVideo, type SessionDraft } from './outbox-item';
import type { OutboxClock, OutboxEvent, OutboxMedia, OutboxStore, OutboxTransport } from './outbox-ports';

export interface OutboxDependencies {
  store: OutboxStore;
  transport: OutboxTransport;
  media: OutboxMedia;
  clock: OutboxClock;
  /** NetInfo's word; while false nothing is attempted (and no attempt is counted). */
  isOnline: () => boolean;
  /** May this item be sent now? (Its owner is signed in as a student.) */
  canSend: (item: OutboxItem) => boolean;
  onEvent?: (event: OutboxEvent) => void;
  backoff?: BackoffPolicy;
  random?: () => number;
}

export interface EnqueueInput {
  id: string;
  ownerId: string;
  draft: SessionDraft;
  video: Omit<OutboxVideo, 'partMd5s'> | null;
  sensors: SensorFile | null;
}

/** Signed part URLs are refreshed this long before they expire, so a slow part does not start on a dead URL. */
const URL_EXPIRY_MARGIN_MS = 30_000;

/**
 * The offline outbox: practice sessions saved on this device reach the server exactly once, whatever happens
 * in between (no network, lost answers, app restarts, expired tokens or upload URLs).
 *
 * Every attempt starts by replaying `POST /sessions` with the item's own id. The server answers the same
 * session and a fresh upload plan listing the parts it already has, so the device never guesses what the
 * server holds: it sends the sensors, the missing parts (confirming each), and completes the upload. All
 * steps are idempotent on the server, so an attempt cut off anywhere is simply attempted again.
 *
 * Failures that time may fix (offline, 5xx, 429, expired links) back off exponentially and are retried for
 * ever; refusals that it will not (validation, checksum mismatch, forbidden, a vanished video) mark the item
 * `failed` with the reason, until the person retries.
 */
export class Outbox {
  private running: Promise<void> | null = null;
  private readonly listeners = new Set<(event: OutboxEvent) => void>();
  private again = false;
  private stopped = false;

  constructor(private readonly deps: OutboxDependencies) {}

  /** Writes the session to the store (the moment it is saved) and returns it; `kick()` sends it. */
  async enqueue(input: EnqueueInput): Promise<OutboxItem> {
    const item: OutboxItem = {
      v: OUTBOX_RECORD_VERSION,
      id: input.id,
      ownerId: input.ownerId,
      createdAt: new Date(this.deps.clock.now()).toISOString(),
      draft: input.draft,
      video: input.video ? { ...input.video, partMd5s: null } : null,
      sensors: input.sensors,
      phase: input.video ? 'preparing' : 'pending',
      sensorsSent: false,
      uploadId: null,
      confirmedParts: [],
      attempts: 0,
      nextAttemptAt: 0,
      lastError: null,
      failureReason: null,
    };
    await this.save(item);
    return item;
  }

  /** Every change to an item, and its delivery (the app mirrors them into Redux and the query cache). */
  subscribe(listener: (event: OutboxEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async list(): Promise<OutboxItem[]> {
    return this.deps.store.list();
  }

  /** A failed (or backing-off) item is tried again now. */
  async retry(id: string): Promise<void> {
    const item = await this.deps.store.get(id);
    if (!item || item.phase === 'done') return;
    await this.save({
      ...item,
      phase: item.video && !item.video.partMd5s ? 'preparing' : 'pending',
      attempts: 0,
      nextAttemptAt: 0,
      failureReason: null,
      lastError: null,
    });
  }

  /** Runs until every due item has been attempted once; concurrent calls share one run (plus one re-run). */
  runOnce(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.drain();
        } while (this.again && !this.stopped);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** When the next backed-off item becomes due (epoch ms), or null if none waits. */
  async nextDueAt(): Promise<number | null> {
    const items = await this.deps.store.list();
    const due = items
      .filter((item) => item.phase === 'pending' && this.deps.canSend(item))
      .map((item) => item.nextAttemptAt);
    return due.length > 0 ? Math.min(...due) : null;
  }

  /** Stops after the current step (sign-out, app shutdown). A stopped outbox does nothing more. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async drain(): Promise<void> {
    const items = (await this.deps.store.list()).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    for (const stored of items) {
      if (this.stopped) return;
      let item = stored;
      if (item.phase === 'done') {
        await this.cleanUp(item, null);
        continue;
      }
      if (item.phase === 'preparing') item = await this.prepare(item);
      if (item.phase !== 'pending' || !this.deps.canSend(item) || !this.deps.isOnline()) continue;
      if (item.nextAttemptAt > this.deps.clock.now()) continue;
      await this.attempt(item);
    }
  }

  /** Hashes the saved video in parts (offline is fine). */
  private async prepare(item: OutboxItem): Promise<OutboxItem> {
    const video = item.video;
    if (!video) return this.save({ ...item, phase: 'pending' });
    try {
      const partMd5s = await hashVideoParts(video.sizeBytes, (start, end) =>
        this.deps.media.read(item.id, start, end),
      );
      return await this.save({ ...item, phase: 'pending', video: { ...video, partMd5s } });
    } catch (error) {
      return this.save({
        ...item,
        phase: 'failed',
        failureReason: `The video could not be read on this device (${describeError(error)})`,
      });
    }
  }

  private async attempt(initial: OutboxItem): Promise<void> {
    let item = initial;
    try {
      const video = item.video;
      const answer = await this.deps.transport.createSession({
        id: item.id,
        ...item.draft,
        video: video ? { ...video, partMd5s: video.partMd5s ?? [] } : null,
        hasSensors: item.sensors !== null,
      });
      const plan = answer.upload;
      if (!video || !plan || plan.status === 'completed' || answer.session.status !== 'awaiting_upload') {
        await this.cleanUp(item, answer.session);
        return;
      }
      item = await this.save({ ...item, uploadId: plan.id, confirmedParts: plan.confirmedParts });

      if (item.sensors && !item.sensorsSent) {
        await this.deps.transport.uploadSensors(item.id, item.sensors);
        item = await this.save({ ...item, sensorsSent: true });
      }

      item = await this.uploadMissingParts(item, video, plan);
      const parts = [...item.confirmedParts].sort((a, b) => a.partNumber - b.partNumber);
      await this.deps.transport.completeUpload(plan.completeUrl, parts);
      await this.cleanUp(item, { ...answer.session, status: 'processing' });
    } catch (error) {
      await this.recordFailure(item, error);
    }
  }

  private async uploadMissingParts(item: OutboxItem, video: OutboxVideo, initialPlan: UploadPlan) {
    let plan = initialPlan;
    const md5s = video.partMd5s ?? [];
    for (const missing of initialPlan.parts) {
      if (this.stopped) throw new NetworkError('Stopped');
      if (item.confirmedParts.some((part) => part.partNumber === missing.partNumber)) continue;
      let request = missing;
      if (this.deps.clock.now() >= Date.parse(plan.urlsExpireAt) - URL_EXPIRY_MARGIN_MS) {
        plan = await this.deps.transport.getUpload(plan.id);
        item = await this.save({ ...item, confirmedParts: plan.confirmedParts });
        const fresh = plan.parts.find((part) => part.partNumber === missing.partNumber);
        if (!fresh) continue;
        request = fresh;
      }
      const { start, end } = uploadPartRange(video.sizeBytes, request.partNumber);
      const bytes = await this.deps.media.read(item.id, start, end);
      const answered = await this.deps.transport.putPart(request, bytes);
      // Browsers only see S3's ETag if the bucket exposes it; S3's part ETag is the quoted MD5 hex anyway.
      const etag = answered ?? etagFromMd5(md5s[request.partNumber - 1] ?? '');
      await this.deps.transport.confirmPart(plan.id, request.partNumber, etag);
      item = await this.save({
        ...item,
        confirmedParts: [
          ...item.confirmedParts.filter((part) => part.partNumber !== request.partNumber),
          { partNumber: request.partNumber, etag },
        ],
      });
    }
    return item;
  }

  /** Delivered: forget the local copy (idempotent, so a crash half-way is finished on the next run). */
  private async cleanUp(item: OutboxItem, session: PracticeSession | null): Promise<void> {
    if (item.phase !== 'done') await this.save({ ...item, phase: 'done', lastError: null });
    await this.deps.media.remove(item.id);
    await this.deps.store.remove(item.id);
    this.emit({ type: 'delivered', id: item.id, session });
    this.emit({ type: 'removed', id: item.id });
  }

  private async recordFailure(item: OutboxItem, error: unknown): Promise<void> {
    const message = describeError(error);
    // Read back: the step that failed may have saved progress after `item` was taken.
    const latest = (await this.deps.store.get(item.id)) ?? item;
    if (error instanceof SignedOutError) {
      await this.save({ ...latest, lastError: 'Sign in to upload' });
    } else if (isWorthRetrying(error)) {
      const attempts = latest.attempts + 1;
      await this.save({
        ...latest,
        attempts,
        nextAttemptAt:
          this.deps.clock.now() +
          backoffDelayMs(attempts, this.deps.backoff ?? DEFAULT_BACKOFF, this.deps.random),
        lastError: message,
      });
    } else {
      await this.save({ ...latest, phase: 'failed', failureReason: message, lastError: message });
    }
  }

  private async save(item: OutboxItem): Promise<OutboxItem> {
    await this.deps.store.put(item);
    this.emit({ type: 'changed', item });
    return item;
  }

  private emit(event: OutboxEvent): void {
    this.deps.onEvent?.(event);
    for (const listener of this.listeners) listener(event);
  }
}

/** Time may fix it: no answer, server trouble, rate limits, an expired (signed) link or token. */
export function isWorthRetrying(error: unknown): boolean {
  if (error instanceof NetworkError) return true;
  if (error instanceof ApiError) {
    if (error.isTransient) return true;
    if (error.status === 401) return true;
    if (error.code === 'LINK_EXPIRED') return true;
    // A presigned URL that stopped working (expired between plan and PUT): a fresh plan fixes it.
    return error.status === 403 && /expired/i.test(error.message);
  }
  return false;
}
