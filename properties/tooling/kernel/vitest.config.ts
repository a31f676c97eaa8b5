import { defineConfig } from 'vitest/config';

// `npm run test:kernel` only: the default config's include never reaches *.kernel.ts files.
export default defineConfig({
  test: {
    include: ['properties/tooling/kernel/**/*.kernel.ts'],
    testTimeout: 1_200_000,
    hookTimeout: 600_000,
  },
});
