import { ErrorResponse } from '@rosin/contracts/errors';
import { z } from 'zod';
import type { ZodApp } from './zod-app';

export interface ReadinessProbe {
  name: string;
  check(): Promise<void>;
}

const Health = z.object({ status: z.literal('ok') });
const Readiness = z.object({ status: z.literal('ready'), checks: z.record(z.string(), z.literal('ok')) });

export function registerHealthRoutes(app: ZodApp, probes: ReadinessProbe[]): void {
  app.get('/healthz', {
    config: { public: true },
    schema: { tags: ['ops'], summary: 'The process is up', response: { 200: Health } },
    handler: () => ({ status: 'ok' as const }),
  });

  app.get('/readyz', {
    config: { public: true },
    schema: {
      tags: ['ops'],
      summary: 'The database (and Redis, in production mode) answer',
      response: { 200: Readiness, 503: ErrorResponse },
    },
    handler: async (request, reply) => {
      const checks: Record<string, 'ok'> = {};
      for (const probe of probes) {
        try {
          await withTimeout(probe.check(), 2_000);
          checks[probe.name] = 'ok';
        } catch (error) {
          request.log.warn({ err: error, probe: probe.name }, 'readiness check failed');
          return reply
            .code(503)
            .send({ error: { code: 'SERVICE_UNAVAILABLE', message: `${probe.name} is not reachable` } });
        }
      }
      return { status: 'ready' as const, checks };
    },
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
