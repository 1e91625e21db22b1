import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The shared test kit (@dealership/test-kit) is imported from its TypeScript source.
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: two files at a time, each with its own databases.
    maxWorkers: 2,
  },
});
