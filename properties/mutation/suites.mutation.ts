import { describe, expect, it } from 'vitest';
import { v4 } from '../../impl/v4/store.ts';
import { configurationByName } from '../../model/config/index.ts';
import { checkProperty } from '../harness/property.ts';
import { SUITES } from '../harness/suites.ts';
import { BASELINE } from './baseline.ts';

/**
 * The property suites as StrykerJS's test: every (configuration, suite)
 * verdict of the v4 reference must stay what it is. A mutant of impl/ that
 * changes any verdict, or the finding a suite names, is killed.
 */
describe('property suites keep the v4 verdicts', () => {
  for (const [config, perSuite] of Object.entries(BASELINE)) {
    for (const suite of SUITES) {
      it(`${config} / ${suite.name}`, () => {
        const r = checkProperty(configurationByName(config), suite, v4, { seed: 42, numRuns: 30 });
        expect(r.holds ? 'holds' : (r.finding?.id ?? r.counterexample?.violation?.check)).toBe(perSuite[suite.name]);
      });
    }
  }
});
