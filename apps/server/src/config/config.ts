import { z } from 'zod';

/**
 * Process configuration, read once from the environment at start.
 *
 * Each backing service switches from its embedded driver to production by the presence of its URL:
 * DATABASE_URL → PostgreSQL instead of PGlite, REDIS_URL → Redis instead of in-process state,
 * S3_ENDPOINT (+ bucket and credentials) → S3 instead of local files.
 */
const optionalUrl = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .pipe(z.url().optional())
  .optional();

const optionalSecret = z
  .string()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    DATA_DIR: z.string().min(1).default('./data'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    PUBLIC_URL: optionalUrl,
    DATABASE_URL: optionalUrl,
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    REDIS_URL: optionalUrl,
    S3_ENDPOINT: optionalUrl,
    S3_BUCKET: z.string().optional(),
    S3_REGION: z.string().default('us-east-1'),
    S3_ACCESS_KEY_ID: optionalSecret,
    S3_SECRET_ACCESS_KEY: optionalSecret,
    /** Where phones reach the S3 store, when the server itself uses an internal endpoint. */
    S3_PUBLIC_ENDPOINT: optionalUrl,
    /** Shared secret of `POST /webhooks/storage` (S3 event notifications); the webhook answers 404 without it. */
    STORAGE_WEBHOOK_SECRET: optionalSecret,
    /** Video bytes one student may keep (uploaded and in progress). Default 20 GiB. */
    STORAGE_QUOTA_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .default(20 * 1024 ** 3),
    /** Lifetime of presigned part and playback URLs. Default 1 hour. */
    SIGNED_URL_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
    /**
     * Whether this process runs the background workers (media pipeline, outbox, rollups). `auto`: yes with the
     * embedded database (PGlite serves one process), no with DATABASE_URL (run `npm run worker` beside the API).
     */
    RUN_WORKERS: z.enum(['auto', 'true', 'false']).default('auto'),
    /** A job whose worker stops renewing its lease (killed) is taken over after this long. Default 30 s. */
    JOB_LEASE_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
    /**
     * Namespace of the BullMQ keys in Redis. Processes that share a Redis but not a database (tests, staging
     * beside production) each need their own, or one's worker takes the other's jobs. Default `rosin`.
     */
    QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, "_" or "-"')
      .default('rosin'),
    /** HMAC secret for access tokens, at least 32 bytes. */
    JWT_SECRET: optionalSecret,
    /** PII encryption keys as `keyId:base64Key,…` (32-byte AES-256 keys); the first one encrypts. */
    PII_ENCRYPTION_KEYS: optionalSecret,
    /** HMAC key (base64, 32 bytes) for the email blind index. Never rotate without re-indexing. */
    BLIND_INDEX_KEY: optionalSecret,
    AUTH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(20),
    SEED_DEMO_DATA: z
      .enum(['true', 'false'])
      .default('true')
      .transform((value) => value === 'true'),
  })
  .superRefine((env, ctx) => {
    const s3Vars = ['S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const;
    if (env.S3_ENDPOINT) {
      for (const name of s3Vars) {
        if (!env[name])
          ctx.addIssue({ code: 'custom', path: [name], message: 'is required when S3_ENDPOINT is set' });
      }
    }
    if (env.DATABASE_URL) {
      // Production mode: secrets must come from the environment, never from a generated file.
      for (const name of ['JWT_SECRET', 'PII_ENCRYPTION_KEYS', 'BLIND_INDEX_KEY'] as const) {
        if (!env[name])
          ctx.addIssue({ code: 'custom', path: [name], message: 'is required when DATABASE_URL is set' });
      }
    }
  });

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment, or throws one error whose message names every bad variable. */
export function parseEnv(source: NodeJS.ProcessEnv): Env {
  const result = envSchema.safeParse(source);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`);
  throw new ConfigError(`Invalid environment configuration:\n${lines.join('\n')}`);
}

/** The base URL clients reach this server at: PUBLIC_URL, else `http://HOST:PORT` (a wildcard HOST → loopback). */
export function publicBaseUrl(env: Pick<Env, 'PUBLIC_URL' | 'HOST' | 'PORT'>): string {
  if (env.PUBLIC_URL) return env.PUBLIC_URL.replace(/\/$/, '');
  const host = env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${env.PORT}`;
}
