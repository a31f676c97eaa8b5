import type { Implementation } from '../../../impl/contract/index.ts';
import type { ConcurrentScenario } from '../core/scenario.ts';
import { nonPreemptive } from './schedulers.ts';
import { simulate } from './simulate.ts';
import type { ConcRun, Control } from './simulate.ts';
import { modelInputOf } from '../core/world.ts';
import { ModelSpec } from './lin-model.ts';

export interface ExploreOptions {
  /** at most this many preemptions per schedule (iterative context bounding: 0, 1, … up to it) */
  readonly preemptionBound?: number;
  /** the first bound to search (default 0); equal to preemptionBound, one plain bounded search */
  readonly startBound?: number;
  /** give up after this many executions (the answer is then "not exhausted") */
  readonly maxExecutions?: number;
  /** prune schedules reaching a state already explored with at least as much preemption budget */
  readonly stateCaching?: boolean;
  readonly linearizability?: boolean;
  /** which violations end the search (default: any) */
  readonly accept?: (run: ConcRun) => boolean;
}

export interface ExploreResult {
  /** the first accepted violating run, with its schedule as an explicit trace */
  readonly found: ConcRun | null;
  /** schedules run, complete or cut short by the state cache */
  readonly executions: number;
  readonly pruned: number;
  readonly states: number;
  /** the preemption bound the search had reached */
  readonly bound: number;
  /** every schedule within the bound was covered */
  readonly exhausted: boolean;
  readonly ms: number;
}

export const DEFAULT_PREEMPTION_BOUND = 2;
export const DEFAULT_MAX_EXECUTIONS = 2_000;

interface Frame {
  readonly alts: readonly number[];
  readonly costs: readonly number[];
  idx: number;
}

/**
 * Bounded exhaustive search over interleavings, stateless in the manner of CHESS: every
 * schedule is run from boot (generators cannot be cloned) following a prefix of decisions, then
 * without preemption; backtracking takes the next alternative at the deepest open decision.
 * Bounds grow 0, 1, …, so what is found first has the fewest preemptions.
 */
export function explore(scenario: ConcurrentScenario, impl: Implementation, opts: ExploreOptions = {}): ExploreResult {
  const started = performance.now();
  const maxBound = opts.preemptionBound ?? DEFAULT_PREEMPTION_BOUND;
  const maxExecutions = opts.maxExecutions ?? DEFAULT_MAX_EXECUTIONS;
  const caching = opts.stateCaching ?? true;
  // every schedule of one scenario is judged by one spec: its memo carries over
  const spec = new ModelSpec(modelInputOf(scenario, impl));
  let executions = 0;
  let pruned = 0;
  let states = 0;
  const done = (found: ConcRun | null, bound: number, exhausted: boolean): ExploreResult => ({
    found,
    executions,
    pruned,
    states,
    bound,
    exhausted,
    ms: performance.now() - started,
  });

  for (let bound = opts.startBound ?? 0; bound <= maxBound; bound++) {
    const visited = new Map<string, number>();
    const frames: Frame[] = [];
    for (;;) {
      if (executions >= maxExecutions) return done(null, bound, false);
      const prefix = frames.map((f) => f.alts[f.idx]);
      let decision = 0;
      let spent = 0;
      const control: Control = {
        decide(runnable, current, _step, fingerprint) {
          if (runnable.length < 2) return runnable[0];
          const j = decision++;
          if (j < prefix.length) {
            spent += frames[j].costs[frames[j].idx];
            return prefix[j];
          }
          const remaining = bound - spent;
          if (caching) {
            const key = fingerprint();
            const seen = visited.get(key);
            if (seen !== undefined && seen >= remaining) return null;
            if (seen === undefined) states++;
            visited.set(key, remaining);
          }
          const first = nonPreemptive(runnable, current);
          const preempting = current !== null && runnable.includes(current) ? 1 : 0;
          const others = remaining >= preempting ? runnable.filter((c) => c !== first) : [];
          frames.push({ alts: [first, ...others], costs: [0, ...others.map(() => preempting)], idx: 0 });
          return first;
        },
      };
      const run = simulate(scenario, impl, {
        control,
        spec,
        ...(opts.linearizability === false ? { linearizability: false } : {}),
      });
      executions++;
      if (run.pruned) pruned++;
      if (run.violation) {
        // the run as explored: its schedule is the interleaving taken, so a criterion that reruns it
        // (differential.ts) replays that interleaving, not the generated scenario's empty schedule
        const trace: ConcurrentScenario = { ...scenario, schedule: { kind: 'trace', decisions: run.decisions } };
        const explored = { ...run, scenario: trace };
        if (opts.accept?.(explored) ?? true) return done(explored, bound, false);
      }
      while (frames.length > 0 && frames[frames.length - 1].idx + 1 >= frames[frames.length - 1].alts.length)
        frames.pop();
      if (frames.length === 0) break;
      frames[frames.length - 1].idx++;
    }
  }
  return done(null, maxBound, true);
}
