import fc from 'fast-check';
import type { Configuration } from '../../../model/config/index.ts';
import { withShapeFunctions } from '../core/function-shapes.ts';
import type { ConcurrentOperation } from '../core/operations.ts';
import type { ConcurrentScenario, ScheduleSpec } from '../core/scenario.ts';

/** What a concurrent property generates from, fixed per property. */
export interface ConcGenOptions {
  readonly config: Configuration;
  readonly entriesPerPage: number;
  readonly maxOrder: number;
  readonly pokeByteOrder: readonly number[];
  /** padded functions f0..f(n-1) */
  readonly functions: number;
  readonly maxCpus: number;
  readonly maxOpsPerCpu: number;
  readonly ops: readonly ConcurrentOperation['op'][];
  /** which trampolines readers run: with rcu_read_lock, without (the author's), or either */
  readonly readers: 'rcu' | 'norcu' | 'both';
  /** PCT bug depth d: d-1 priority change points */
  readonly pctDepth: number;
}

/** One entry per page: the second live function already grows the array. Two functions meet every pairwise race. */
export const DEFAULT_GEN: Omit<ConcGenOptions, 'config' | 'pokeByteOrder'> = {
  entriesPerPage: 1,
  maxOrder: 2,
  functions: 2,
  maxCpus: 3,
  maxOpsPerCpu: 3,
  ops: ['locked_get', 'put', 'put_by_ip', 'tramp'],
  readers: 'both',
  pctDepth: 3,
};

/**
 * Programs and schedule in one record, so fast-check shrinks them together: fewer CPUs, fewer
 * operations, fewer segments or change points (fewer preemptions), smaller numbers.
 */
export function concScenarioArbitrary(
  g: ConcGenOptions,
  strategy: 'random' | 'pct' | 'none',
): fc.Arbitrary<ConcurrentScenario> {
  // the ordinary functions, then the configuration's other-shaped ones (core/function-shapes.ts)
  const functions = withShapeFunctions(
    g.config,
    Array.from({ length: g.functions }, (_, i) => ({ name: `f${i}`, padded: true })),
  );
  const names = functions.map((f) => f.name);
  const programs = fc.array(fc.array(opArbitrary(g, names), { minLength: 1, maxLength: g.maxOpsPerCpu }), {
    minLength: 1,
    maxLength: g.maxCpus,
  });
  return fc
    .record({ programs, schedule: scheduleArbitrary(g, strategy) })
    .map(({ programs, schedule }): ConcurrentScenario => ({
      config: g.config.name,
      entriesPerPage: g.entriesPerPage,
      maxOrder: g.maxOrder,
      pokeByteOrder: g.pokeByteOrder,
      functions,
      programs,
      schedule,
    }));
}

function opArbitrary(g: ConcGenOptions, names: readonly string[]): fc.Arbitrary<ConcurrentOperation> {
  const fn = fc.constantFrom(...names);
  const rcu = g.readers === 'both' ? fc.boolean() : fc.constant(g.readers === 'rcu');
  // gets and readers are what races need most; puts only matter after a get
  const byKind: Record<ConcurrentOperation['op'], fc.WeightedArbitrary<ConcurrentOperation>> = {
    locked_get: { weight: 3, arbitrary: fn.map((f): ConcurrentOperation => ({ op: 'locked_get', fn: f })) },
    put: { weight: 2, arbitrary: fn.map((f): ConcurrentOperation => ({ op: 'put', fn: f })) },
    put_by_ip: { weight: 1, arbitrary: fn.map((f): ConcurrentOperation => ({ op: 'put_by_ip', fn: f })) },
    tramp: {
      weight: 3,
      arbitrary: fc.tuple(fn, rcu).map(([f, r]): ConcurrentOperation => ({ op: 'tramp', fn: f, rcu: r })),
    },
  };
  return fc.oneof(...g.ops.map((k) => byKind[k]));
}

/**
 * A rough bound on a run's scheduling points (about 30 per get, 20 per put, 8 per reader; the
 * copy on growth reads the old array), so change points and segment lengths land inside runs.
 */
export function stepEstimate(
  g: Pick<ConcGenOptions, 'maxCpus' | 'maxOpsPerCpu' | 'entriesPerPage' | 'maxOrder'>,
): number {
  return g.maxCpus * g.maxOpsPerCpu * 20 + 4 * g.entriesPerPage * (2 ** g.maxOrder - 1);
}

function scheduleArbitrary(g: ConcGenOptions, strategy: 'random' | 'pct' | 'none'): fc.Arbitrary<ScheduleSpec> {
  const est = stepEstimate(g);
  if (strategy === 'pct') {
    return fc
      .record({
        priorities: fc.array(fc.nat(g.maxCpus * 3), { minLength: g.maxCpus, maxLength: g.maxCpus }),
        changePoints: fc.array(fc.nat(999), { maxLength: Math.max(g.pctDepth - 1, 0) }),
      })
      .map((p): ScheduleSpec => ({ kind: 'pct', ...p }));
  }
  if (strategy === 'random') {
    // short segments (a reader's few loads) as often as long ones (a writer's whole operation)
    const steps = fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: est }));
    const segment = fc.record({ cpu: fc.nat(g.maxCpus - 1), steps });
    return fc.array(segment, { maxLength: 6 }).map((segments): ScheduleSpec => ({ kind: 'segments', segments }));
  }
  return fc.constant<ScheduleSpec>({ kind: 'segments', segments: [] });
}
