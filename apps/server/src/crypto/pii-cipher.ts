import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { Secrets } from './keys';

/**
 * Field-level encryption for PII (email, phone) with AES-256-GCM.
 *
 * Stored form: `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts). The key id lets keys rotate; the
 * row id is bound as associated data, so a ciphertext copied onto another row fails to decrypt.
 */
export class PiiCipher {
  constructor(private readonly secrets: Pick<Secrets, 'piiKeys' | 'activePiiKeyId' | 'blindIndexKey'>) {}

  encrypt(plaintext: string, rowId: string): string {
    const keyId = this.secrets.activePiiKeyId;
    const key = this.key(keyId);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(rowId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      'v1',
      keyId,
      iv.toString('base64url'),
      ciphertext.toString('base64url'),
      tag.toString('base64url'),
    ].join('.');
  }

  decrypt(stored: string, rowId: string): string {
    const [version, keyId, iv, ciphertext, tag] = stored.split('.');
    if (version !== 'v1' || !keyId || !iv || ciphertext === undefined || !tag) {
      throw new Error('Unrecognised PII ciphertext format');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key(keyId), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(rowId, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }

  /** Deterministic HMAC of the normalised email, so login can find a user without decrypting every row. */
  emailBlindIndex(email: string): string {
    return createHmac('sha256', this.secrets.blindIndexKey).update(normaliseEmail(email)).digest('base64url');
  }

  private key(keyId: string): Buffer {
    const key = this.secrets.piiKeys.get(keyId);
    if (!key) throw new Error(`Unknown PII key id "${keyId}"`);
    return key;
  }
}

export function normaliseEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}
