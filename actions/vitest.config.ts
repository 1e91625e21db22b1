import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Workspace packages (@dealership/revision: the appspec model, the zip writer) are imported from their TypeScript source.
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['lib/**/*.test.ts', '*/src/**/*.test.ts', 'sim/**/*.test.ts', 'test-support/**/*.test.ts'],
    // The end-to-end tests start their own moto server and run the bundled actions as child processes.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Actions read INPUT_* and GITHUB_* from process.env; keep every file in its own process.
    pool: 'forks',
  },
});
