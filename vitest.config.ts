import { defineConfig } from 'vitest/config';

process.env.TZ = 'UTC'; // no hidden zone: China dates are computed explicitly (domain/deadlines/china-date.ts)

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // a browser or a worker on a busy two-core machine takes longer than the default second to settle
    expect: { poll: { timeout: 10_000, interval: 100 } },
    pool: 'forks',
    // two cores: more workers only queue on the same CPUs and the shared PostgreSQL
    maxWorkers: 2,
  },
});
