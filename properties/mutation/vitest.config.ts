import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// StrykerJS runs only the property suites (suites.mutation.ts) against each mutant of impl/.
export default defineConfig({
  test: {
    root: resolve(import.meta.dirname, '../..'),
    include: ['properties/mutation/suites.mutation.ts'],
    testTimeout: 60_000,
  },
});
