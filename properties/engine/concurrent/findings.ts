import type { ConcViolation } from '../core/violation.ts';

/**
 * Names for what the generic concurrent checks find on v4 (spec §7, §6). Like
 * harness/findings.ts, the table only labels violations after the fact; a violation no entry
 * matches is reported by its check alone, as new.
 */
export interface ConcFinding {
  readonly id: string;
  readonly title: string;
  matches(v: ConcViolation): boolean;
}

export const CONC_FINDINGS: readonly ConcFinding[] = [
  {
    id: 'D1',
    title:
      "slot reuse without a grace period: a reader holding an index sees a released or reused entry (another function's md)",
    // a released or reused entry: users >= 0 (an entry nobody initialised is another bug)
    matches: (v) => v.check === 'I1' && v.detail.getInFlight !== true && v.detail.uninitialised !== true,
  },
  {
    id: 'D2',
    title: 'md->func published after the instruction: a reader sees the new index with a stale or uninitialised func',
    matches: (v) => v.check === 'I1' && v.detail.getInFlight === true,
  },
  {
    id: 'D6',
    title: 'md pointer held across growth: put(md) into the freed array',
    matches: (v) =>
      v.check === 'I5' || (v.check === 'memory' && (v.detail.op === 'put' || v.detail.op === 'put_by_ip')),
  },
  {
    id: 'D7-warn',
    title: "torn x86 5-byte text_poke: a reader decodes a half-written index, caught by find's bound check (WARN)",
    matches: (v) => v.check === 'warn' && v.detail.site === 'find-bound' && v.detail.torn === true,
  },
  {
    id: 'D7-index',
    title: 'torn x86 5-byte text_poke: a reader decodes a half-written index below the capacity (a wrong md, silently)',
    matches: (v) => v.check === 'I8',
  },
  {
    id: 'NORCU',
    title: 'global trampoline without rcu_read_lock: it reads the array that growth freed (spec §6, I4)',
    matches: (v) => v.check === 'memory' && v.detail.op === 'tramp' && v.detail.rcu === false,
  },
  {
    id: 'D10',
    title: 'lock contract or order broken: self-deadlock, inversion or deadlock',
    matches: (v) => v.check === 'I9',
  },
];

export function classifyConc(v: ConcViolation | null): ConcFinding | null {
  return v ? (CONC_FINDINGS.find((f) => f.matches(v)) ?? null) : null;
}

/** The label a report and a table cell use: the finding id, else the check. */
export function labelOf(v: ConcViolation | null): string {
  if (!v) return 'holds';
  return classifyConc(v)?.id ?? v.check;
}
