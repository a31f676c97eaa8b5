import fc from 'fast-check';
import { locked } from '../../../impl/locked/store.ts';
import { v4 } from '../../../impl/v4/store.ts';
import { configurationByName } from '../../../model/config/index.ts';
import { DEFAULT_GEN, concScenarioArbitrary } from '../../engine/concurrent/arbitraries.ts';
import { explore } from '../../engine/concurrent/explore.ts';
import { ASCENDING } from '../../engine/core/scenario.ts';
import type { ConcurrentScenario, StrategyName } from '../../engine/core/scenario.ts';
import { searchConcurrent } from '../../engine/concurrent/search.ts';
import { simulate } from '../../engine/concurrent/simulate.ts';
import { FINDING_TARGETS } from '../../engine/concurrent/targets.ts';
import { ModelSpecs } from '../../engine/concurrent/lin-model.ts';
import { modelInputOf } from '../../engine/core/world.ts';

export interface ConcurrentFigures {
  /** steps (each one a scheduler decision or a forced continuation), every check included, v4 and locked */
  readonly decisionsPerSecond: number;
  readonly runsPerSecond: number;
  /** 2 writers × 2 readers × 2 operations, every interleaving up to the bound (locked: nothing stops a run early) */
  readonly exhaustive: readonly {
    readonly impl: string;
    readonly preemptionBound: number;
    readonly schedules: number;
    readonly pruned: number;
    readonly states: number;
    readonly exhausted: boolean;
    readonly ms: number;
  }[];
  /** median wall time to the first failing scenario, per v4 finding and strategy, over the seeds */
  readonly timeToFind: readonly {
    readonly finding: string;
    readonly strategy: StrategyName;
    readonly medianMs: number | null;
    readonly found: number;
    readonly seeds: number;
  }[];
}

/** The 2 writers × 2 readers × 2 operations scenario the exhaustive figure is measured on. */
export function writersReaders(config = 'x86-A16'): ConcurrentScenario {
  return {
    config,
    entriesPerPage: 1,
    maxOrder: 2,
    pokeByteOrder: ASCENDING,
    functions: [
      { name: 'f0', padded: true },
      { name: 'f1', padded: true },
    ],
    programs: [
      [
        { op: 'locked_get', fn: 'f0' },
        { op: 'put', fn: 'f0' },
      ],
      [
        { op: 'locked_get', fn: 'f1' },
        { op: 'put_by_ip', fn: 'f1' },
      ],
      [
        { op: 'tramp', fn: 'f0', rcu: true },
        { op: 'tramp', fn: 'f1', rcu: true },
      ],
      [
        { op: 'tramp', fn: 'f1', rcu: true },
        { op: 'tramp', fn: 'f0', rcu: true },
      ],
    ],
    schedule: { kind: 'segments', segments: [] },
  };
}

/** Figures for `npm run bench` (never asserted in tests). */
export function benchConcurrent(
  opts: {
    seeds?: readonly number[];
    strategies?: readonly StrategyName[];
    findings?: readonly string[];
    timeLimitMs?: number;
  } = {},
): ConcurrentFigures {
  const seeds = opts.seeds ?? [1, 2, 3];
  const strategies = opts.strategies ?? ['random', 'pct', 'exhaustive'];

  const gen = { ...DEFAULT_GEN, config: configurationByName('x86-A16'), pokeByteOrder: ASCENDING };
  const scenarios = fc.sample(concScenarioArbitrary(gen, 'pct'), { seed: 1, numRuns: 2000 });
  let steps = 0;
  const t0 = performance.now();
  // one spec per implementation and setup, as a search shares it
  const specs = { v4: new ModelSpecs(), locked: new ModelSpecs() };
  for (const s of scenarios) {
    steps += simulate(s, v4, { spec: specs.v4.get(modelInputOf(s, v4)) }).steps;
    steps += simulate(s, locked, { spec: specs.locked.get(modelInputOf(s, locked)) }).steps;
  }
  const secs = (performance.now() - t0) / 1000;

  const exhaustive = [1, 2].map((bound) => {
    const r = explore(writersReaders(), locked, {
      preemptionBound: bound,
      maxExecutions: 1_000_000,
    });
    return {
      impl: 'locked',
      preemptionBound: bound,
      schedules: r.executions,
      pruned: r.pruned,
      states: r.states,
      exhausted: r.exhausted,
      ms: Math.round(r.ms),
    };
  });

  const impl = v4;
  const timeToFind = FINDING_TARGETS.filter((t) => !opts.findings || opts.findings.includes(t.id)).flatMap((t) =>
    strategies.map((strategy) => {
      const times: number[] = [];
      for (const seed of seeds) {
        const r = searchConcurrent(impl, {
          gen: t.gen,
          strategy,
          seed,
          numRuns: strategy === 'exhaustive' ? 1000 : 1_000_000,
          timeLimitMs: opts.timeLimitMs ?? 60_000,
          accept: t.accept,
        });
        if (r.timeToFindMs !== null) times.push(r.timeToFindMs);
      }
      return { finding: t.id, strategy, medianMs: median(times), found: times.length, seeds: seeds.length };
    }),
  );
  return { decisionsPerSecond: steps / secs, runsPerSecond: (2 * scenarios.length) / secs, exhaustive, timeToFind };
}

function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return Math.round(s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2);
}
