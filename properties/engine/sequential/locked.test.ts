import { describe, expect, it } from 'vitest';
import { locked as LOCKED } from '../../../impl/locked/store.ts';
import { allConfigurations } from '../../../model/config/index.ts';
import { runCampaign } from './campaign.ts';
import { suiteByName } from './suites.ts';
import { must } from '../core/must.ts';

// No false alarms, sequentially: the correct-by-construction store (its concurrent checks: properties/engine/concurrent/locked.test.ts)
describe('locked: the sequential contract suite', () => {
  it('holds everywhere but the D12 layouts, which are reported as D12 (a layout finding, not an implementation one)', () => {
    const campaign = runCampaign(LOCKED, allConfigurations(), [suiteByName('contract')], { seed: 42, numRuns: 30 });
    for (const r of campaign.results) {
      const overlaps =
        must(
          allConfigurations().find((c) => c.name === r.config),
          r.config,
        ).overlaps.length > 0;
      if (overlaps) expect(r.finding?.id, r.config).toBe('D12');
      else expect(r.holds, `${r.config}: ${r.counterexample?.violation?.message}`).toBe(true);
    }
  });
});
