import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^tulip$/, replacement: src('index.ts') },
      { find: /^tulip\/testing$/, replacement: src('testing/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 15000,
    // Two test files at a time on this 2-core machine (vitest's default is one less than the
    // cores): most files wait on timers, sockets and children, so the suite takes about 3 min
    // instead of 4.5. Real-time tests hold their work on gates or events rather than short naps,
    // and runs with 3 and 4 workers pass too.
    maxWorkers: 2,
    // Tests of garbage-collection-time reports (plain futures' unretrieved errors) call gc().
    execArgv: ['--expose-gc'],
    reporters: ['default'],
  },
});
