import type { CheckName } from './checks.ts';
import type { OperationKind } from './operations.ts';

/** Structured facts about a violation, for classifying it (findings.ts) without reading its message. */
export interface ViolationDetail {
  /** the operation during which it was seen, and its function */
  readonly op?: OperationKind;
  readonly fn?: string;
  /** a reader: whether it took rcu_read_lock */
  readonly rcu?: boolean;
  /** the WARN_ON_ONCE site that fired */
  readonly site?: string;
  /** the CPU had read a window mid-poke: a torn write (D7) */
  readonly torn?: boolean;
  /** the CPU read a window in more than one load and it changed between them, each load seeing a whole window: a torn read (D16) */
  readonly reread?: boolean;
  /** another CPU was inside get() of the same function while the reader ran */
  readonly getInFlight?: boolean;
  /** the reader saw an entry no kfunc_md code ever wrote: users < 0 (fresh pages hold 0xa5) */
  readonly uninitialised?: boolean;
  /** deadlock, lock order: the mutex involved (kfunc_md_mutex, text_mutex) */
  readonly lock?: string;
  /** contract: what the model says went wrong with the lock contract */
  readonly contract?: 'self-deadlock' | 'misuse';
  /** I5: what the access was (read of unmapped memory: a wild pointer; read of freed memory: a use after free) */
  readonly memory?: string;
  /** linearizability: of the operations no order could place, the one called first is a lookup that found no md */
  readonly lookupMissed?: boolean;
  /** linearizability: a put on the function of an operation no order could place passed an md from a replaced array */
  readonly stalePut?: boolean;
  /** the implementation it was seen on: a later design's own defects are named for it (findings.ts) */
  readonly impl?: string;
  /** state: which of the model's counters disagrees */
  readonly field?: 'count' | 'used';
}

/** The violation as seen on implementation `name` (stamped once, where a driver returns it). */
export function seenOn(v: Violation | null, name: string): Violation | null {
  return v && { ...v, detail: { ...v.detail, impl: name } };
}

export interface Violation {
  readonly check: CheckName;
  readonly message: string;
  /** sequential: index of the executed command after which it was seen (-1: at boot); concurrent: the step (the number of steps for end-of-run checks) */
  readonly at: number;
  /** concurrent: the CPU that made the step, null for end-of-run and global checks */
  readonly cpu?: number | null;
  /** the function it is about, if one */
  readonly fn?: string;
  readonly detail?: ViolationDetail;
}
