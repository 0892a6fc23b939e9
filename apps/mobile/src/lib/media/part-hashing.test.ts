/**
 * @jest-environment node
 */
import { UPLOAD_PART_SIZE_BYTES } from '@rosin/contracts/uploads';
import { base64ToHex, bytesToBase64 } from './base64';
import { etagFromMd5, hashVideoParts, md5Base64 } from './part-hashing';

describe('part hashing', () => {
  it('gives the base64 MD5 that Content-MD5 carries, and the ETag S3 answers', () => {
    const abc = Uint8Array.from('abc', (char) => char.charCodeAt(0));
    expect(md5Base64(abc)).toBe('kAFQmDzST7DWlj99KOF/cg==');
    expect(etagFromMd5('kAFQmDzST7DWlj99KOF/cg==')).toBe('"900150983cd24fb0d6963f7d28e17f72"');
  });

  it('hashes a view into a larger buffer by its own bytes only', () => {
    const buffer = Uint8Array.from('xxabcxx', (char) => char.charCodeAt(0));
    expect(md5Base64(buffer.subarray(2, 5))).toBe('kAFQmDzST7DWlj99KOF/cg==');
  });

  it('splits a file into 8 MiB parts, the last one shorter', async () => {
    const ranges: [number, number][] = [];
    const size = UPLOAD_PART_SIZE_BYTES * 2 + 5;
    const md5s = await hashVideoParts(size, async (start, end) => {
      ranges.push([start, end]);
      return new Uint8Array(4);
    });
    expect(md5s).toHaveLength(3);
    expect(ranges).toEqual([
      [0, UPLOAD_PART_SIZE_BYTES],
      [UPLOAD_PART_SIZE_BYTES, UPLOAD_PART_SIZE_BYTES * 2],
      [UPLOAD_PART_SIZE_BYTES * 2, size],
    ]);
  });

  it('round-trips base64 and hex', () => {
    const bytes = Uint8Array.from([0, 1, 2, 250, 251, 252, 253]);
    const base64 = bytesToBase64(bytes);
    expect(base64).toBe('AAEC+vv8/Q==');
    expect(base64ToHex(base64)).toBe('000102fafbfcfd');
  });
});
