import { describe, expect, it } from 'vitest';
import { SUITES } from '../harness/suites.ts';
import { BASELINE } from './baseline.ts';
import { outcomeOf } from './outcome.ts';

/**
 * The property suites as StrykerJS's test. Where v4 holds, a mutant of impl/
 * is killed when the suite finds a violation; where v4 already has a finding,
 * when the suite reports anything else (another check, message or shrunk
 * counterexample): the suites noticed the change.
 */
describe('property suites report exactly what they report for v4', () => {
  for (const [config, perSuite] of Object.entries(BASELINE)) {
    for (const suite of SUITES) {
      it(`${config} / ${suite.name}`, () => {
        expect(outcomeOf(config, suite)).toEqual(perSuite[suite.name]);
      });
    }
  }
});
