import { defineConfig } from 'vitest/config';

// Sandbox tests start real containers (runc, crun, Docker) and hostile workloads (fork and memory
// bombs, floods). On the 2-core reference machine two such files at once starved each other into
// timing races (runtime init killed mid-start, zombies not yet reaped), so files run one at a time.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 600_000,
    globalSetup: ['test/support/global-setup.ts'],
    fileParallelism: false,
    maxWorkers: 1,
    pool: 'forks',
  },
});
