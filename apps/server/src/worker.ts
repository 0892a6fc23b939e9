import { startBackgroundWork } from './background-work';
import { ConfigError, parseEnv } from './config/config';
import { createLogger } from './http/logger';
import { openInfrastructure } from './infrastructure';
import { exitOnSignals } from './shutdown';

/**
 * `npm run worker`: the background work (outbox dispatcher, media pipeline, rollups) as its own process, for
 * production (DATABASE_URL; Redis for BullMQ). Run as many as the load needs. The embedded default runs the
 * same work inside `npm start` instead: PGlite serves one process.
 */
async function main(): Promise<void> {
  const env = parseEnv(process.env);
  if (!env.DATABASE_URL) {
    throw new ConfigError(
      'npm run worker needs DATABASE_URL (PostgreSQL). The embedded default runs the workers inside npm start.',
    );
  }
  const logger = createLogger(env.LOG_LEVEL);
  const infra = await openInfrastructure(env, (message) => logger.info(message));
  await infra.db.migrate();
  const background = await startBackgroundWork({
    db: infra.db,
    storage: infra.storage,
    redis: infra.redis,
    logger,
    jobLeaseMs: env.JOB_LEASE_MS,
    queuePrefix: env.QUEUE_PREFIX,
  });
  logger.info({ ...infra.mode, queue: background.queue.driver }, 'worker running');

  exitOnSignals(logger, 'worker stopping: finishing running jobs', 30_000, [
    () => background.stop(),
    () => infra.close(),
  ]);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
