import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderOpenApiDocument } from './openapi-document';

/** `npm run openapi`: regenerate apps/server/openapi.json from the zod schemas. Never edit that file by hand. */
export const OPENAPI_PATH = fileURLToPath(new URL('../../openapi.json', import.meta.url));

writeFileSync(OPENAPI_PATH, await renderOpenApiDocument());
console.log(`Wrote ${OPENAPI_PATH}`);
