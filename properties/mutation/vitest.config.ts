import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// StrykerJS runs the harness against each mutant of impl/: the property suites (suites.mutation.ts)
// and the check that the implementation boots the model's byte map on every configuration.
export default defineConfig({
  test: {
    root: resolve(import.meta.dirname, '../..'),
    include: ['properties/mutation/suites.mutation.ts', 'properties/layout/impl-vs-model.test.ts'],
    testTimeout: 60_000,
  },
});
