import { beforeAll, describe, expect, it } from 'vitest';
import { v4 } from '../../../impl/v4/store.ts';
import { allConfigurations } from '../../../model/config/index.ts';
import { DEFAULT_RUNS, DEFAULT_SEED } from '../core/defaults.ts';
import { runCampaign } from './campaign.ts';
import type { Campaign } from './campaign.ts';
import { SUITES } from './suites.ts';
import { must } from '../core/must.ts';

/**
 * The default run (`kfmd check --impl v4`: every configuration, every suite,
 * default seed and runs) as one campaign, then what the issue asks of it.
 */
let campaign: Campaign;
const configs = allConfigurations();
const d12Configs = configs.filter((c) => c.overlaps.length > 0).map((c) => c.name);
// D13 is a boot finding of the contract suite (I10): the arm64 BTI kernels with ftrace NOPs at the entry
const d13Configs = ['arm64-args-3,1-bti', 'arm64-args8-4,2-bti', 'arm64-callops-6,4-bti'];

beforeAll(() => {
  campaign = runCampaign(v4, configs, SUITES, { seed: DEFAULT_SEED, numRuns: DEFAULT_RUNS });
}, 300_000);

describe('default run against v4', () => {
  it.each(['D3', 'D8', 'D10', 'D12', 'D6'])(
    'the generic suites find %s with a counterexample of at most 6 commands',
    (id) => {
      const hits = campaign.results.filter((r) => r.finding?.id === id);
      expect(hits.length).toBeGreaterThan(0);
      const shortest = Math.min(...hits.map((r) => must(r.counterexample, 'a counterexample').executed.length));
      expect(shortest).toBeLessThanOrEqual(6);
    },
  );

  it('D12 shows exactly on the case C Kconfig-reading FineIBT configurations', () => {
    const d12 = new Set(campaign.results.filter((r) => r.finding?.id === 'D12').map((r) => r.config));
    expect([...d12].sort()).toEqual([...d12Configs].sort());
  });

  it('D13 shows exactly on the arm64 BTI configurations with ftrace NOPs, in the contract suite only', () => {
    const d13 = campaign.results.filter((r) => r.finding?.id === 'D13').map((r) => `${r.config}/${r.suite}`);
    expect(d13.sort()).toEqual(d13Configs.map((c) => `${c}/contract`).sort());
  });

  it('no false alarms: without faults or misuse, v4 holds on every configuration where it is sound', () => {
    const unsound = [...d12Configs, ...d13Configs];
    const contract = campaign.results.filter((r) => r.suite === 'contract' && !unsound.includes(r.config));
    expect(contract.length).toBe(configs.length - unsound.length);
    expect(contract.filter((r) => !r.holds).map((r) => `${r.config}: ${r.counterexample?.violation?.message}`)).toEqual(
      [],
    );
  });

  it('allocation failure alone is handled cleanly by v4 (I11) wherever it is sound', () => {
    const alloc = campaign.results.filter((r) => r.suite === 'alloc-failure' && !d12Configs.includes(r.config));
    expect(alloc.filter((r) => !r.holds).map((r) => r.config)).toEqual([]);
  });

  it('every transition of the model is taken', () => {
    const untaken = [...campaign.coverage].filter(([, n]) => n === 0).map(([e]) => e);
    expect(untaken).toEqual([]);
  });

  it('every violation is named by the findings table', () => {
    const unnamed = campaign.results
      .filter((r) => !r.holds && !r.finding)
      .map((r) => `${r.config}/${r.suite}: ${r.counterexample?.violation?.check}`);
    expect(unnamed).toEqual([]);
  });
});
