import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { backends } from '../../test/backends';
import { randomSecrets } from '../crypto/keys';
import { buildApp } from './app';
import { createLogger } from './logger';

describe('request logs', () => {
  it('carry request ids and paths but no query strings, tokens or credentials', async () => {
    let output = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        output += chunk.toString();
        done();
      },
    });
    const opened = await backends[0]!.open();
    const app = await buildApp({
      db: opened.db,
      secrets: randomSecrets(),
      authRateLimitPerMinute: 100,
      storage: opened.storage,
      uploads: { quotaBytes: 1024, urlTtlSeconds: 60 },
      publicUrl: () => 'http://rosin.test',
      logger: createLogger('info', sink),
    });
    try {
      const registered = await app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: {
          email: 'logged@example.test',
          password: 'secret password 123',
          displayName: 'L',
          role: 'student',
        },
      });
      const { accessToken } = registered.json<{ accessToken: string }>();
      await app.inject({
        method: 'GET',
        url: '/me?token=signed-url-secret',
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(output).toMatch(/"reqId":"[0-9a-f-]{36}"/);
      expect(output).toContain('"path":"/me"');
      for (const secret of ['signed-url-secret', accessToken, 'secret password 123', 'logged@example.test']) {
        expect(output).not.toContain(secret);
      }
    } finally {
      await app.close();
      await opened.close();
    }
  });
});
