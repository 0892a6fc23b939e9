import type { FastifyBaseLogger } from 'fastify';

/**
 * Stops the process cleanly on SIGTERM/SIGINT: runs `steps` in order (stop accepting work, finish what is in
 * flight, close connections), then exits 0; exits 1 if a step fails or the whole takes longer than `graceMs`
 * (Kubernetes then does not wait for its own kill timeout).
 */
export function exitOnSignals(
  logger: FastifyBaseLogger,
  message: string,
  graceMs: number,
  steps: (() => Promise<unknown>)[],
): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, message);
    const forceExit = setTimeout(() => process.exit(1), graceMs).unref();
    try {
      for (const step of steps) await step();
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
