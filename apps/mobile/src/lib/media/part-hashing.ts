import { UPLOAD_PART_SIZE_BYTES, uploadPartCount, uploadPartRange } from '@rosin/contracts/uploads';
import SparkMD5 from 'spark-md5';
import { base64ToHex, bytesToBase64, hexToBytes } from './base64';

/** Reads the bytes [start, end) of a stored video. */
export type ReadRange = (start: number, end: number) => Promise<Uint8Array>;

/** MD5 of one part as S3's Content-MD5 wants it: base64 of the 16 raw bytes. */
export function md5Base64(bytes: Uint8Array): string {
  const view = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
  return bytesToBase64(hexToBytes(SparkMD5.ArrayBuffer.hash(view.buffer as ArrayBuffer)));
}

/** The ETag S3 (and the local store) answers for a part: its MD5 in hex, quoted. */
export function etagFromMd5(md5: string): string {
  return `"${base64ToHex(md5)}"`;
}

/**
 * Hashes a video in 8 MiB parts, one part in memory at a time (the contract's part size: each part URL is
 * signed for its checksum). Reports progress after each part.
 */
export async function hashVideoParts(
  sizeBytes: number,
  read: ReadRange,
  onProgress?: (fraction: number) => void,
): Promise<string[]> {
  const count = uploadPartCount(sizeBytes);
  const md5s: string[] = [];
  for (let part = 1; part <= count; part++) {
    const { start, end } = uploadPartRange(sizeBytes, part);
    md5s.push(md5Base64(await read(start, end)));
    onProgress?.(Math.min(1, (part * UPLOAD_PART_SIZE_BYTES) / sizeBytes));
  }
  return md5s;
}
