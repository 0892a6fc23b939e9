import { describe, expect, it } from 'vitest';
import { parseEnv } from './config';

describe('parseEnv', () => {
  it('defaults to the embedded mode', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({ PORT: 3000, DATA_DIR: './data' });
    expect(env.DATABASE_URL ?? env.REDIS_URL ?? env.S3_ENDPOINT).toBeUndefined();
  });

  it('names every bad variable', () => {
    expect(() => parseEnv({ PORT: 'eighty', DATABASE_URL: 'not a url' })).toThrow(/PORT[\s\S]*DATABASE_URL/);
  });

  it('requires secrets from the environment in production mode', () => {
    expect(() => parseEnv({ DATABASE_URL: 'postgres://db.example/rosin' })).toThrow(
      /JWT_SECRET[\s\S]*PII_ENCRYPTION_KEYS[\s\S]*BLIND_INDEX_KEY/,
    );
  });

  it('requires the S3 bucket and credentials with an S3 endpoint', () => {
    expect(() => parseEnv({ S3_ENDPOINT: 'http://127.0.0.1:9000' })).toThrow(/S3_BUCKET/);
  });
});
