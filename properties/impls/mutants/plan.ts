import type { SuiteName } from '../../engine/sequential/suites.ts';

/** Every mutant is hunted on these first, in this order: no faults, then allocation failure. */
export const BASE_SUITES: readonly SuiteName[] = ['contract', 'alloc-failure'];

/** Fault suites a mutant's bug needs to become reachable (tried after the base suites). */
export const EXTRA_SUITES: Readonly<Record<string, readonly SuiteName[]>> = {
  // the already-equal row needs a window that holds the instruction before get pokes it
  'mutant:no-already-equal': ['forged-insn'],
  'mutant:repoke-equal': ['forged-insn'],
  // index >= count only comes from bytes kfunc_md did not write
  'mutant:find-no-bound-check': ['forged-insn', 'unpadded'],
  // the rollback runs only when the poke fails, i.e. over foreign bytes
  'mutant:ebusy-no-rollback': ['foreign-bytes'],
};

/**
 * Mutants the default run does not catch, and why. These are findings about the suites, not
 * weak mutants: escapes.test.ts shows the scenario a generator would need to produce.
 */
export const KNOWN_ESCAPES: Readonly<Record<string, string>> = {
  // a race: the concurrent search catches it, counting only runs v4 passes (concurrent-catch.test.ts)
  'mutant:grow-publish-before-copy':
    'the sequential suites run one CPU: no reader ever runs between the publish and the copy',
};

export function suitesFor(mutant: string): readonly SuiteName[] {
  return [...BASE_SUITES, ...(EXTRA_SUITES[mutant] ?? [])];
}
