import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerErrorHandling } from './error-handler';
import { registerWebAppRoutes } from './web-app-routes';

/** The web app's routes next to a stand-in private API route, as buildApp registers them. */
describe('web app routes', () => {
  let dir: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rosin-web-'));
    mkdirSync(join(dir, '_expo/static/js/web'), { recursive: true });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Rosin</title>');
    writeFileSync(join(dir, '_expo/static/js/web/entry-abc.js'), 'console.log(1)');
    app = Fastify();
    registerErrorHandling(app);
    expect(await registerWebAppRoutes(app, { root: dir })).toBe(true);
    // Stand-in for registerAuthentication + a private route.
    app.addHook('onRequest', async (request, reply) => {
      if (!request.routeOptions.config.public && request.routeOptions.url) {
        return reply.code(401).send({ error: { code: 'UNAUTHENTICATED', message: 'no token' } });
      }
    });
    app.get('/sessions/:id', async () => ({ ok: true }));
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / and for app paths a browser navigates to, cross-origin isolated', async () => {
    for (const url of ['/', '/practice', '/sessions/123', '/sessions/123?x=1']) {
      const response = await app.inject({ url, headers: { accept: 'text/html,application/xhtml+xml' } });
      expect(response.statusCode, url).toBe(200);
      expect(response.body).toContain('<title>Rosin</title>');
      expect(response.headers['cross-origin-embedder-policy']).toBe('require-corp');
      expect(response.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(response.headers['cache-control']).toBe('no-cache');
    }
  });

  it('leaves API requests (JSON) to the API, authentication included', async () => {
    const response = await app.inject({ url: '/sessions/123', headers: { accept: 'application/json' } });
    expect(response.statusCode).toBe(401);
  });

  it('serves the bundles as immutable files and answers a missing file with the API 404', async () => {
    const bundle = await app.inject({ url: '/_expo/static/js/web/entry-abc.js' });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.headers['cache-control']).toContain('immutable');
    expect(bundle.headers['cross-origin-embedder-policy']).toBe('require-corp');
    const missing = await app.inject({ url: '/nope.js', headers: { accept: 'text/html' } });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('never answers the docs or storage paths with the app', async () => {
    const response = await app.inject({ url: '/docs', headers: { accept: 'text/html' } });
    expect(response.body).not.toContain('<title>Rosin</title>');
  });

  it('registers nothing without a build', async () => {
    const bare = Fastify();
    expect(await registerWebAppRoutes(bare, { root: join(dir, 'missing') })).toBe(false);
    await bare.close();
  });
});
