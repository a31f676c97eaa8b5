import { describe, expect, it } from 'vitest';
import { SUITES, suiteByName } from '../../engine/sequential/suites.ts';
import { MUTANTS } from '../../impls/mutants/index.ts';
import { BASELINE, MUTANT_BASELINE } from './baseline.ts';
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

/**
 * The known bugs as StrykerJS's test too: each mutant of properties/impls/mutants must still be
 * reported exactly as before. A change to impl/ that blinds the simulator (a use-after-free,
 * double free, leak or WARN no longer noticed) or the hooks a mutant relies on shows here.
 */
describe('known mutants are reported exactly as before', () => {
  for (const m of MUTANTS) {
    const known = MUTANT_BASELINE[m.name];
    if (!known) continue;
    it(`${m.name} on ${known.config} / ${known.suite}`, () => {
      expect(outcomeOf(known.config, suiteByName(known.suite), m)).toEqual(known.outcome);
    });
  }
});
