import type { ConcOpKind } from '../concurrent/scenario.ts';

/** The checks a concurrent run makes; all but linearizability at every step. */
export type ConcCheck =
  | 'memory' // no load or store touches freed (or unmapped) memory
  | 'warn' // no WARN_ON_ONCE fires
  | 'I1' // a reader that obtains an md for ip sees md->func == ip and users >= 1 (I1, I4)
  | 'I5' // no caller passes an md pointer into a freed array
  | 'I8' // no reader decodes a torn window into a valid-looking index
  | 'I9' // lock order kfunc_md_mutex -> text_mutex, no self-deadlock, no deadlock
  | 'linearizability'; // every completed operation linearizes against the model

export const CONC_CHECK_DESCRIPTIONS: Readonly<Record<ConcCheck, string>> = {
  memory: 'memory safety: no access to freed memory',
  warn: 'no WARN_ON_ONCE fires',
  I1: 'I1/I4: a reader that obtains an md for ip sees md->func == ip and users >= 1',
  I5: 'I5: no caller-held md pointer into a freed array',
  I8: 'I8: no reader decodes a half-written instruction as a valid index',
  I9: 'I9: lock order kfunc_md_mutex → text_mutex, no self-deadlock, no deadlock',
  linearizability: 'linearizability: the operations agree with the model in some order consistent with real time',
};

/** Facts about where a violation happened, for labelling it (findings.ts) and for the report. */
export interface ViolationDetail {
  readonly op?: ConcOpKind;
  readonly fn?: string;
  readonly rcu?: boolean;
  readonly site?: string;
  /** the WARNing CPU had just read a torn window */
  readonly torn?: boolean;
  /** another CPU was inside get() of the same function while the reader ran */
  readonly getInFlight?: boolean;
  /** the reader saw an entry no kfunc_md code ever wrote: users < 0 (fresh pages hold 0xa5) */
  readonly uninitialised?: boolean;
}

export interface ConcViolation {
  readonly check: ConcCheck;
  readonly message: string;
  /** the step (0-based) at which it was seen; the number of steps for end-of-run checks */
  readonly step: number;
  readonly cpu: number | null;
  readonly detail: ViolationDetail;
}
