/**
 * @jest-environment node
 */
import type { OutboxItem } from '../../lib/outbox/outbox-item';
import { localItemStatus, statusLabel } from './session-row-status';

const base: OutboxItem = {
  v: 1,
  id: '00000000-0000-4000-8000-000000000001',
  ownerId: 'u',
  createdAt: '2026-11-01T10:00:00.000Z',
  draft: { focus: 'scales', startTs: 'a', endTs: 'b', selfRating: null, note: '', tagIds: [] },
  video: { filename: 'v.mp4', contentType: 'video/mp4', sizeBytes: 1, partMd5s: ['a', 'b', 'c', 'd'] },
  sensors: null,
  phase: 'pending',
  sensorsSent: false,
  uploadId: null,
  confirmedParts: [],
  attempts: 0,
  nextAttemptAt: 0,
  lastError: null,
  failureReason: null,
};

describe('session row status', () => {
  it('says where a local session is on its way', () => {
    expect(statusLabel(localItemStatus({ ...base, phase: 'preparing' }, true))).toBe('Preparing video…');
    expect(statusLabel(localItemStatus(base, false))).toBe('Queued (offline)');
    expect(statusLabel(localItemStatus(base, true))).toBe('Queued');
    expect(
      statusLabel(
        localItemStatus({ ...base, uploadId: 'u1', confirmedParts: [{ partNumber: 1, etag: 'e' }] }, true),
      ),
    ).toBe('Uploading 25 %');
    expect(
      statusLabel(
        localItemStatus({ ...base, lastError: 'No connection', nextAttemptAt: 2_000 }, true, 1_000),
      ),
    ).toBe('Waiting to retry: No connection');
    expect(localItemStatus({ ...base, phase: 'failed', failureReason: 'Bad' }, true)).toEqual({
      kind: 'failed',
      reason: 'Bad',
      canRetry: true,
    });
  });
});
