import { randomSecrets } from '../crypto/keys';
import { openEmbeddedDatabase } from '../db/database';
import { buildApp } from '../http/app';
import { openTempLocalStorage } from '../storage/create-object-storage';
import { deriveLocalStorageSigningKey } from '../storage/local-url-signing';

/** The OpenAPI document exactly as the server serves it at /docs/json, pretty-printed. */
export async function renderOpenApiDocument(): Promise<string> {
  const db = await openEmbeddedDatabase();
  const secrets = randomSecrets();
  // Never written to: the document only needs the routes to exist.
  const objects = await openTempLocalStorage({
    publicUrl: 'http://127.0.0.1:3000',
    signingKey: deriveLocalStorageSigningKey(secrets),
  });
  const app = await buildApp({
    db,
    secrets,
    authRateLimitPerMinute: 1,
    storage: objects.storage,
    uploads: { quotaBytes: 1, urlTtlSeconds: 60 },
    publicUrl: () => 'http://127.0.0.1:3000',
  });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
    await db.close();
    await objects.close();
  }
}
