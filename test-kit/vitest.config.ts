import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The moto server takes a few seconds to start on a loaded machine.
  test: { include: ['src/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
});
