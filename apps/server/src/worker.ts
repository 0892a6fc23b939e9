import { startBackgroundWork } from './background-work';
import { ConfigError, parseEnv } from './config/config';
import { createLogger } from './http/logger';
import { openInfrastructure } from './infrastructure';

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

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'worker stopping: finishing running jobs');
    const forceExit = setTimeout(() => process.exit(1), 30_000).unref();
    try {
      await background.stop();
      await infra.close();
      clearTimeout(forceExit);
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'worker shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
