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
    // Tests of garbage-collection-time reports (plain futures' unretrieved errors) call gc().
    execArgv: ['--expose-gc'],
    reporters: ['default'],
  },
});
