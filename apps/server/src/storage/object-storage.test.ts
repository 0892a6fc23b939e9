import { describe, expect, it } from 'vitest';
import { parseEnv } from '../config/config';
import { randomSecrets } from '../crypto/keys';
import { createObjectStorage } from './create-object-storage';
import { LocalObjectStorage } from './local-object-storage';
import {
  assertValidObjectKey,
  contentMd5Base64,
  etagFromContentMd5,
  newObjectKey,
  newObjectKeyBeside,
  objectFolderOf,
  sortedParts,
  StorageError,
} from './object-storage';
import { S3ObjectStorage } from './s3-object-storage';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

describe('object keys', () => {
  it('are random paths in a folder of their own', () => {
    const key = newObjectKey('videos', 'mp4');
    expect(key).toMatch(new RegExp(`^videos/${UUID}/${UUID}\\.mp4$`));
    expect(newObjectKey('videos', 'mp4')).not.toBe(key);
    const beside = newObjectKeyBeside(key, 'jpg');
    expect(objectFolderOf(beside)).toBe(objectFolderOf(key));
    expect(objectFolderOf(key)).toMatch(new RegExp(`^videos/${UUID}/$`));
  });

  it('refuse anything that could leave their folder or hide', () => {
    for (const bad of ['', '../x', 'a/../b', './a', 'a//b', '/a', 'a/', 'a\\b', 'a b', 'x.meta.json']) {
      expect(() => assertValidObjectKey(bad), bad).toThrow(TypeError);
    }
    expect(() => newObjectKey('Videos', 'mp4')).toThrow(TypeError);
    expect(() => newObjectKey('videos', 'mp4/../x')).toThrow(TypeError);
  });
});

describe('multipart helpers', () => {
  it('derive the S3 part ETag from the Content-MD5', () => {
    expect(etagFromContentMd5(contentMd5Base64(Buffer.from('')))).toBe('"d41d8cd98f00b204e9800998ecf8427e"');
    expect(() => etagFromContentMd5('not-an-md5')).toThrow(TypeError);
  });

  it('order the listed parts and refuse duplicates', () => {
    expect(
      sortedParts([
        { partNumber: 2, etag: 'b' },
        { partNumber: 1, etag: 'a' },
      ]).map((part) => part.partNumber),
    ).toEqual([1, 2]);
    expect(() =>
      sortedParts([
        { partNumber: 1, etag: 'a' },
        { partNumber: 1, etag: 'a' },
      ]),
    ).toThrow(StorageError);
    expect(() => sortedParts([])).toThrow(StorageError);
  });
});

describe('createObjectStorage', () => {
  it('stores files under DATA_DIR by default, served at PUBLIC_URL', async () => {
    const storage = createObjectStorage(
      parseEnv({ DATA_DIR: '/tmp/rosin-x', PUBLIC_URL: 'https://rosin.example/api' }),
      randomSecrets(),
    );
    expect(storage).toBeInstanceOf(LocalObjectStorage);
    const url = new URL(await storage.presignGet(newObjectKey('videos', 'mp4'), { expiresInSeconds: 60 }));
    expect(`${url.origin}${url.pathname}`).toBe('https://rosin.example/api/storage/objects');
    expect(url.searchParams.get('token')).toMatch(/^[\w-]+\.[\w-]+$/);
  });

  it('falls back to HOST:PORT for URLs', async () => {
    const storage = createObjectStorage(parseEnv({ HOST: '0.0.0.0', PORT: '4000' }), randomSecrets());
    const url = new URL(await storage.presignGet(newObjectKey('videos', 'mp4'), { expiresInSeconds: 60 }));
    expect(url.origin).toBe('http://127.0.0.1:4000');
  });

  it('uses S3 when S3_ENDPOINT is set', async () => {
    const storage = createObjectStorage(
      parseEnv({
        S3_ENDPOINT: 'http://127.0.0.1:9000',
        S3_BUCKET: 'media',
        S3_ACCESS_KEY_ID: 'id',
        S3_SECRET_ACCESS_KEY: 'secret',
      }),
      randomSecrets(),
    );
    expect(storage).toBeInstanceOf(S3ObjectStorage);
    const url = new URL(await storage.presignGet('videos/a/b.mp4', { expiresInSeconds: 60 }));
    expect(`${url.origin}${url.pathname}`).toBe('http://127.0.0.1:9000/media/videos/a/b.mp4');
    await storage.close();
  });
});
