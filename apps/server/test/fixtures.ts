import { UPLOAD_PART_SIZE_BYTES } from '@rosin/contracts/uploads';
import { contentMd5Base64 } from '../src/storage/object-storage';

/** A valid practice session body for POST /sessions, with any field overridden. */
export function practiceSessionBody(overrides: Record<string, unknown> = {}) {
  return {
    focus: 'scales',
    startTs: '2026-11-20T17:00:00.000Z',
    endTs: '2026-11-20T17:30:00.000Z',
    selfRating: 4,
    note: 'Three-octave G major, slow bows',
    ...overrides,
  };
}

/** The `video` declaration of POST /sessions for these bytes: size and one Content-MD5 per 8 MiB part. */
export function videoDeclaration(bytes: Uint8Array, overrides: Record<string, unknown> = {}) {
  const partMd5s: string[] = [];
  for (let start = 0; start < bytes.length || partMd5s.length === 0; start += UPLOAD_PART_SIZE_BYTES) {
    partMd5s.push(contentMd5Base64(bytes.subarray(start, start + UPLOAD_PART_SIZE_BYTES)));
  }
  return {
    filename: 'practice.mp4',
    contentType: 'video/mp4',
    sizeBytes: bytes.length,
    partMd5s,
    ...overrides,
  };
}
