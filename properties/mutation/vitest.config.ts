import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// StrykerJS runs the harness against each mutant of impl/: the property suites (suites.mutation.ts)
// and the checks that the implementation boots the model's byte map and the compilers' bytes.
export default defineConfig({
  test: {
    root: resolve(import.meta.dirname, '../..'),
    include: ['properties/mutation/suites.mutation.ts', 'properties/layout/impl-vs-model.test.ts', 'properties/layout/impl-vs-dumps.test.ts'],
    testTimeout: 60_000,
  },
});
