import { randomSecrets } from '../crypto/keys';
import { openEmbeddedDatabase } from '../db/database';
import { buildApp } from '../http/app';

/** The OpenAPI document exactly as the server serves it at /docs/json, pretty-printed. */
export async function renderOpenApiDocument(): Promise<string> {
  const db = await openEmbeddedDatabase();
  const app = await buildApp({ db, secrets: randomSecrets(), authRateLimitPerMinute: 1 });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
    await db.close();
  }
}
