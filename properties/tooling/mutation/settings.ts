/** What the mutation run checks: these configurations, every suite, this seed and run count. */
export const MUTATION_CONFIGS: readonly string[] = [
  'x86-A16',
  'x86-A16-thunks',
  'x86-A64',
  'x86-B-kcfi',
  'x86-C-kcfi-kconfig-thunks',
  'x86-C-fineibt-kconfig',
  'x86-C-fineibt-intent',
  'x86-C-fineibt-pre2025-intent',
  'arm64-md-1,1',
  'arm64-args8-4,2-bti',
  'arm64-callops-6,4',
];
export const MUTATION_SEED = 42;
export const MUTATION_RUNS = 30;

/** A suite's outcome, in enough detail that any change in what it reports shows. */
export interface Outcome {
  readonly verdict: string;
  readonly check: string | null;
  readonly message: string | null;
  readonly commands: number | null;
}

/** A known mutant (properties/impls/mutants) caught on one (configuration, suite) pair. */
export interface MutantCatch {
  readonly config: string;
  readonly suite: string;
  readonly outcome: Outcome;
}
