import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests next to the code, and cross-component tests in tests/
// that start real services (Postgres, NATS, MinIO) and run real ffmpeg renders.
export default defineConfig({
  resolve: { conditions: ['development'] },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['contract/src/**/*.test.ts', 'render-job/src/**/*.test.ts', 'control-plane/src/**/*.test.ts'],
        },
      },
      {
        // The admin UI's components, in jsdom with Testing Library.
        extends: true,
        test: {
          name: 'ui',
          include: ['admin-ui/src/**/*.test.{ts,tsx}'],
          environment: 'jsdom',
          setupFiles: ['admin-ui/src/test-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // Renders are CPU bound on 2 cores: run integration files one at a time.
          fileParallelism: false,
          globalSetup: ['tests/fixture/global-setup.ts'],
        },
      },
    ],
  },
});
