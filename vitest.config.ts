import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Two projects, both run by `vitest run`. `engine` is the order engine in memory (test/domain/):
 * no global setup, so it needs neither PostgreSQL nor Redis and runs in seconds
 * (`vitest run --project engine`). `integration` is everything else, against the real service: its
 * global setup migrates a template database for the run.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'engine',
          // Every engine test builds its own engine and shares nothing, so the files can share a
          // worker and load the modules once: a quarter of the time on a two-core machine.
          isolate: false,
          include: ['test/domain/**/*.test.ts'],
          env: { TZ: 'UTC' },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/domain/**'],
          globalSetup: ['test/helpers/global-setup.ts'],
          pool: 'forks',
          testTimeout: 30_000,
          hookTimeout: 60_000,
          env: { TZ: 'UTC' },
        },
      },
    ],
  },
});
