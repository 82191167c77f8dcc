import { defineConfig } from 'vitest/config';

// Sandbox tests start real containers; two cores means we keep parallelism modest and timeouts generous.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 600_000,
    globalSetup: ['test/support/global-setup.ts'],
    maxWorkers: 2,
    pool: 'forks',
  },
});
