import { labelOf } from './classify.ts';
import type { Implementation } from '../../../impl/contract/index.ts';
import type { Violation } from '../core/violation.ts';
import { simulate } from './simulate.ts';
import type { ConcRun } from './simulate.ts';

/**
 * The concurrent form of the mutant hunter's "told apart" criterion: a violating run counts
 * only if its finding is not one of the reference's own races (`referenceFindings`, e.g. v4's
 * D1, D2, D6, D7, NORCU) and the reference, given the same programs and schedule, does not
 * fail it the same way. The search then goes on past the reference's races to the
 * candidate's own bug.
 */
export function toldApartFrom(
  reference: Implementation,
  referenceFindings: ReadonlySet<string>,
): (run: ConcRun) => boolean {
  return (run) => {
    const label = labelOf(run.violation);
    if (!run.violation || referenceFindings.has(label)) return false;
    const ref = simulate(run.scenario, reference);
    return labelOf(ref.violation) !== label;
  };
}

/**
 * Whether two runs fail the same way: the same check and the same finding label. The message
 * cannot be compared (it names addresses, slots and values that differ between correct
 * designs), nor the step (the implementations take different numbers of steps); check and
 * label together name the property and the defect, which is what "REF has this bug too" means.
 */
export function sameFailure(a: Violation | null, b: Violation | null): boolean {
  if (a === null || b === null) return a === b;
  return a.check === b.check && labelOf(a) === labelOf(b);
}

/**
 * `kfmd check --against REF`: a violating run counts only if the reference, run on the same
 * programs and the same schedule (the run's own: under exhaustive search the explored trace,
 * after minimising the segments), does not fail the same way. Its results then name only what
 * the implementation does that the reference does not.
 */
export function differsFrom(reference: Implementation): (run: ConcRun) => boolean {
  return (run) => run.violation !== null && !sameFailure(run.violation, referenceViolation(run, reference));
}

/** What the reference does on a run's programs and schedule: its violation, or null if it holds. */
export function referenceViolation(run: ConcRun, reference: Implementation): Violation | null {
  return simulate(run.scenario, reference).violation;
}
