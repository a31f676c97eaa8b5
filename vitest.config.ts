import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['model/**/*.test.ts', 'impl/**/*.test.ts', 'properties/**/*.test.ts'],
    // the library example runs in a scratch project against the packed kfmd (properties/library/pack.test.ts)
    exclude: ['**/node_modules/**', '**/.git/**', 'properties/library/example/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // the JSON report feeds the counts line CI prints (properties/tooling/ci/summary.mjs)
    reporters: ['default', 'json'],
    outputFile: { json: 'reports/vitest.json' },
  },
});
