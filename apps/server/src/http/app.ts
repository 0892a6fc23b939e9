import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { registerAnalyticsRoutes } from '../analytics/routes';
import { AnalyticsService } from '../analytics/service';
import { AccessTokens } from '../auth/access-tokens';
import { registerAuthRoutes } from '../auth/routes';
import { AuthService } from '../auth/service';
import type { Secrets } from '../crypto/keys';
import { PiiCipher } from '../crypto/pii-cipher';
import type { Database } from '../db/database';
import { VideoPlayback } from '../media/playback';
import { registerMediaRoutes } from '../media/routes';
import { registerPracticeRoutes } from '../practice/routes';
import { PracticeSessionService } from '../practice/service';
import { registerObjectStorageRoutes } from '../storage/local-storage-routes';
import type { ObjectStorage } from '../storage/object-storage';
import { registerUploadRoutes } from '../uploads/routes';
import { UploadService, type UploadSettings } from '../uploads/service';
import { registerTeachingRoutes } from '../teaching/routes';
import { TeachingService } from '../teaching/service';
import { AppError } from './app-error';
import { registerAuthentication } from './authenticate';
import { registerErrorHandling } from './error-handler';
import { registerHealthRoutes, type ReadinessProbe } from './health-routes';
import { registerWebAppRoutes } from './web-app-routes';
import type { ZodApp } from './zod-app';

export interface AppDependencies {
  db: Database;
  secrets: Secrets;
  /** Production mode only; the embedded default keeps rate-limit counters in memory. */
  redis?: Redis;
  authRateLimitPerMinute: number;
  /** A pino logger; undefined for silence (tests). */
  logger?: FastifyBaseLogger;
  /** Key prefix for shared Redis state, so test runs do not see each other. */
  redisKeyPrefix?: string;
  storage: ObjectStorage;
  uploads: UploadSettings;
  /** The base URL clients reach this API at (signed playback URLs point here). */
  publicUrl: () => string;
  /** Shared secret of POST /webhooks/storage; without it the webhook answers 404. */
  storageWebhookSecret?: string;
}

const REQUEST_ID = /^[A-Za-z0-9-]{8,64}$/;

export async function buildApp(deps: AppDependencies): Promise<ZodApp> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: 1024 * 1024,
    // Trust a caller-supplied id only if it looks like one; otherwise mint our own.
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
  }).withTypeProvider<ZodTypeProvider>();

  // A JSON API: any other body type is answered 415 instead of reaching validation as a string.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerErrorHandling(app);

  // The docs routes are public: mark every route the UI plugin adds (registered before it).
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...(route.config as object), public: true };
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Rosin API',
        version: '0.1.0',
        description:
          'Practice studio for string players and their teachers. Errors share one shape: ErrorResponse.',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });

  await app.register(rateLimit, {
    global: false,
    ...(deps.redis ? { redis: deps.redis, nameSpace: `${deps.redisKeyPrefix ?? 'rosin'}:rate-limit:` } : {}),
    skipOnError: true,
    errorResponseBuilder: (_request, context) =>
      new AppError(429, 'RATE_LIMITED', `Too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`),
  });

  const accessTokens = new AccessTokens(deps.secrets.jwtSecret);
  await registerWebAppRoutes(app); // before authentication: browser navigations get the app
  registerAuthentication(app, accessTokens);

  const pii = new PiiCipher(deps.secrets);
  const probes: ReadinessProbe[] = [{ name: 'database', check: () => deps.db.ping() }];
  if (deps.redis) {
    const redis = deps.redis;
    probes.push({ name: 'redis', check: async () => void (await redis.ping()) });
  }

  registerHealthRoutes(app, probes);
  registerAuthRoutes(app, new AuthService(deps.db, pii, accessTokens), {
    rateLimitPerMinute: deps.authRateLimitPerMinute,
  });
  registerTeachingRoutes(app, new TeachingService(deps.db), {
    rateLimitPerMinute: deps.authRateLimitPerMinute,
  });
  const uploads = new UploadService(deps.db, deps.storage, deps.uploads);
  const playback = new VideoPlayback(deps.storage, deps.secrets, {
    publicUrl: deps.publicUrl,
    ttlSeconds: deps.uploads.urlTtlSeconds,
  });
  registerPracticeRoutes(
    app,
    new PracticeSessionService(deps.db, { uploads, playback, storage: deps.storage }),
  );
  registerAnalyticsRoutes(app, new AnalyticsService(deps.db));
  registerUploadRoutes(app, uploads, { webhookSecret: deps.storageWebhookSecret });
  registerMediaRoutes(app, playback);
  await registerObjectStorageRoutes(app, deps.storage);

  return app;
}
