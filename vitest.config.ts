import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real sockets and child processes: keep suites isolated but not over-parallel on 2 cores.
    // Two files at a time: most of a file's time is spent waiting on a browser, a server or a
    // database, and vitest's default (cores − 1) ran them one by one here.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
