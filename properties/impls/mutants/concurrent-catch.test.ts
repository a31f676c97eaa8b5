import { describe, expect, it } from 'vitest';
import { configurationByName } from '../../../model/config/index.ts';
import { DEFAULT_GEN } from '../../engine/concurrent/arbitraries.ts';
import { toldApartFrom } from '../../engine/concurrent/differential.ts';
import { labelOf } from '../../engine/concurrent/classify.ts';
import { ASCENDING } from '../../engine/core/scenario.ts';
import { searchConcurrent } from '../../engine/concurrent/search.ts';
import { FINDING_TARGETS } from '../../engine/concurrent/targets.ts';
import { simulate } from '../../engine/concurrent/simulate.ts';
import { v4 } from '../../../impl/v4/store.ts';
import { growPublishBeforeCopy } from './grow-publish-before-copy.ts';
import { KNOWN_ESCAPES } from './plan.ts';
import { must } from '../../engine/core/must.ts';

/**
 * The sequential escapes (plan.ts) are races: the concurrent search, counting only runs v4
 * does not fail the same way, must tell each apart from v4 with a small counterexample.
 */
const v4Races = new Set(FINDING_TARGETS.map((t) => t.id));

describe('sequential escapes are caught by the concurrent search', () => {
  it('lists exactly the mutants this file hunts', () => {
    expect(Object.keys(KNOWN_ESCAPES)).toEqual([growPublishBeforeCopy.name]);
  });

  it.each(['pct', 'exhaustive'] as const)(
    'grow-publish-before-copy, %s schedules: a reader sees the unfilled array; v4 passes the same run',
    (strategy) => {
      const r = searchConcurrent(growPublishBeforeCopy, {
        gen: { ...DEFAULT_GEN, config: configurationByName('x86-A16'), pokeByteOrder: ASCENDING, readers: 'rcu' },
        strategy,
        seed: 1,
        numRuns: strategy === 'exhaustive' ? 500 : 20_000,
        timeLimitMs: 60_000,
        accept: toldApartFrom(v4, v4Races),
      });
      expect(r.holds).toBe(false);
      const run = must(r.run, 'a failing run');
      const onV4 = simulate(run.scenario, v4);
      expect(v4Races.has(labelOf(run.violation))).toBe(false);
      expect(labelOf(onV4.violation)).not.toBe(labelOf(run.violation));
      expect(run.scenario.programs.flat().length).toBeLessThanOrEqual(6);
      console.log(
        `grow-publish-before-copy (${strategy}): ${labelOf(run.violation)} after ${r.runsUntilFailure} runs, ${Math.round(r.timeToFindMs ?? 0)} ms; v4 on the same run: ${labelOf(onV4.violation)}\n  ${run.violation?.message}`,
      );
    },
  );

  it('no implementation is told apart from itself, under exhaustive search too (the reference reruns the explored interleaving)', () => {
    const r = searchConcurrent(growPublishBeforeCopy, {
      gen: { ...DEFAULT_GEN, config: configurationByName('x86-A16'), pokeByteOrder: ASCENDING, readers: 'rcu' },
      strategy: 'exhaustive',
      seed: 1,
      numRuns: 40,
      accept: toldApartFrom(growPublishBeforeCopy, new Set()),
    });
    expect(r.run?.violation?.message).toBeUndefined();
    expect(r.holds).toBe(true);
  });
});
