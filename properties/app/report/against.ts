import type { Violation } from '../../engine/core/violation.ts';
import { classifyConcurrent } from '../../engine/concurrent/classify.ts';

/**
 * A differential counterexample (`kfmd check --against REF`) says so in its report and its
 * file: against which implementation, and what that one did on the same input.
 */
export interface AgainstNote {
  readonly reference: string;
  /** the reference's own failure on the same input ("I2 (D3)"), or null when it holds */
  readonly outcome: string | null;
}

/** "check (finding)", or null for no violation. */
export function outcomeOf(v: Violation | null, finding: string | null): string | null {
  if (!v) return null;
  return finding ? `${v.check} (${finding})` : v.check;
}

/** The report line; `input` is what both ran: "commands" (sequential) or "programs and schedule". */
export function againstLine(note: AgainstNote, input: string): string {
  const did = note.outcome === null ? 'holds' : `fails another way: ${note.outcome}`;
  return `  differential against ${note.reference}: on the same ${input}, ${note.reference} ${did}`;
}

/** The file name's label of a differential counterexample: its own, then the reference. */
export function againstLabel(label: string, note: AgainstNote | undefined): string {
  return note ? `${label}.against-${note.reference}` : label;
}

/** The note of a differential concurrent search's result (search.ts `against`), if it was one. */
export function concurrentNote(
  against: { readonly name: string; readonly violation: Violation | null } | null,
): AgainstNote | undefined {
  if (!against) return undefined;
  const v = against.violation;
  return { reference: against.name, outcome: outcomeOf(v, classifyConcurrent(v)?.id ?? null) };
}
