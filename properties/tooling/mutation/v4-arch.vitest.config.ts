import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// StrykerJS runs the harness against each mutant of impl/: the property suites and the known
// mutants' catches (suites.mutation.ts), and the checks that the implementation boots the
// model's byte map and the compilers' bytes for any list of functions.
export default defineConfig({
  test: {
    root: resolve(import.meta.dirname, '../../..'),
    include: [
      'properties/tooling/mutation/suites.mutation.ts',
      'properties/tooling/mutation/races.mutation.ts',
      'properties/engine/layout/impl-vs-model.test.ts',
      'properties/engine/layout/impl-vs-dumps.test.ts',
      'properties/engine/layout/impl-layout.property.test.ts',
      'properties/engine/layout/arm64-no-metadata.test.ts',
    ],
    testTimeout: 60_000,
  },
});
