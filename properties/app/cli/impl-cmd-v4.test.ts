import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildC } from '../../../impl/c/build.ts';
import { commandImplementation } from '../../../impl/protocol/index.ts';
import type { CommandImplementation } from '../../../impl/protocol/index.ts';
import { v4 } from '../../../impl/v4/store.ts';
import { allConfigurations, configurationByName } from '../../../model/config/index.ts';
import { DEFAULT_GEN } from '../../engine/concurrent/arbitraries.ts';
import { searchConcurrent } from '../../engine/concurrent/search.ts';
import type { ConcSearchOptions } from '../../engine/concurrent/search.ts';
import { DEFAULT_RUNS, DEFAULT_SEED } from '../../engine/core/defaults.ts';
import { runCampaign } from '../../engine/sequential/campaign.ts';
import type { Campaign } from '../../engine/sequential/campaign.ts';
import { SUITES, suiteByName } from '../../engine/sequential/suites.ts';

// impl/c/v4.c through the protocol against impl/v4 in process, at seed 42: the same verdict
// table and byte-identical counterexamples. CI checks a subset of the configurations at the
// default runs (about a minute); the full comparison, every configuration:
//   KFMD_C_CONFIGS=all npx vitest run properties/app/cli/impl-cmd-v4.test.ts
// (KFMD_C_CONFIGS also takes configuration names separated by spaces; KFMD_C_RUNS the runs)

const SUBSET = [
  'x86-A16',
  'x86-B-kcfi',
  'x86-C-kcfi-kconfig-thunks',
  'x86-C-fineibt-kconfig',
  'arm64-md8-2,2-bti',
  'arm64-callops-6,4',
];
const wanted = process.env['KFMD_C_CONFIGS'];
const CONFIGS =
  wanted === 'all' ? allConfigurations() : (wanted ? wanted.split(/\s+/) : SUBSET).map((n) => configurationByName(n));
const RUNS = Number(process.env['KFMD_C_RUNS'] ?? DEFAULT_RUNS);

let c: CommandImplementation;
beforeAll(() => {
  c = commandImplementation([buildC()]);
});
afterAll(() => c.close());

/** JSON with the implementation's name as v4's and without the times, which differ. */
function same(value: unknown, name: string): string {
  const timing = new Set(['totalMs', 'timeToFindMs', 'ms']);
  return JSON.stringify(value, (key, v: unknown) => (timing.has(key) ? 0 : key === 'impl' && v === name ? 'v4' : v));
}

function table(campaign: Campaign): string[] {
  return campaign.results.map((r) => `${r.config}/${r.suite}: ${r.status} ${r.finding?.id ?? ''}`);
}

describe('v4.c through --impl-cmd is impl/v4', () => {
  it(
    `sequential: ${CONFIGS.length} configurations × ${SUITES.length} suites, ${RUNS} runs, seed ${DEFAULT_SEED}`,
    () => {
      const opts = { seed: DEFAULT_SEED, numRuns: RUNS };
      const ts = runCampaign(v4, CONFIGS, SUITES, opts);
      const cc = runCampaign(c, CONFIGS, SUITES, opts);
      expect(table(cc)).toEqual(table(ts));
      // the subset is no trivial one: both outcomes, and counterexamples to compare
      expect(ts.results.some((r) => r.status === 'holds')).toBe(true);
      expect(ts.results.filter((r) => r.counterexample !== null).length).toBeGreaterThan(CONFIGS.length);
      for (let i = 0; i < ts.results.length; i++) {
        expect(same(cc.results[i], c.name), `${ts.results[i]?.config}/${ts.results[i]?.suite}`).toBe(
          same(ts.results[i], v4.name),
        );
      }
      expect(same(cc.coverage, c.name)).toBe(same(ts.coverage, v4.name));
      // about 7 s a configuration for v4.c on a loaded machine, with room to spare
    },
    60_000 + 20_000 * CONFIGS.length,
  );

  it.each([
    ['x86-A16', 'pct', 200],
    ['arm64-md-1,1', 'random', 200],
    ['x86-A16', 'exhaustive', 3],
  ] as const)('concurrent: %s, %s, %i scenarios: the same runs, timelines and verdicts', (config, strategy, runs) => {
    const opts: ConcSearchOptions = {
      gen: { ...DEFAULT_GEN, config: configurationByName(config), pokeByteOrder: [0, 1, 2, 3, 4] },
      strategy,
      seed: DEFAULT_SEED,
      numRuns: runs,
    };
    const ts = searchConcurrent(v4, opts);
    const cc = searchConcurrent(c, opts);
    expect(same(cc, c.name)).toBe(same(ts, v4.name));
  });

  it('the same C with a bug injected (no kfunc_md_used-- in __kfunc_md_put) fails with a counterexample', () => {
    const bugged = commandImplementation([buildC({ defines: ['KFMD_INJECT_SKIP_USED_DEC'] })]);
    try {
      const opts = { seed: DEFAULT_SEED, numRuns: RUNS };
      const config = [configurationByName('x86-A16')];
      expect(runCampaign(v4, config, [suiteByName('contract')], opts).results[0]?.status).toBe('holds');
      const r = runCampaign(bugged, config, [suiteByName('contract')], opts).results[0];
      expect(r?.status).toBe('violated');
      expect(r?.counterexample?.violation?.message).toMatch(/kfunc_md_used is \d+ but \d+ slot\(s\) have users > 0/);
      expect(r?.counterexample?.executed.some((cmd) => cmd.op === 'put' || cmd.op === 'put_by_ip')).toBe(true);
    } finally {
      bugged.close();
    }
  });
});
