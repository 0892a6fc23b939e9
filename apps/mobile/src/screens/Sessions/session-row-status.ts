import type { PracticeSession } from '@rosin/contracts/sessions';
import { uploadedFraction, type OutboxItem } from '../../lib/outbox/outbox-item';

/** What a row of the sessions list says about a session, wherever it is on its way. */
export type SessionRowStatus =
  | { kind: 'preparing' }
  | { kind: 'queued'; offline: boolean; retrying: string | null }
  | { kind: 'uploading'; percent: number }
  | { kind: 'awaiting_upload' }
  | { kind: 'processing' }
  | { kind: 'ready' }
  | { kind: 'failed'; reason: string; canRetry: boolean };

export function localItemStatus(
  item: OutboxItem,
  online: boolean,
  now: number = Date.now(),
): SessionRowStatus {
  if (item.phase === 'preparing') return { kind: 'preparing' };
  if (item.phase === 'failed') {
    return { kind: 'failed', reason: item.failureReason ?? 'The upload failed', canRetry: true };
  }
  if (item.phase === 'done') return { kind: 'processing' };
  if (!online) return { kind: 'queued', offline: true, retrying: null };
  if (item.lastError && item.nextAttemptAt > now)
    return { kind: 'queued', offline: false, retrying: item.lastError };
  if (item.uploadId) return { kind: 'uploading', percent: Math.floor(uploadedFraction(item) * 100) };
  return { kind: 'queued', offline: false, retrying: null };
}

export function serverSessionStatus(session: PracticeSession): SessionRowStatus {
  switch (session.status) {
    case 'awaiting_upload':
      return { kind: 'awaiting_upload' };
    case 'processing':
      return { kind: 'processing' };
    case 'ready':
      return { kind: 'ready' };
    case 'failed':
      return { kind: 'failed', reason: session.failureReason ?? 'Processing failed', canRetry: false };
  }
}

export function statusLabel(status: SessionRowStatus): string {
  switch (status.kind) {
    case 'preparing':
      return 'Preparing video…';
    case 'queued':
      if (status.offline) return 'Queued (offline)';
      return status.retrying ? `Waiting to retry: ${status.retrying}` : 'Queued';
    case 'uploading':
      return `Uploading ${status.percent} %`;
    case 'awaiting_upload':
      return 'Waiting for the video';
    case 'processing':
      return 'Processing';
    case 'ready':
      return 'Ready';
    case 'failed':
      return `Failed: ${status.reason}`;
  }
}
