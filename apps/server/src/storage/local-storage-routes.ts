import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../http/app-error';
import { LocalObjectStorage } from './local-object-storage';
import type { VerifiedToken } from './local-url-signing';
import type { ObjectStorage } from './object-storage';

interface TokenQuery {
  Querystring: { token?: string };
}

/**
 * The local driver's presigned URLs, served by the API itself (embedded mode only):
 *
 * - `PUT /storage/parts?token=…`: one part of one multipart upload. The body streams to disk (never buffered
 *   whole); its length and MD5 must be the signed ones (`Content-MD5` header required, as on S3). Answers 200
 *   with the part's `ETag` (quoted MD5 hex).
 * - `GET /storage/objects?token=…`: the object's bytes with its stored (or signed) content type.
 *   No Range support.
 *
 * The routes are public: the token is the credential. An invalid or expired token is 403, in the API's error
 * shape. They live in their own encapsulated scope, whose only body parser hands the raw stream through, so
 * the API's 1 MiB JSON body limit and JSON-only parsing stay as they are everywhere else.
 */
export async function registerLocalStorageRoutes(
  app: FastifyInstance,
  storage: LocalObjectStorage,
): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

    scope.put<TokenQuery>('/storage/parts', {
      config: { public: true },
      schema: { hide: true },
      handler: async (request, reply) => {
        const claims = verified(storage.verifyPartToken(request.query.token ?? ''));
        // Without a body (no Content-Length, no chunks), Fastify skips the parser: read the raw request.
        const body = (request.body as Readable | undefined) ?? request.raw;
        try {
          const etag = await storage.receivePart(claims, body, {
            contentMd5: header(request.headers['content-md5']),
            contentLength: header(request.headers['content-length']),
          });
          return reply.code(200).header('etag', etag).send();
        } catch (error) {
          // Refused mid-body (too long): the rest is never read, so the connection cannot be reused.
          if (!request.raw.complete) reply.header('connection', 'close');
          throw error;
        }
      },
    });

    scope.get<TokenQuery>('/storage/objects', {
      config: { public: true },
      exposeHeadRoute: false,
      schema: { hide: true },
      handler: async (request, reply) => {
        const claims = verified(storage.verifyGetToken(request.query.token ?? ''));
        const read = await storage.openSignedRead(claims);
        return (
          reply
            .code(200)
            .header('content-type', read.contentType)
            .header('content-length', read.sizeBytes)
            .header('etag', read.etag)
            .header('cache-control', `private, max-age=${read.expiresInSeconds}`)
            .header('accept-ranges', 'none')
            // Uploaded bytes are served from the API's origin: never let a browser run them as a page.
            .header('x-content-type-options', 'nosniff')
            .header('content-security-policy', "default-src 'none'; sandbox")
            .send(read.stream)
        );
      },
    });
  });
}

/** What `buildApp` calls whatever the driver: the local driver's routes, nothing for S3 (its URLs go to S3). */
export async function registerObjectStorageRoutes(
  app: FastifyInstance,
  storage: ObjectStorage,
): Promise<void> {
  if (storage instanceof LocalObjectStorage) await registerLocalStorageRoutes(app, storage);
}

function verified<T>(result: VerifiedToken<T>): T {
  if (result.ok) return result.claims;
  throw new AppError(
    403,
    'FORBIDDEN',
    result.reason === 'expired' ? 'This link has expired; ask for a new one' : 'This link is invalid',
  );
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
