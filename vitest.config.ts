import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Unhandled rejections are bugs: vitest fails the run on any (dangerouslyIgnoreUnhandledErrors stays off).
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
