import type { Configuration } from '../../../model/config/index.ts';
import type { Arch } from '../../../model/encoding/window.ts';
import { declarationsOf } from '../../../impl/contract/index.ts';
import { allEdgeIds, edgeIdsFor } from '../../../model/index.ts';
import { designOf } from '../core/world.ts';
import type { Declarations, Implementation } from '../../../impl/contract/index.ts';
import { checkProperty } from './property.ts';
import type { PropertyOptions, PropertyResult } from './property.ts';
import type { Suite } from './suites.ts';

export interface CampaignOptions {
  readonly seed: number;
  readonly numRuns: number;
  /** called after each property, for progress bars */
  readonly onProgress?: (done: number, total: number, last: PropertyResult) => void;
  /** passed to every property (property.ts): which violations count */
  readonly accept?: PropertyOptions['accept'];
}

export interface Campaign {
  readonly impl: string;
  /** what the implementation declares: the report names the checks and suites that do not apply */
  readonly declares: Declarations;
  /** the architectures of the configurations run (a check of one arch is reported only where it ran) */
  readonly arches: readonly Arch[];
  readonly seed: number;
  readonly numRuns: number;
  readonly results: readonly PropertyResult[];
  /** model transition → times taken, every transition of the machine listed (0 when untaken) */
  readonly coverage: ReadonlyMap<string, number>;
}

/** A campaign one property at a time: a caller may stop between two (an interrupted check) and still report. */
export interface CampaignRunner {
  /** How many properties the whole campaign has. */
  readonly total: number;
  /** Runs the next property and returns its result, or null when every one has run. */
  next(): PropertyResult | null;
  /** The campaign of the properties run so far. */
  campaign(): Campaign;
}

/** Every suite on every configuration, in that order, one shared coverage map. */
export function campaignRunner(
  impl: Implementation,
  configs: readonly Configuration[],
  suites: readonly Suite[],
  opts: CampaignOptions,
): CampaignRunner {
  // the transitions this design can take on these configurations (a hash design has no window to restore)
  const possible = configs.flatMap((c) => edgeIdsFor(designOf(declarationsOf(impl, c.options))));
  const coverage = new Map<string, number>(
    allEdgeIds()
      .filter((e) => possible.includes(e))
      .map((e) => [e, 0]),
  );
  const pairs = configs.flatMap((config) => suites.map((suite) => ({ config, suite })));
  const results: PropertyResult[] = [];
  const accept = opts.accept ? { accept: opts.accept } : {};
  const arches = [...new Set(configs.map((c) => c.options.arch))];
  return {
    total: pairs.length,
    next() {
      const pair = pairs[results.length];
      if (!pair) return null;
      const r = checkProperty(pair.config, pair.suite, impl, {
        seed: opts.seed,
        numRuns: opts.numRuns,
        coverage,
        ...accept,
      });
      results.push(r);
      opts.onProgress?.(results.length, pairs.length, r);
      return r;
    },
    campaign: () => ({
      impl: impl.name,
      declares: impl.declares,
      arches,
      seed: opts.seed,
      numRuns: opts.numRuns,
      results: [...results],
      coverage,
    }),
  };
}

/** Every suite on every configuration, one shared coverage map. */
export function runCampaign(
  impl: Implementation,
  configs: readonly Configuration[],
  suites: readonly Suite[],
  opts: CampaignOptions,
): Campaign {
  const runner = campaignRunner(impl, configs, suites, opts);
  while (runner.next() !== null);
  return runner.campaign();
}
