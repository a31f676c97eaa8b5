import type { Implementation } from '../../../impl/contract/index.ts';
import { modelInputOf } from '../core/world.ts';
import { ModelSpecs } from './lin-model.ts';
import { explore } from './explore.ts';
import { labelOf } from './classify.ts';
import { cpuCount, opCount } from '../core/scenario.ts';
import type { ConcurrentScenario } from '../core/scenario.ts';
import { simulate } from './simulate.ts';
import type { ConcRun } from './simulate.ts';

/** When a smaller program needs its preemptions moved: schedules tried per program, and at most this many preemptions. */
const REALIGN_EXECUTIONS = 150;
const REALIGN_BOUND = 2;

/**
 * After fast-check's shrinking: the smallest failure with the same label that the pass below
 * reaches, its schedule as segments.
 */
export function minimizeFailure(
  shrunk: ConcurrentScenario,
  impl: Implementation,
  accept: (run: ConcRun) => boolean,
): ConcurrentScenario {
  const specs = new ModelSpecs();
  const sim = (s: ConcurrentScenario): ConcRun => simulate(s, impl, { spec: specs.get(modelInputOf(s, impl)) });
  const first = sim(shrunk);
  const label = labelOf(first.violation);
  const same = (run: ConcRun): boolean => run.violation !== null && accept(run) && labelOf(run.violation) === label;
  const replays = (candidate: ConcurrentScenario): ConcRun | null => {
    const run = sim(candidate);
    return same(run) ? run : null;
  };
  // a smaller program may need its preemptions elsewhere: a small exhaustive search re-aligns them, once per program
  const realigned = new Map<string, ConcRun | null>();
  const fails = (candidate: ConcurrentScenario): ConcRun | null => {
    const direct = replays(candidate);
    if (direct) return direct;
    const key = JSON.stringify(candidate.programs);
    const known = realigned.get(key);
    if (known !== undefined) return known;
    const again = explore(candidate, impl, {
      accept: same,
      preemptionBound: REALIGN_BOUND,
      maxExecutions: REALIGN_EXECUTIONS,
    }).found;
    const run = again ? replays(asSegments(candidate, again.pointDecisions)) : null;
    realigned.set(key, run);
    return run;
  };
  return minimize(replays(asSegments(shrunk, first.pointDecisions)) ?? first, fails, replays).scenario;
}

/**
 * The interleaving of a run as "run CPU k for n scheduling points" segments, whatever found
 * it: unlike PCT's global change points or a trace, segments are edited below point by point.
 */
export function asSegments(scenario: ConcurrentScenario, pointDecisions: readonly number[]): ConcurrentScenario {
  return { ...scenario, schedule: { kind: 'segments', segments: runs(pointDecisions) } };
}

function runs(decisions: readonly number[]): { cpu: number; steps: number }[] {
  const segments: { cpu: number; steps: number }[] = [];
  for (const cpu of decisions) {
    const last = segments[segments.length - 1];
    if (last?.cpu === cpu) last.steps++;
    else segments.push({ cpu, steps: 1 });
  }
  return segments;
}

/**
 * A greedy pass after fast-check's shrinking (which takes array items off the front only):
 * drop a CPU, an operation, or a preemption wherever the failure — same label — survives. A
 * dropped operation takes exactly its own scheduling points out of the interleaving, so the
 * others keep their places. `fails` runs a candidate (moving its preemptions if need be) and
 * returns the run if it still fails; `replays` only runs it as it is.
 */
export function minimize(
  start: ConcRun,
  fails: (s: ConcurrentScenario) => ConcRun | null,
  replays: (s: ConcurrentScenario) => ConcRun | null,
  maxAttempts = 300,
): ConcRun {
  let best = start;
  let attempts = 0;
  for (let progress = true; progress && attempts < maxAttempts;) {
    progress = false;
    for (const candidate of candidates(best)) {
      if (++attempts > maxAttempts) break;
      const run = fails(candidate);
      if (run && smaller(run, best)) {
        best = run;
        progress = true;
        break;
      }
    }
  }
  // trailing segments the no-preemption default would reproduce anyway
  const segs = runs(best.pointDecisions);
  for (let n = 0; n < segs.length; n++) {
    const trimmed: ConcurrentScenario = {
      ...best.scenario,
      schedule: { kind: 'segments', segments: segs.slice(0, n) },
    };
    const run = replays(trimmed);
    if (run && run.decisions.join() === best.decisions.join()) return run;
  }
  return best;
}

/** Fewer CPUs, then fewer operations, then fewer preemptions. */
function smaller(a: ConcRun, b: ConcRun): boolean {
  const size = (r: ConcRun): number[] => [cpuCount(r.scenario), opCount(r.scenario), r.preemptions];
  const x = size(a);
  const y = size(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] < y[i];
  return false;
}

function* candidates(run: ConcRun): Generator<ConcurrentScenario> {
  const s = run.scenario;
  const dec = run.pointDecisions;
  const n = s.programs.length;
  if (n > 1) {
    for (let k = n - 1; k >= 0; k--) {
      const kept = dec.filter((c) => c !== k).map((c) => (c > k ? c - 1 : c));
      yield asSegments({ ...s, programs: s.programs.filter((_, i) => i !== k) }, kept);
    }
  }
  for (let k = 0; k < n; k++) {
    for (let i = s.programs[k].length - 1; i >= 0; i--) {
      if (s.programs[k].length === 1 && n > 1) continue; // dropping the CPU was tried above
      const h = run.history.find((x) => x.cpu === k && x.index === i);
      const kept = h ? dec.filter((_, j) => run.pointOps[j] !== h.id) : dec;
      yield asSegments({ ...s, programs: s.programs.map((p, c) => (c === k ? p.filter((_, j) => j !== i) : p)) }, kept);
    }
  }
  // a preemption less: one segment's points are left to the no-preemption order
  const segs = runs(dec);
  for (let j = segs.length - 1; j >= 1; j--) {
    const from = segs.slice(0, j).reduce((a, g) => a + g.steps, 0);
    yield asSegments(s, [...dec.slice(0, from), ...dec.slice(from + segs[j].steps)]);
  }
}
