import type { ConcurrentOperation } from '../core/operations.ts';
import type { ScheduleSpec } from '../core/scenario.ts';

/** Typical scheduling points per operation (private array initialisation does not count). */
const POINTS: Readonly<Record<ConcurrentOperation['op'], number>> = {
  locked_get: 30,
  put: 20,
  put_by_ip: 22,
  tramp: 7,
};

/** PCT's k: the scheduling points a run of these programs has, roughly. */
export function estimatePoints(programs: readonly (readonly ConcurrentOperation[])[]): number {
  return Math.max(
    1,
    programs.flat().reduce((n, op) => n + POINTS[op.op], 0),
  );
}

/**
 * Picks the CPU that performs the next step. Called at every scheduling point with the
 * runnable CPUs (ascending, never empty), the CPU that performed the previous step, the number
 * of scheduling points so far and the number of steps so far (steps on private memory are not
 * scheduling points: see private-blocks.ts).
 */
export interface Scheduler {
  pick(runnable: readonly number[], current: number | null, point: number, step: number): number;
}

/** No preemption: the current CPU runs until it finishes or blocks, then the lowest runnable one. */
export function nonPreemptive(runnable: readonly number[], current: number | null): number {
  return current !== null && runnable.includes(current) ? current : runnable[0];
}

export function schedulerFor(spec: ScheduleSpec, programs: readonly (readonly ConcurrentOperation[])[]): Scheduler {
  const cpus = programs.length;
  switch (spec.kind) {
    case 'segments':
      return segmentScheduler(spec.segments, cpus);
    case 'pct': {
      const k = estimatePoints(programs);
      return pctScheduler(
        spec.priorities,
        spec.changePoints.map((pm) => Math.floor((pm * k) / 1000)),
        cpus,
      );
    }
    case 'trace':
      return traceScheduler(spec.decisions);
  }
}

/**
 * "Run CPU k for n steps" segments. A segment ends early when its CPU cannot run; after the
 * last one nothing is preempted, so dropping segments (shrinking) removes preemptions.
 */
function segmentScheduler(
  segments: readonly { readonly cpu: number; readonly steps: number }[],
  cpus: number,
): Scheduler {
  let seg = 0;
  let used = 0;
  return {
    pick(runnable, current) {
      while (seg < segments.length) {
        const s = segments[seg];
        const cpu = s.cpu % Math.max(cpus, 1);
        if (used < s.steps && runnable.includes(cpu)) {
          used++;
          return cpu;
        }
        seg++;
        used = 0;
      }
      return nonPreemptive(runnable, current);
    },
  };
}

/**
 * PCT (Burckhardt et al., ASPLOS'10): distinct initial priorities (ties by CPU number), the
 * highest-priority runnable CPU runs; at each change point the CPU about to run drops below
 * every initial priority, later change points lower still. d-1 change points find bugs of depth d.
 */
function pctScheduler(priorities: readonly number[], changePoints: readonly number[], cpus: number): Scheduler {
  const prio = Array.from({ length: cpus }, (_, i) => (priorities[i] ?? 0) * (cpus + 1) + (cpus - i));
  const points = [...changePoints].sort((a, b) => a - b);
  let next = 0;
  const best = (runnable: readonly number[]): number => runnable.reduce((a, b) => (prio[b] > prio[a] ? b : a));
  return {
    pick(runnable, _current, point) {
      while (next < points.length && points[next] < point) next++;
      while (next < points.length && points[next] === point) {
        prio[best(runnable)] = -(next + 1);
        next++;
      }
      return best(runnable);
    },
  };
}

/** Replays recorded decisions; past their end (or if one no longer fits) it stops preempting. */
function traceScheduler(decisions: readonly number[]): Scheduler {
  return {
    pick(runnable, current, _point, step) {
      const d = decisions[step];
      return d !== undefined && runnable.includes(d) ? d : nonPreemptive(runnable, current);
    },
  };
}
