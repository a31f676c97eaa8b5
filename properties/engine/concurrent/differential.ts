import { labelOf } from './classify.ts';
import type { Implementation } from '../../../impl/contract/index.ts';
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
