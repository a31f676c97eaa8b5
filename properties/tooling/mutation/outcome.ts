import { v4 } from '../../../impl/v4/store.ts';
import type { Implementation } from '../../../impl/contract/index.ts';
import { configurationByName } from '../../../model/config/index.ts';
import { checkProperty } from '../../engine/sequential/property.ts';
import type { Suite } from '../../engine/sequential/suites.ts';
import { MUTATION_RUNS, MUTATION_SEED } from './settings.ts';
import type { Outcome } from './settings.ts';

export function outcomeOf(config: string, suite: Suite, impl: Implementation = v4): Outcome {
  const r = checkProperty(configurationByName(config), suite, impl, { seed: MUTATION_SEED, numRuns: MUTATION_RUNS });
  const v = r.counterexample?.violation ?? null;
  return {
    verdict: r.holds ? 'holds' : (r.finding?.id ?? v?.check ?? 'violated'),
    check: v?.check ?? null,
    message: v?.message ?? null,
    commands: r.counterexample?.executed.length ?? null,
  };
}
