import { describe, expect, it } from 'vitest';
import { RACE_BASELINE } from './baseline.ts';
import { RACE_SEARCHES, raceOutcome } from './races.ts';

/**
 * v4's races as StrykerJS's test: the same search (seed, strategy, run budget) must find the
 * same race, shrunk the same way. Trampoline, RCU, page-poisoning and poke-order code is only
 * exercised by concurrent runs, so only these notice a mutant there.
 */
describe('concurrent searches find exactly the races they find on v4', () => {
  for (const { id, strategy } of RACE_SEARCHES) {
    const known = RACE_BASELINE[id];
    if (!known) continue;
    it(`${id} (${strategy})`, () => {
      expect(raceOutcome(id, strategy, known.runsUntilFailure ?? 1)).toEqual(known);
    });
  }
});
