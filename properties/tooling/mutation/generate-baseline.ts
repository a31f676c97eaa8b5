// Prints baseline.ts: v4's outcomes on the mutation run's configurations, where each known
// mutant is first told apart from v4 there (with its outcome), and v4's races:
//   npx tsx properties/tooling/mutation/generate-baseline.ts > properties/tooling/mutation/baseline.ts
import { configurationByName } from '../../../model/config/index.ts';
import { SUITES, suiteByName } from '../../engine/sequential/suites.ts';
import { v4 } from '../../../impl/v4/store.ts';
import { Hunter } from '../../impls/mutants/hunt.ts';
import { MUTANTS } from '../../impls/mutants/index.ts';
import { suitesFor } from '../../impls/mutants/plan.ts';
import { outcomeOf } from './outcome.ts';
import { RACE_SEARCHES, raceOutcome } from './races.ts';
import type { RaceOutcome } from './races.ts';
import { MUTATION_CONFIGS, MUTATION_RUNS, MUTATION_SEED } from './settings.ts';
import type { MutantCatch, Outcome } from './settings.ts';

const out: Record<string, Record<string, Outcome>> = {};
for (const config of MUTATION_CONFIGS) {
  const row: Record<string, Outcome> = {};
  for (const suite of SUITES) row[suite.name] = outcomeOf(config, suite);
  out[config] = row;
}

const hunter = new Hunter(v4, { seed: MUTATION_SEED, numRuns: MUTATION_RUNS });
const configs = MUTATION_CONFIGS.map(configurationByName);
const mutants: Record<string, MutantCatch> = {};
for (const m of MUTANTS) {
  const caught = hunter.hunt(m, configs, suitesFor(m.name).map(suiteByName)).caught;
  if (!caught) continue;
  mutants[m.name] = {
    config: caught.config,
    suite: caught.suite,
    outcome: outcomeOf(caught.config, suiteByName(caught.suite), m),
  };
}

const races: Record<string, RaceOutcome> = {};
for (const { id, strategy } of RACE_SEARCHES) races[id] = raceOutcome(id, strategy, 1_000_000);

console.log(`import type { RaceOutcome } from './races.ts';
import type { MutantCatch, Outcome } from './settings.ts';

/** v4's outcomes (see settings.ts); regenerate with generate-baseline.ts when the suites change. */
export const BASELINE: Readonly<Record<string, Readonly<Record<string, Outcome>>>> = ${JSON.stringify(out, null, 2)};

/** Where each known mutant is first told apart from v4 on those configurations, and what the suite reports for it. */
export const MUTANT_BASELINE: Readonly<Record<string, MutantCatch>> = ${JSON.stringify(mutants, null, 2)};

/** v4's races under races.ts's searches: the run that found each, and the shrunk counterexample. */
export const RACE_BASELINE: Readonly<Record<string, RaceOutcome>> = ${JSON.stringify(races, null, 2)};`);
