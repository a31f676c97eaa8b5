// Prints baseline.ts, v4's outcomes on the mutation run's configurations:
//   npx tsx properties/mutation/generate-baseline.ts > properties/mutation/baseline.ts
import { SUITES } from '../harness/suites.ts';
import { outcomeOf } from './outcome.ts';
import { MUTATION_CONFIGS } from './settings.ts';
import type { Outcome } from './settings.ts';

const out: Record<string, Record<string, Outcome>> = {};
for (const config of MUTATION_CONFIGS) {
  const row: Record<string, Outcome> = {};
  for (const suite of SUITES) row[suite.name] = outcomeOf(config, suite);
  out[config] = row;
}
console.log(`import type { Outcome } from './settings.ts';

/** v4's outcomes (see settings.ts); regenerate with generate-baseline.ts when the suites change. */
export const BASELINE: Readonly<Record<string, Readonly<Record<string, Outcome>>>> = ${JSON.stringify(out, null, 2)};`);
