import { describe, expect, it } from 'vitest';
import { v4 } from '../../../impl/v4/store.ts';
import { allConfigurations } from '../../../model/config/index.ts';
import { explore } from './explore.ts';
import { labelOf } from './classify.ts';
import type { ConcurrentScenario } from '../core/scenario.ts';
import { searchConcurrent } from './search.ts';
import type { ConcRun } from './simulate.ts';
import { findingTarget } from './targets.ts';
import { must } from '../core/must.ts';

const ARM64 = allConfigurations().filter((c) => c.arch === 'arm64');
/** A torn read in any form: decoded below the capacity (I8), or caught by the bound check. */
const torn = (run: ConcRun): boolean => run.violation?.check === 'I8' || labelOf(run.violation).startsWith('D7');

// The same hunts that find D7 on x86 (findings.test.ts) find nothing on arm64: one aligned word per poke.
describe('arm64: aarch64_insn_patch_text_nosync writes one word, so no reader sees a torn index', () => {
  it.each(['D7-warn', 'D7-index'])('the %s hunt, random and PCT, on every arm64 configuration', (id) => {
    const gen = findingTarget(id).gen;
    for (const config of ARM64) {
      for (const strategy of ['random', 'pct'] as const) {
        const r = searchConcurrent(v4, {
          gen: { ...gen, config },
          strategy,
          seed: 1,
          numRuns: id === 'D7-index' ? 300 : 600,
          accept: torn,
        });
        expect(r.holds, `${config.name} ${strategy}: ${r.run?.violation?.message}`).toBe(true);
      }
    }
  });

  it.each(ARM64.map((c) => c.name))(
    '%s: every interleaving of install/remove against two readers (≤ 2 preemptions)',
    (config) => {
      const scenario: ConcurrentScenario = {
        config,
        entriesPerPage: 1,
        maxOrder: 2,
        pokeByteOrder: [1, 2, 3, 4, 0],
        functions: [{ name: 'f0', padded: true }],
        programs: [
          [
            { op: 'locked_get', fn: 'f0' },
            { op: 'put', fn: 'f0' },
          ],
          [{ op: 'tramp', fn: 'f0', rcu: true }],
          [{ op: 'tramp', fn: 'f0', rcu: true }],
        ],
        schedule: { kind: 'segments', segments: [] },
      };
      const r = explore(scenario, v4, {
        preemptionBound: 2,
        maxExecutions: 100_000,
        accept: torn,
      });
      expect(r.found?.violation?.message).toBeUndefined();
      expect(r.exhausted).toBe(true);
      expect(r.executions).toBeGreaterThan(100);
    },
  );

  it('the same exhaustive search on x86 does find the torn read', () => {
    const scenario: ConcurrentScenario = {
      config: 'x86-A16',
      entriesPerPage: 1,
      maxOrder: 2,
      pokeByteOrder: [1, 2, 3, 4, 0],
      functions: [{ name: 'f0', padded: true }],
      programs: [
        [
          { op: 'locked_get', fn: 'f0' },
          { op: 'put', fn: 'f0' },
        ],
        [{ op: 'tramp', fn: 'f0', rcu: true }],
      ],
      schedule: { kind: 'segments', segments: [] },
    };
    const r = explore(scenario, v4, { accept: torn });
    expect(labelOf(must(r.found, 'a schedule found').violation)).toBe('D7-warn');
    expect(must(r.found, 'a schedule found').preemptions).toBe(1);
  });
});
