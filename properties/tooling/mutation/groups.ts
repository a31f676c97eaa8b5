import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import type { ViteUserConfig } from 'vitest/config';

/**
 * The mutation groups, run in this order by run.ts: each mutates some files of impl/ (its
 * <group>.stryker.json) and kills them with the tests meant for those files (the vitest config
 * it names), so a folder's score says how well its own tests pin it. impl/kernel is three groups
 * (text; memory and plumbing; RCU and what is built on it) so that each finishes in reasonable
 * time. impl/testing (test helpers) and impl/fixtures (committed objects and their build) are mutated by
 * none; impl/protocol and impl/c neither (not yet stable).
 */
export const GROUPS = [
  'kernel-text',
  'kernel-memory',
  'kernel-rcu',
  'kfmd',
  'may25',
  'jul25',
  'rht',
  'locked',
  'contract',
  'elf',
  'v4-arch',
] as const;
export type Group = (typeof GROUPS)[number];

/** The layout checks: the implementation boots the model's byte map and the compilers' bytes. */
export const LAYOUT_TESTS: readonly string[] = [
  'properties/engine/layout/impl-vs-model.test.ts',
  'properties/engine/layout/impl-vs-dumps.test.ts',
  'properties/engine/layout/impl-layout.property.test.ts',
  'properties/engine/layout/arm64-no-metadata.test.ts',
];

/** A vitest config over `include` (paths from the repository root), for one group's Stryker run. */
export function mutationVitestConfig(include: readonly string[]): ViteUserConfig {
  return defineConfig({
    test: {
      root: resolve(import.meta.dirname, '../../..'),
      include: [...include],
      testTimeout: 60_000,
    },
  });
}
