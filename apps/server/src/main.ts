import { ConfigError, parseEnv } from './config/config';
import { DataDirLockedError } from './db/embedded-lock';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, seedDemoDataIfEmpty } from './demo/seed-demo-data';
import { buildApp } from './http/app';
import { createLogger } from './http/logger';
import { openInfrastructure } from './infrastructure';

/** `npm start`: migrate, seed demo data on an empty database, serve the API. */
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
  });
  const address = await app.listen({ host: env.HOST, port: env.PORT });
  logger.info(`Rosin is listening on ${address} (API docs at ${address}/docs)`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const forceExit = setTimeout(() => process.exit(1), 15_000).unref();
    try {
      await app.close();
      await infra.close();
      clearTimeout(forceExit);
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DataDirLockedError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
