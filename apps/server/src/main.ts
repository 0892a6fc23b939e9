import { startBackgroundWork, type BackgroundWork } from './background-work';
import { ConfigError, parseEnv } from './config/config';
import { DataDirLockedError } from './db/embedded-lock';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, seedDemoDataIfEmpty } from './demo/seed-demo-data';
import { buildApp } from './http/app';
import { createLogger } from './http/logger';
import { openInfrastructure } from './infrastructure';
import { exitOnSignals } from './shutdown';

/**
 * `npm start`: migrate, seed demo data on an empty database, serve the API, and (embedded default, or
 * RUN_WORKERS=true) run the background work in this process too.
 */
async function main(): Promise<void> {
  const env = parseEnv(process.env);
  const logger = createLogger(env.LOG_LEVEL);
  const infra = await openInfrastructure(env, (message) => logger.info(message));
  logger.info(infra.mode, 'backing services');

  const applied = await infra.db.migrate();
  if (applied.length > 0) logger.info({ applied }, 'database migrated');
  if (env.SEED_DEMO_DATA && (await seedDemoDataIfEmpty(infra.db, infra.secrets))) {
    logger.info(
      { accounts: DEMO_ACCOUNTS.map((account) => account.email).join(', ') },
      `Seeded demo data. Sign in with any demo account and the password "${DEMO_PASSWORD}"`,
    );
  }

  const app = await buildApp({
    db: infra.db,
    secrets: infra.secrets,
    redis: infra.redis,
    authRateLimitPerMinute: env.AUTH_RATE_LIMIT_PER_MINUTE,
    logger: logger,
    storage: infra.storage,
    uploads: { quotaBytes: env.STORAGE_QUOTA_BYTES, urlTtlSeconds: env.SIGNED_URL_TTL_SECONDS },
    publicUrl: infra.publicUrl,
    storageWebhookSecret: env.STORAGE_WEBHOOK_SECRET,
  });
  const address = await app.listen({ host: env.HOST, port: env.PORT });
  logger.info(`Rosin is listening on ${address} (API docs at ${address}/docs)`);

  // PGlite serves one process, so the embedded default always runs the workers here.
  const runWorkers =
    env.RUN_WORKERS === 'auto' ? infra.mode.database === 'pglite' : env.RUN_WORKERS === 'true';
  let background: BackgroundWork | undefined;
  if (runWorkers) {
    background = await startBackgroundWork({
      db: infra.db,
      storage: infra.storage,
      redis: infra.redis,
      logger,
      jobLeaseMs: env.JOB_LEASE_MS,
      queuePrefix: env.QUEUE_PREFIX,
      outboxPollMs: 250,
    });
    logger.info('background workers running in this process (media pipeline, outbox)');
  }

  exitOnSignals(logger, 'shutting down: finishing in-flight requests', 15_000, [
    () => app.close(),
    async () => background?.stop(),
    () => infra.close(),
  ]);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DataDirLockedError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
