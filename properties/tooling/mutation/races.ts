import { v4 } from '../../../impl/v4/store.ts';
import { cpuCount, opCount } from '../../engine/core/scenario.ts';
import type { StrategyName } from '../../engine/core/scenario.ts';
import { searchConcurrent } from '../../engine/concurrent/search.ts';
import { findingTarget } from '../../engine/concurrent/targets.ts';

/** v4's races as the mutation run looks for them: the quicker strategy for each, seed 1. */
export const RACE_SEARCHES: readonly { readonly id: string; readonly strategy: StrategyName }[] = [
  { id: 'D1', strategy: 'random' },
  { id: 'D2', strategy: 'pct' },
  { id: 'D6', strategy: 'random' },
  { id: 'D7-warn', strategy: 'pct' },
  { id: 'D7-index', strategy: 'pct' },
  { id: 'NORCU', strategy: 'pct' },
];
export const RACE_SEED = 1;

/** What a race search reports, in enough detail that any change shows. */
export interface RaceOutcome {
  readonly finding: string | null;
  readonly runsUntilFailure: number | null;
  readonly cpus: number | null;
  readonly ops: number | null;
  readonly message: string | null;
}

/** One search; `numRuns` is the budget (the baseline's own run count, so a lost race ends quickly). */
export function raceOutcome(id: string, strategy: StrategyName, numRuns: number): RaceOutcome {
  const t = findingTarget(id);
  const r = searchConcurrent(v4, {
    gen: t.gen,
    strategy,
    seed: RACE_SEED,
    numRuns,
    maxExecutions: 500,
    accept: t.accept,
  });
  const run = r.run;
  return {
    finding: r.finding?.id ?? null,
    runsUntilFailure: r.runsUntilFailure,
    cpus: run ? cpuCount(run.scenario) : null,
    ops: run ? opCount(run.scenario) : null,
    message: run?.violation?.message ?? null,
  };
}
