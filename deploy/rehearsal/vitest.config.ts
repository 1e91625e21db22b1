import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Workspace packages (@dealership/revision, @dealership/test-kit) are imported from their TypeScript source.
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    // The revision's own tests sit beside what they test: deploy/hooks and deploy/systemd.
    dir: '..',
    include: ['rehearsal/src/**/*.test.ts', 'hooks/**/*.test.ts', 'systemd/**/*.test.ts'],
    globalSetup: ['src/test-support/global-setup.ts'],
    // The end-to-end rehearsal deploys real instances; the files share the machine's two cores.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
