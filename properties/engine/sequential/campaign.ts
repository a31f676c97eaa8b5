import type { Configuration } from '../../../model/config/index.ts';
import { allEdgeIds } from '../../../model/index.ts';
import type { Declarations, Implementation } from '../../../impl/contract/index.ts';
import { checkProperty } from './property.ts';
import type { PropertyResult } from './property.ts';
import type { Suite } from './suites.ts';

export interface CampaignOptions {
  readonly seed: number;
  readonly numRuns: number;
  /** called after each property, for progress bars */
  readonly onProgress?: (done: number, total: number, last: PropertyResult) => void;
}

export interface Campaign {
  readonly impl: string;
  /** what the implementation declares: the report names the checks and suites that do not apply */
  readonly declares: Declarations;
  readonly seed: number;
  readonly numRuns: number;
  readonly results: readonly PropertyResult[];
  /** model transition → times taken, every transition of the machine listed (0 when untaken) */
  readonly coverage: ReadonlyMap<string, number>;
}

/** Every suite on every configuration, one shared coverage map. */
export function runCampaign(
  impl: Implementation,
  configs: readonly Configuration[],
  suites: readonly Suite[],
  opts: CampaignOptions,
): Campaign {
  const coverage = new Map<string, number>(allEdgeIds().map((e) => [e, 0]));
  const results: PropertyResult[] = [];
  const total = configs.length * suites.length;
  for (const config of configs) {
    for (const suite of suites) {
      const r = checkProperty(config, suite, impl, { seed: opts.seed, numRuns: opts.numRuns, coverage });
      results.push(r);
      opts.onProgress?.(results.length, total, r);
    }
  }
  return { impl: impl.name, declares: impl.declares, seed: opts.seed, numRuns: opts.numRuns, results, coverage };
}
