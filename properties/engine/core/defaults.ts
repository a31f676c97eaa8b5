import type { StrategyName } from './scenario.ts';

/** The seed of `kfmd check` when --seed is not given, and of the figures the README quotes. */
export const DEFAULT_SEED = 42;

/** Each (configuration, suite or search) pair gets its own stream, derived from the run's seed. */
export function propertySeed(seed: number, config: string, suite: string): number {
  let h = seed | 0;
  for (const ch of `${config}/${suite}`) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}

/** Runs per sequential property when --runs is not given. */
export const DEFAULT_RUNS = 50;

/** Scenarios per concurrent property when --runs is not given: exhaustive enumerates each one's schedules. */
export const DEFAULT_CONCURRENT_RUNS: Readonly<Record<StrategyName, number>> = {
  random: 200,
  pct: 200,
  exhaustive: 10,
};
