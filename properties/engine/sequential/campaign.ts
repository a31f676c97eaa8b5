import type { Configuration } from '../../../model/config/index.ts';
import { allEdgeIds } from '../../../model/index.ts';
import type { Implementation } from '../../impls/registry.ts';
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
      const r = checkProperty(config, suite, impl.factory, {
        seed: opts.seed,
        numRuns: opts.numRuns,
        coverage,
        slotPolicy: impl.slotPolicy,
      });
      results.push(r);
      opts.onProgress?.(results.length, total, r);
    }
  }
  return { impl: impl.name, seed: opts.seed, numRuns: opts.numRuns, results, coverage };
}
