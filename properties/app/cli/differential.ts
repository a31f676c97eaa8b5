/**
 * `kfmd check --against REF`, sequential side: a failure of the implementation counts only if
 * the reference, given the same commands, does not fail the same way. (The concurrent side is
 * engine/concurrent/differential.ts: the same rule over programs and schedule.)
 */
import { declarationsOf } from '../../../impl/contract/index.ts';
import type { Implementation } from '../../../impl/contract/index.ts';
import type { Configuration } from '../../../model/config/index.ts';
import { execute } from '../../engine/sequential/executor.ts';
import type { Execution } from '../../engine/sequential/executor.ts';
import { classifyExecution } from '../../engine/sequential/property.ts';
import { suiteInapplicable } from '../../engine/sequential/suites.ts';
import type { Suite } from '../../engine/sequential/suites.ts';
import { outcomeOf } from '../report/against.ts';
import type { AgainstNote } from '../report/against.ts';

/**
 * The reference on the commands the implementation ran (skipped ones are no part of the
 * input, and a saved counterexample holds exactly these), so the verdict a check computes and
 * the one a replay of the saved file computes agree.
 */
export function referenceExecution(ex: Execution, reference: Implementation): Execution {
  return execute({ ...ex.scenario, commands: ex.executed }, reference);
}

/**
 * Same failure: the same check and the same finding (or both unnamed). Messages carry slot
 * numbers and addresses that differ between designs, and the command a design fails at may
 * move with its slot choice; check and finding name the property and the defect.
 */
export function sameFailure(a: Execution, b: Execution): boolean {
  if (a.violation === null || b.violation === null) return a.violation === b.violation;
  return a.violation.check === b.violation.check && classifyExecution(a)?.id === classifyExecution(b)?.id;
}

/** The accept hook of a differential campaign (engine/sequential/property.ts). */
export function differsFrom(reference: Implementation): (ex: Execution) => boolean {
  return (ex) => ex.violation !== null && !sameFailure(ex, referenceExecution(ex, reference));
}

/** Why a suite cannot be compared on a configuration: it does not apply to the reference. */
export function referenceInapplicable(suite: Suite, config: Configuration, reference: Implementation): string | null {
  const why = suiteInapplicable(suite, declarationsOf(reference, config.options));
  return why === null ? null : `not comparable with ${reference.name}: ${why}`;
}

/** What the reference does on a counterexample's commands, for the report. */
export function referenceNote(ex: Execution, reference: Implementation): AgainstNote {
  const again = referenceExecution(ex, reference);
  return { reference: reference.name, outcome: outcomeOf(again.violation, classifyExecution(again)?.id ?? null) };
}
