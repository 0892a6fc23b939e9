import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `npm start` builds the app's web export (apps/mobile/dist). */
export const DEFAULT_WEB_APP_DIR = fileURLToPath(new URL('../../../mobile/dist/', import.meta.url));

/** Paths that belong to the API or its tooling even when a browser navigates to them. */
const NEVER_THE_APP = /^\/(docs|storage|media|webhooks|healthz|readyz|_expo|assets)(\/|$)/;

/**
 * The Rosin web app (the Expo web export) on the API's own origin, so the app's API base URL is simply the page's
 * origin.
 *
 * - Its files are served as they are (`@fastify/static`, hidden from OpenAPI, public).
 * - SPA fallback: a browser navigation (a GET that accepts text/html) to any path that is not a file or the
 *   API's tooling gets index.html, *before* authentication runs. The app's routes share names with the API's
 *   (`/sessions/{id}` is both a page and an endpoint), and the difference is the `Accept` header: the app's
 *   fetches send `application/json`, so API routes keep working as before.
 * - Every answer carries COOP/COEP: expo-sqlite's web worker needs SharedArrayBuffer, i.e. a cross-origin
 *   isolated page. index.html is never cached (it names the hashed bundles); the bundles are immutable.
 *
 * Register it before authentication (its hook must run first). Without a build (`dist/index.html` missing) it
 * registers nothing, and the API runs alone.
 */
export async function registerWebAppRoutes(
  app: FastifyInstance,
  options: { root?: string } = {},
): Promise<boolean> {
  const root = options.root ?? DEFAULT_WEB_APP_DIR;
  const indexPath = join(root, 'index.html');
  if (!existsSync(indexPath)) {
    app.log.warn(`No web app build in ${root}: serving the API only (npm start builds it)`);
    return false;
  }

  const isolate = (reply: FastifyReply) =>
    reply
      .header('cross-origin-opener-policy', 'same-origin')
      .header('cross-origin-embedder-policy', 'require-corp')
      .header('cross-origin-resource-policy', 'same-origin')
      .header('x-content-type-options', 'nosniff');

  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return;
    const path = request.url.split('?')[0] ?? '/';
    const accept = request.headers.accept ?? '';
    // `/` is always the app; elsewhere only navigations (Accept: text/html) are.
    if ((path !== '/' && !accept.includes('text/html')) || NEVER_THE_APP.test(path)) return;
    if (/\.[A-Za-z0-9]+$/.test(path) && path !== '/index.html') return;
    const html = await readFile(indexPath);
    return isolate(reply)
      .code(200)
      .header('cache-control', 'no-cache')
      .type('text/html; charset=utf-8')
      .send(html);
  });

  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config as object), public: true };
      route.schema = { ...route.schema, hide: true };
    });
    await scope.register(fastifyStatic, {
      root,
      prefix: '/',
      wildcard: true,
      index: false,
      schemaHide: true,
      decorateReply: false,
      setHeaders: (reply, filePath) => {
        isolate(reply).header(
          'cache-control',
          filePath.includes(join('_expo', 'static')) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  });
  return true;
}
