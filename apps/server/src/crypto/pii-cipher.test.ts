import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PiiCipher } from './pii-cipher';

const key = () => randomBytes(32);

describe('PiiCipher', () => {
  const k1 = key();
  const cipher = new PiiCipher({
    piiKeys: new Map([['k1', k1]]),
    activePiiKeyId: 'k1',
    blindIndexKey: key(),
  });

  it('round-trips and never stores the plaintext', () => {
    const stored = cipher.encrypt('ada@example.test', 'row-1');
    expect(stored).not.toContain('ada');
    expect(stored.startsWith('v1.k1.')).toBe(true);
    expect(cipher.decrypt(stored, 'row-1')).toBe('ada@example.test');
    expect(cipher.encrypt('ada@example.test', 'row-1')).not.toBe(stored); // random IV
  });

  it('binds the ciphertext to its row', () => {
    const stored = cipher.encrypt('ada@example.test', 'row-1');
    expect(() => cipher.decrypt(stored, 'row-2')).toThrow();
  });

  it('detects tampering', () => {
    const parts = cipher.encrypt('ada@example.test', 'row-1').split('.');
    parts[3] = Buffer.from('bda@example.test').toString('base64url');
    expect(() => cipher.decrypt(parts.join('.'), 'row-1')).toThrow();
  });

  it('decrypts with older keys after rotation', () => {
    const old = cipher.encrypt('old@example.test', 'row-1');
    const rotated = new PiiCipher({
      piiKeys: new Map([
        ['k2', key()],
        ['k1', k1],
      ]),
      activePiiKeyId: 'k2',
      blindIndexKey: key(),
    });
    expect(rotated.decrypt(old, 'row-1')).toBe('old@example.test');
    expect(rotated.encrypt('new@example.test', 'row-1').startsWith('v1.k2.')).toBe(true);
  });

  it('indexes emails case- and whitespace-insensitively', () => {
    expect(cipher.emailBlindIndex(' Ada@Example.TEST ')).toBe(cipher.emailBlindIndex('ada@example.test'));
    expect(cipher.emailBlindIndex('ada@example.test')).not.toBe(cipher.emailBlindIndex('ben@example.test'));
  });
});
