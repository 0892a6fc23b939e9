import { defineConfig } from 'vitest/config';

// One runner for every workspace. Server integration tests share one embedded database per file
// and, when DATABASE_URL/REDIS_URL are set, run a second time against the real services
// (see apps/server/test/backends.ts), so files run one at a time to keep the 2-core CI machine calm.
export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'apps/server/src/**/*.test.ts',
      'apps/server/test/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});
