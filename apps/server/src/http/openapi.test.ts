import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderOpenApiDocument } from '../scripts/openapi-document';

describe('openapi.json', () => {
  it('is committed exactly as generated from the zod schemas (run `npm run openapi`)', async () => {
    const committed = readFileSync(fileURLToPath(new URL('../../openapi.json', import.meta.url)), 'utf8');
    expect(committed).toBe(await renderOpenApiDocument());
  });
});
