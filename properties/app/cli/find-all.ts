import type { Implementation } from '../../../impl/contract/index.ts';
import type { Configuration } from '../../../model/config/index.ts';
import { DEFAULT_GEN } from '../../engine/concurrent/arbitraries.ts';
import type { ConcGenOptions } from '../../engine/concurrent/arbitraries.ts';
import { labelOf } from '../../engine/concurrent/classify.ts';
import { searchConcurrent } from '../../engine/concurrent/search.ts';
import type { ConcSearchResult } from '../../engine/concurrent/search.ts';
import { propertySeed } from '../../engine/core/defaults.ts';
import type { StrategyName } from '../../engine/core/scenario.ts';

/** The concurrent settings every configuration of `--impl all` is searched with. */
export interface ConcurrentSettings {
  readonly strategy: StrategyName;
  readonly runs: number;
  readonly seed: number;
  readonly pokeByteOrder: readonly number[];
  readonly entriesPerPage: number;
  readonly readers: ConcGenOptions['readers'];
  readonly preemptionBound: number;
  readonly maxExecutions: number;
}

/** Rounds after the first: more than the distinct races one generator setting reaches on v4. */
const MAX_ROUNDS = 10;

export interface AllFound {
  /** one search result per finding, in the order found */
  readonly found: readonly ConcSearchResult[];
  readonly notApplicable: string | null;
}

/**
 * Every concurrent finding of one configuration, not only the first: search, then search
 * again counting only labels not yet found, until a round finds nothing new. The first round
 * is exactly `kfmd check --schedule S` on that configuration (same seed stream).
 */
export function findAll(
  impl: Implementation,
  reference: Implementation | null,
  config: Configuration,
  s: ConcurrentSettings,
): AllFound {
  const gen: ConcGenOptions = {
    ...DEFAULT_GEN,
    config,
    pokeByteOrder: s.pokeByteOrder,
    entriesPerPage: s.entriesPerPage,
    readers: s.readers,
  };
  const found: ConcSearchResult[] = [];
  const labels = new Set<string>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const stream = round === 0 ? `concurrent-${s.strategy}` : `concurrent-${s.strategy}-${round}`;
    const r = searchConcurrent(impl, {
      gen,
      strategy: s.strategy,
      seed: propertySeed(s.seed, config.name, stream),
      numRuns: s.runs,
      preemptionBound: s.preemptionBound,
      maxExecutions: s.maxExecutions,
      accept: (run) => !labels.has(labelOf(run.violation)),
      ...(reference ? { reference } : {}),
    });
    if (r.notApplicable !== null) return { found, notApplicable: r.notApplicable };
    if (r.holds || !r.run) break;
    labels.add(labelOf(r.run.violation));
    found.push(r);
  }
  return { found, notApplicable: null };
}
