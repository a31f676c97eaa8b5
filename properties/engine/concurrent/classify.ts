import { classify } from '../core/findings.ts';
import type { Finding } from '../core/findings.ts';
import type { Violation } from '../core/violation.ts';

/** The known race or defect a concurrent run's violation is, from the one findings catalogue. */
export function classifyConcurrent(v: Violation | null): Finding | null {
  return classify(v, { mode: 'concurrent', fnAt: v?.detail?.fn ?? null, unpadded: new Set() });
}

/** The label a report and a table cell use: the finding id, else the check. */
export function labelOf(v: Violation | null): string {
  if (!v) return 'holds';
  return classifyConcurrent(v)?.id ?? v.check;
}
