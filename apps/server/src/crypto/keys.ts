import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, type Env } from '../config/config';

/** The secrets the server needs, already decoded. */
export interface Secrets {
  jwtSecret: Uint8Array;
  /** Key ring for PII encryption; `activeKeyId` encrypts, every key decrypts. */
  piiKeys: Map<string, Buffer>;
  activePiiKeyId: string;
  blindIndexKey: Buffer;
}

const keyFileSchema = z.object({
  jwtSecret: z.string().min(43),
  piiEncryptionKeys: z.string().min(1),
  blindIndexKey: z.string().min(43),
});

function decodeKey(name: string, base64: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new ConfigError(`${name}: expected a base64-encoded 32-byte key`);
  return key;
}

export function parsePiiKeyRing(value: string): { keys: Map<string, Buffer>; activeKeyId: string } {
  const keys = new Map<string, Buffer>();
  let activeKeyId: string | undefined;
  for (const entry of value.split(',')) {
    const [keyId, base64] = entry.trim().split(':');
    if (!keyId || !base64 || !/^[A-Za-z0-9_-]{1,32}$/.test(keyId)) {
      throw new ConfigError('PII_ENCRYPTION_KEYS: expected "keyId:base64Key[,keyId:base64Key…]"');
    }
    keys.set(keyId, decodeKey('PII_ENCRYPTION_KEYS', base64));
    activeKeyId ??= keyId;
  }
  if (!activeKeyId) throw new ConfigError('PII_ENCRYPTION_KEYS: no key given');
  return { keys, activeKeyId };
}

function secretsFrom(values: {
  jwtSecret: string;
  piiEncryptionKeys: string;
  blindIndexKey: string;
}): Secrets {
  const jwtSecret = Buffer.from(values.jwtSecret, 'utf8');
  if (jwtSecret.length < 32) throw new ConfigError('JWT_SECRET: must be at least 32 bytes');
  const ring = parsePiiKeyRing(values.piiEncryptionKeys);
  return {
    jwtSecret: new Uint8Array(jwtSecret),
    piiKeys: ring.keys,
    activePiiKeyId: ring.activeKeyId,
    blindIndexKey: decodeKey('BLIND_INDEX_KEY', values.blindIndexKey),
  };
}

export function generateSecretValues(): z.infer<typeof keyFileSchema> {
  return {
    jwtSecret: randomBytes(48).toString('base64url'),
    piiEncryptionKeys: `k1:${randomBytes(32).toString('base64')}`,
    blindIndexKey: randomBytes(32).toString('base64'),
  };
}

/**
 * Secrets come from the environment. Only the embedded default (no DATABASE_URL) may fall back to a key
 * file in DATA_DIR, created on first start with owner-only permissions, so `npm start` needs no setup.
 */
export function loadSecrets(env: Env, log: (message: string) => void): Secrets {
  if (env.JWT_SECRET && env.PII_ENCRYPTION_KEYS && env.BLIND_INDEX_KEY) {
    return secretsFrom({
      jwtSecret: env.JWT_SECRET,
      piiEncryptionKeys: env.PII_ENCRYPTION_KEYS,
      blindIndexKey: env.BLIND_INDEX_KEY,
    });
  }
  const keyFile = join(env.DATA_DIR, 'keys.json');
  if (!existsSync(keyFile)) {
    mkdirSync(env.DATA_DIR, { recursive: true });
    writeFileSync(keyFile, JSON.stringify(generateSecretValues(), null, 2), { mode: 0o600, flag: 'wx' });
    log(
      `Created a new key file at ${keyFile} (embedded mode). Keep it with the data: without it PII is unreadable.`,
    );
  }
  const parsed = keyFileSchema.safeParse(JSON.parse(readFileSync(keyFile, 'utf8')));
  if (!parsed.success) throw new ConfigError(`${keyFile}: not a valid Rosin key file`);
  return secretsFrom({
    jwtSecret: env.JWT_SECRET ?? parsed.data.jwtSecret,
    piiEncryptionKeys: env.PII_ENCRYPTION_KEYS ?? parsed.data.piiEncryptionKeys,
    blindIndexKey: env.BLIND_INDEX_KEY ?? parsed.data.blindIndexKey,
  });
}

/** Throwaway secrets for work that signs and encrypts nothing lasting (rendering the API document, tests). */
export function randomSecrets(): Secrets {
  const values = generateSecretValues();
  return secretsFrom(values);
}
