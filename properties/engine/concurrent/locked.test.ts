import { describe, expect, it } from 'vitest';
import { locked as LOCKED } from '../../../impl/locked/store.ts';
import { allConfigurations } from '../../../model/config/index.ts';
import { DEFAULT_GEN } from './arbitraries.ts';
import { DEFAULT_CONCURRENT_RUNS } from '../core/defaults.ts';
import { ASCENDING } from '../core/scenario.ts';
import { searchConcurrent } from './search.ts';
import { LOW_BYTE_FIRST } from './targets.ts';
import { must } from '../core/must.ts';

// No false alarms: the correct-by-construction store passes every concurrent check everywhere.
describe('locked: every concurrent check holds on every configuration', () => {
  it.each(['random', 'pct'] as const)('%s, default budget, both byte orders', (strategy) => {
    for (const config of allConfigurations()) {
      for (const pokeByteOrder of [ASCENDING, LOW_BYTE_FIRST]) {
        const r = searchConcurrent(LOCKED, {
          gen: { ...DEFAULT_GEN, config, pokeByteOrder },
          strategy,
          seed: 11,
          numRuns: DEFAULT_CONCURRENT_RUNS[strategy] / 2,
        });
        expect(r.holds, `${config.name}: ${r.run?.violation?.message}`).toBe(true);
        expect(r.unknown, `${config.name}: linearizability ran out of budget`).toBe(0);
      }
    }
  });

  it('exhaustive, default bound and schedule budget', () => {
    for (const config of allConfigurations()) {
      const r = searchConcurrent(LOCKED, {
        gen: { ...DEFAULT_GEN, config, pokeByteOrder: ASCENDING },
        strategy: 'exhaustive',
        seed: 11,
        numRuns: 2,
      });
      expect(r.holds, `${config.name}: ${r.run?.violation?.message}`).toBe(true);
      expect(must(r.explored, 'exhaustive figures').executions).toBeGreaterThan(0);
    }
  });

  it('readers without rcu_read_lock and real 4 KiB pages are safe too', () => {
    for (const config of allConfigurations().filter((c) =>
      ['x86-A16', 'x86-C-kcfi-kconfig-thunks', 'arm64-callops-6,4'].includes(c.name),
    )) {
      const r = searchConcurrent(LOCKED, {
        gen: {
          ...DEFAULT_GEN,
          config,
          pokeByteOrder: LOW_BYTE_FIRST,
          entriesPerPage: 256,
          maxOrder: 0,
          readers: 'norcu',
        },
        strategy: 'pct',
        seed: 5,
        numRuns: 100,
      });
      expect(r.holds, `${config.name}: ${r.run?.violation?.message}`).toBe(true);
    }
  });
});

// the sequential contract suite on locked: properties/engine/sequential/locked.test.ts
